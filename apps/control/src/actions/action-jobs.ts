import { z } from 'zod';
import { AppError } from '../lib/errors';
import type { ActionContext, Executor, JobRegistry } from '../jobs/registry';
import type { HostDirectory, ActionHost } from '../hosts/host-directory';
import { sshTargetOf } from '../ssh/ssh-target';
import { LlamaSwapClient } from './llama-swap.client';
import { cancelInflightExecutor, switchExecutor, unloadExecutor, warmExecutor, type LlamaHostDeps } from './llama-swap.executors';
import { scriptExecutor } from './script.executor';

export interface ActionJobDeps {
  directory: HostDirectory;
  secretsDir: string;
  /** Slot base URLs of script hosts (from the hosts file). */
  slots: (hostId: string) => { primary?: string | undefined; secondary?: string | undefined } | undefined;
  /** Writes a line into a host's live log view. */
  logLine?: ((hostId: string, text: string) => void) | undefined;
}

/** A script action standing in for a verb on a script host (switch/warm via the host's own script). */
const ViaAction = { action: z.string().optional(), label: z.string().optional(), slot: z.string().nullable().optional() };
const SwitchParams = z.object({ model: z.string().min(1), requested: z.string().optional(), exclusive: z.boolean().default(false), ...ViaAction });
const WarmParams = z.object({ model: z.string().min(1), requested: z.string().optional(), ...ViaAction });
const UnloadParams = z.object({ model: z.string().min(1).nullable().default(null) });
const HostActionParams = z.object({ action: z.string().min(1), label: z.string().optional(), slot: z.string().nullable().optional() });
const CancelInflightParams = z.object({ requestId: z.string().min(1) });

/** Marks detail.stage failed/cancelled when an executor throws before saying so itself. */
async function withFinalStage(ctx: ActionContext, run: Executor): Promise<Record<string, unknown> | void> {
  try {
    return await run(ctx);
  } catch (err) {
    const stage = ctx.job.detail.stage;
    if (stage !== 'failed' && stage !== 'cancelled') ctx.progress({ stage: ctx.signal.aborted ? 'cancelled' : 'failed', failedAt: stage ?? null });
    throw err;
  }
}

/**
 * The action job types. Each executor is built from the row (host id + params) when the job
 * runs, so a stored job can run again and a parent job (a bench) can run one as its child.
 */
export function registerActionJobs(registry: JobRegistry, deps: ActionJobDeps): void {
  const host = async (id: string | null): Promise<ActionHost> => {
    const h = id ? await deps.directory.get(id) : undefined;
    if (!h) throw new AppError('NOT_FOUND', `no host ${id ?? '(none)'}`);
    return h;
  };
  const llama = async (id: string | null): Promise<LlamaHostDeps> => {
    const h = await host(id);
    if (h.kind !== 'llama-swap') throw new AppError('VALIDATION', `host ${h.id} is not a llama-swap host`);
    const hct = h.healthCheckTimeoutS * 1000;
    return {
      hostId: h.id,
      client: new LlamaSwapClient({ hostId: h.id, baseUrl: h.baseUrl, apiKey: h.apiKey }),
      // Evictions during a swap may take healthCheckTimeout each, then the load up to it again.
      warmTimeoutMs: 2 * hct + 30_000,
      unloadTimeoutMs: Math.max(120_000, hct + 30_000),
      logLine: deps.logLine ? (text) => deps.logLine?.(h.id, text) : undefined,
    };
  };
  const script = async (id: string | null, actionId: string): Promise<Executor> => {
    const h = await host(id);
    const action = h.actions.find((a) => a.id === actionId);
    if (!action) throw new AppError('NOT_FOUND', `host ${h.id} has no action ${actionId}`);
    if (!h.record) throw new AppError('NOT_FOUND', `host ${h.id} has no stored settings`);
    const slotUrl = action.slot ? deps.slots(h.id)?.[action.slot] : undefined;
    return scriptExecutor({ hostId: h.id, target: sshTargetOf(h.record), secretsDir: deps.secretsDir, pidMarker: h.record.sshMode === 'shell', slotUrl, apiKey: h.apiKey }, action);
  };

  registry.register({
    jobType: 'switch',
    params: SwitchParams,
    run: async (ctx, p, hostId) => withFinalStage(ctx, p.action ? await script(hostId, p.action) : switchExecutor(await llama(hostId), p.model, p.exclusive)),
  });
  registry.register({
    jobType: 'warm',
    params: WarmParams,
    run: async (ctx, p, hostId) => withFinalStage(ctx, p.action ? await script(hostId, p.action) : warmExecutor(await llama(hostId), p.model)),
  });
  registry.register({
    jobType: 'unload',
    params: UnloadParams,
    run: async (ctx, p, hostId) => withFinalStage(ctx, unloadExecutor(await llama(hostId), p.model ?? undefined)),
  });
  registry.register({
    jobType: 'host-action',
    params: HostActionParams,
    run: async (ctx, p, hostId) => withFinalStage(ctx, await script(hostId, p.action)),
  });
  registry.register({
    jobType: 'cancel-inflight',
    params: CancelInflightParams,
    // Its own lane: it must not wait behind a running switch.
    lane: (hostId) => `${hostId ?? '*'}:inflight`,
    run: async (ctx, p, hostId) => withFinalStage(ctx, cancelInflightExecutor(await llama(hostId), p.requestId)),
  });
}
