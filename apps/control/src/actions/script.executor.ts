import { StringDecoder } from 'node:string_decoder';
import type { HostAction } from '@boocontrol/contracts';
import { HostHttp } from '../connectors/http';
import { AppError } from '../lib/errors';
import { sshExec, type RemoteCommand, type SshTarget } from '../ssh/exec';
import { shPath } from '../ssh/quote';
import type { ActionContext, Executor } from '../jobs/queue';

export interface ScriptDeps {
  hostId: string;
  target: SshTarget;
  secretsDir: string;
  /** Shell-mode hosts: report the remote pid so cancel can kill the process group even as root. */
  pidMarker: boolean;
  /** Base URL of the slot the action serves, when configured: wait for /health + /v1/models. */
  slotUrl?: string | undefined;
  apiKey: string | null;
}

/**
 * The remote command of an action. `command` is the admin's own command line from the hosts
 * file or the actions editor (trusted configuration, run as written, like a cron entry);
 * `remote_path` is validated and quoted, and run without arguments. No request data is ever
 * added to either.
 */
export function remoteCommandOf(action: HostAction): RemoteCommand {
  if (action.remote_path) return { command: shPath(action.remote_path) };
  if (action.command) return { command: action.command };
  throw new AppError('VALIDATION', `action ${action.id} has neither command nor remote_path`);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

/** After a switch script: the slot answers /health with 200 and (when the action names a model) lists it. */
async function waitForSlot(deps: ScriptDeps, action: HostAction, ctx: ActionContext, deadline: number): Promise<void> {
  const http = new HostHttp({ baseUrl: deps.slotUrl!.replace(/\/+$/, ''), apiKey: deps.apiKey });
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (ctx.signal.aborted) throw new AppError('CANCELLED', 'cancelled while waiting for the slot');
    try {
      await http.get('/health', { timeoutMs: 3_000, signal: ctx.signal });
      const { json } = await http.getJson('/v1/models', { timeoutMs: 3_000, signal: ctx.signal });
      const ids = ((json as { data?: Array<{ id?: unknown }> } | null)?.data ?? []).map((m) => String(m.id));
      if (!action.model || ids.includes(action.model)) {
        ctx.progress({ slotModels: ids });
        return;
      }
      last = `serves ${ids.join(', ') || 'no model'}, waiting for ${action.model}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    ctx.progress({ slotStatus: last });
    await sleep(1_000, ctx.signal);
  }
  throw new AppError('TIMEOUT', `slot ${action.slot} (${deps.slotUrl}) not ready after the script: ${last}`, { slot: action.slot });
}

/**
 * Runs a host action over SSH through the queue: output streamed into the job (live frames with
 * `line`, and the stored tail), exit code and stderr kept in job.detail. Non-zero exit = failed
 * job (SCRIPT_FAILED) carrying the stderr tail; unreachable / wrong key / wrong host key =
 * SSH_FAILED within the connect timeout.
 */
export function scriptExecutor(deps: ScriptDeps, action: HostAction): Executor {
  return async (ctx) => {
    const started = Date.now();
    const deadline = started + action.timeoutS * 1000;
    const cmd = remoteCommandOf(action);
    const switching = action.kind === 'switch';
    ctx.progress({ stage: switching ? 'starting' : 'running', action: action.id, slot: action.slot ?? null });
    ctx.log(`$ ${action.remote_path ?? action.command}\n`);
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    const r = await sshExec(deps.target, cmd, {
      secretsDir: deps.secretsDir,
      timeoutMs: action.timeoutS * 1000,
      connectTimeoutMs: 10_000,
      signal: ctx.signal,
      pidMarker: deps.pidMarker,
      onStdout: (c) => ctx.log(out.write(c)),
      onStderr: (c) => ctx.log(err.write(c)),
    });
    ctx.log(out.end() + err.end());
    const stderrTail = r.stderr.slice(-4096);
    ctx.progress({ exitCode: r.code, exitSignal: r.signal, stderr: stderrTail, scriptMs: r.durationMs });
    if (r.code !== 0) {
      const lastLine = stderrTail.trim().split('\n').pop() ?? '';
      ctx.progress({ stage: 'failed' });
      throw new AppError('SCRIPT_FAILED', `action ${action.id} ${r.code === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited with ${r.code}`}${lastLine ? `: ${lastLine}` : ''}`, {
        exitCode: r.code,
        exitSignal: r.signal,
        stderr: stderrTail,
      });
    }
    if (switching && deps.slotUrl) {
      ctx.progress({ stage: 'loading' });
      await waitForSlot(deps, action, ctx, deadline);
    }
    ctx.progress({ stage: switching ? 'ready' : 'done', elapsedMs: Date.now() - started });
    return { exitCode: r.code, model: action.model ?? null, elapsedMs: Date.now() - started };
  };
}
