import { z } from 'zod';
import { HfFileSchema, HfRepoSchema, type Job } from '@boocontrol/contracts';
import type { ActionContext, ActionQueue } from '../jobs/queue';
import type { HostRecord } from '../hosts/hosts.repo';
import { AppError } from '../lib/errors';
import type { RemoteCommand } from './exec';
import { PullOutputParser } from './pull-progress';
import { shJoin, shPath, shQuote } from './quote';
import type { RemoteRunner } from './remote-ops';

export interface ModelPullDeps {
  getHost(id: string): Promise<HostRecord | undefined>;
  queue: ActionQueue;
  runnerFor(host: HostRecord): RemoteRunner;
  /** Whole-download deadline (default 12 h). */
  timeoutMs?: number;
  /** Minimum gap between progress frames for bar redraws (default 250 ms). */
  progressEveryMs?: number;
}

const PullParams = z.object({ repo: HfRepoSchema, file: HfFileSchema.optional(), mode: z.string() });

const PID_LINE = /^boocontrol-pull-pid (\d+)$/;

/**
 * Model pull: `huggingface-cli download` on the host as a non-blocking job (frames on `jobs`:
 * running → succeeded | failed | cancelled, detail.kind = 'pull', detail.repo, detail.line = the
 * latest output line, detail.percent when the output carries one).
 *
 * repo and file are validated here (and by the route, and by the wrapper) before anything
 * reaches the host. Cancelling stops the remote process: in shell mode exec sends TERM to the
 * session's process group (then KILL); in wrapper mode sshd refuses signals for forced
 * commands, so we send the wrapper's `cancel <id>` verb over a second connection, with the id
 * the wrapper printed when the download started.
 */
export class ModelPullService {
  constructor(private readonly deps: ModelPullDeps) {
    deps.queue.registry.register({
      jobType: 'pull',
      params: PullParams,
      // Downloads take minutes to hours and touch only the models directory: they queue behind
      // each other, not behind (or in front of) the host's switches and config edits.
      lane: (hostId) => `${hostId ?? '*'}:pull`,
      run: async (ctx, p, hostId) => {
        const host = await this.deps.getHost(hostId ?? '');
        if (!host) throw new AppError('NOT_FOUND', `no host ${hostId ?? ''}`);
        return this.execute(ctx, host, this.deps.runnerFor(host), pullCommand(host, p.repo, p.file), p.repo, p.file);
      },
    });
  }

  async pull(hostId: string, input: { repo: string; file?: string | undefined }, idempotencyKey?: string): Promise<Job> {
    const repo = parseOr400(HfRepoSchema, input.repo, 'repo');
    const file = input.file === undefined ? undefined : parseOr400(HfFileSchema, input.file, 'file');
    const host = await this.deps.getHost(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    pullCommand(host, repo, file); // refuses a host without a models dir before anything queues
    const { job } = await this.deps.queue.enqueue({ hostId, jobType: 'pull', params: { repo, ...(file ? { file } : {}), mode: host.sshMode }, idempotencyKey });
    return job;
  }

  private async execute(ctx: ActionContext, host: HostRecord, run: RemoteRunner, command: RemoteCommand, repo: string, file: string | undefined) {
    const base = { kind: 'pull', repo, ...(file ? { file } : {}) };
    ctx.progress({ ...base, stage: 'downloading', line: '', percent: null });
    let pullId: string | undefined;
    let latest = '';
    let percent: number | undefined;
    let lastEmit = 0;
    const every = this.deps.progressEveryMs ?? 250;
    const publish = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastEmit < every) return;
      lastEmit = now;
      ctx.progress({ line: latest, ...(percent !== undefined ? { percent } : {}) });
    };
    const events = {
      line: (text: string) => {
        const m = PID_LINE.exec(text);
        if (m) {
          pullId = m[1];
          return;
        }
        ctx.log(`${text}\n`);
      },
      update: (text: string, p: number | undefined) => {
        if (PID_LINE.test(text)) return;
        latest = text;
        if (p !== undefined) percent = p;
        publish(false);
      },
    };
    const out = new PullOutputParser(events);
    const err = new PullOutputParser(events);

    // Wrapper mode: sshd does not deliver signals to forced commands; ask the wrapper to stop.
    // (Without an id yet, closing the connection is all we can do; the wrapper's watchdog then
    // stops the download when it sees its SSH session gone.)
    let cancelling: Promise<void> | undefined;
    const onAbort = () => {
      if (host.sshMode !== 'wrapper') return;
      if (!pullId) {
        ctx.log('cancel requested before the download reported its id; closing the connection\n');
        return;
      }
      const id = pullId;
      cancelling = run({ argv: ['cancel', id] }, { timeoutMs: 20_000 }).then(
        (r) => ctx.log(r.code === 0 ? `remote download ${id} stopped\n` : `wrapper cancel exited ${r.code}: ${r.stderr.trim()}\n`),
        (e: unknown) => ctx.log(`wrapper cancel failed: ${e instanceof Error ? e.message : String(e)}\n`),
      );
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await run(command, {
        signal: ctx.signal,
        timeoutMs: this.deps.timeoutMs ?? 12 * 3600_000,
        onStdout: (c) => out.push(c),
        onStderr: (c) => err.push(c),
      });
      out.end();
      err.end();
      publish(true);
      if (result.code !== 0) {
        const stderr = result.stderr.trim().slice(-2000);
        const status = result.code !== null ? `exit status ${result.code}` : `signal ${result.signal ?? '?'}`;
        throw new AppError('SSH_FAILED', `pull of ${repo} failed with ${status}${stderr ? `: ${stderr}` : ''}`, {
          ...base,
          reason: 'remote-exit',
          exitCode: result.code,
          stderr,
          line: latest,
        });
      }
      return { ...base, stage: 'done', line: latest, percent: 100 };
    } finally {
      out.end();
      err.end();
      ctx.signal.removeEventListener('abort', onAbort);
      // The job ends once the remote side confirmed (or failed) the stop.
      await cancelling;
    }
  }
}

function parseOr400<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError('VALIDATION', `invalid ${field}: ${r.error.issues.map((i) => i.message).join('; ')}`, { field });
  return r.data;
}

/** The remote command for a pull. Every user value is validated above and quoted here. */
export function pullCommand(host: HostRecord, repo: string, file: string | undefined): RemoteCommand {
  if (host.sshMode === 'wrapper') return { argv: ['pull', repo, ...(file ? [file] : [])] };
  if (!host.modelsDir) {
    throw new AppError('VALIDATION', `host ${host.id} has no modelsDir; shell-mode pulls need one (PATCH /api/control/hosts/:id)`, { field: 'modelsDir' });
  }
  const localDir = `${host.modelsDir.replace(/\/+$/, '')}/${repo}`;
  return {
    command: [shJoin(['huggingface-cli', 'download', repo]), ...(file ? [shQuote(file)] : []), '--local-dir', shPath(localDir)].join(' '),
  };
}
