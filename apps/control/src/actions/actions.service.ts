import {
  ERROR_STATUS,
  TERMINAL_JOB_STATUSES,
  type ActionResult,
  type ErrorCode,
  type Job,
  type SwitchRequest,
  type UnloadRequest,
  type WarmRequest,
} from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import { sshTargetOf } from '../ssh/ssh-target';
import type { ActionHost, HostDirectory } from './host-directory';
import { LlamaSwapClient } from './llama-swap.client';
import { cancelInflightExecutor, switchExecutor, unloadExecutor, warmExecutor, type LlamaHostDeps } from './llama-swap.executors';
import type { ModelResolver } from './model-resolver';
import type { ActionQueue, Executor } from './queue';
import { scriptExecutor } from './script.executor';

export interface ActionsServiceDeps {
  queue: ActionQueue;
  directory: HostDirectory;
  resolver: ModelResolver;
  secretsDir: string;
  /** Slot base URLs of script hosts (from the hosts file). */
  slots: (hostId: string) => { primary?: string | undefined; secondary?: string | undefined } | undefined;
  /** Writes a line into a host's live log view. */
  logLine?: (hostId: string, text: string) => void;
}

export interface WaitOptions {
  timeoutMs?: number | undefined;
  wait?: boolean | undefined;
  idempotencyKey?: string | undefined;
}

/** The reply of every action verb: 200 with the finished job, or 202 with the queued one (wait: false). */
export interface ActionReply {
  status: 200 | 202;
  body: ActionResult;
}

const DEFAULT_WAIT_MS = 600_000;
const isTerminal = (j: Job) => TERMINAL_JOB_STATUSES.includes(j.status);
const isErrorCode = (c: string): c is ErrorCode => c in ERROR_STATUS;

/** Marks detail.stage failed/cancelled when an executor throws before saying so itself. */
const withFinalStage =
  (run: Executor): Executor =>
  async (ctx) => {
    try {
      return await run(ctx);
    } catch (err) {
      const stage = ctx.job.detail.stage;
      if (stage !== 'failed' && stage !== 'cancelled') ctx.progress({ stage: ctx.signal.aborted ? 'cancelled' : 'failed', failedAt: stage ?? null });
      throw err;
    }
  };

/**
 * The verbs people and agents use — switch, warm, unload, run a host action, cancel an
 * in-flight request. The REST routes, the CLI (through REST) and the web UI all end here. Each
 * verb resolves the target, enqueues one job on the host's lane, and (unless wait: false) waits
 * for it: a finished job answers 200, a failed one the job's error code with the job in details,
 * and a wait that runs out answers 504 TIMEOUT with the job id — the job itself keeps going.
 */
export class ActionsService {
  constructor(private readonly deps: ActionsServiceDeps) {}

  async switch(req: SwitchRequest, o: WaitOptions = {}): Promise<ActionReply> {
    const target = await this.deps.resolver.resolve(req.model, req.host);
    const params = { model: target.model, requested: req.model, exclusive: req.exclusive ?? false };
    if (target.via === 'action') return this.runAction(target.host.id, target.action.id, o, { jobType: 'switch', params });
    const run = switchExecutor(this.llama(target.host), target.model, req.exclusive ?? false);
    return this.submit(target.host, 'switch', params, run, o, { supersedeKey: 'switch', model: target.model });
  }

  async warm(req: WarmRequest, o: WaitOptions = {}): Promise<ActionReply> {
    const target = await this.deps.resolver.resolve(req.model, req.host);
    const params = { model: target.model, requested: req.model };
    if (target.via === 'action') return this.runAction(target.host.id, target.action.id, o, { jobType: 'warm', params });
    return this.submit(target.host, 'warm', params, warmExecutor(this.llama(target.host), target.model), o, { model: target.model });
  }

  async unload(req: UnloadRequest, o: WaitOptions = {}): Promise<ActionReply> {
    const host = await this.llamaHost(req.host);
    return this.submit(host, 'unload', { model: req.model ?? null }, unloadExecutor(this.llama(host), req.model), o, { model: req.model ?? null });
  }

  /** Runs a configured script action (also what `switch` does on a script host). */
  async runAction(hostId: string, actionId: string, o: WaitOptions = {}, as?: { jobType: string; params: Record<string, unknown> }): Promise<ActionReply> {
    const host = await this.deps.directory.get(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    const action = host.actions.find((a) => a.id === actionId);
    if (!action) throw new AppError('NOT_FOUND', `host ${hostId} has no action ${actionId}`, { actions: host.actions.map((a) => a.id) });
    if (!host.record) throw new AppError('NOT_FOUND', `host ${hostId} has no stored settings`);
    const target = sshTargetOf(host.record);
    const slotUrl = action.slot ? this.deps.slots(hostId)?.[action.slot] : undefined;
    const run = scriptExecutor({ hostId, target, secretsDir: this.deps.secretsDir, pidMarker: host.record.sshMode === 'shell', slotUrl, apiKey: host.apiKey }, action);
    const params = { ...(as?.params ?? {}), action: action.id, label: action.label, slot: action.slot ?? null };
    const jobType = as?.jobType ?? 'host-action';
    // Only switches supersede switches (a warm or a plain run of the same button never does).
    const supersedeKey = action.kind === 'switch' && jobType !== 'warm' ? 'switch' : undefined;
    return this.submit(host, jobType, params, run, o, { supersedeKey, model: action.model ?? null });
  }

  /** Cancels an in-flight request. Its own lane: it must not wait behind a running switch. */
  async cancelInflight(hostId: string, requestId: string, o: WaitOptions = {}): Promise<ActionReply> {
    const host = await this.llamaHost(hostId);
    return this.submit(host, 'cancel-inflight', { requestId }, cancelInflightExecutor(this.llama(host), requestId), { ...o, timeoutMs: o.timeoutMs ?? 30_000 }, { lane: `${host.id}:inflight`, model: null });
  }

  private async llamaHost(hostId: string): Promise<ActionHost> {
    const host = await this.deps.directory.get(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    if (host.kind !== 'llama-swap') throw new AppError('VALIDATION', `host ${hostId} is not a llama-swap host`);
    return host;
  }

  private llama(host: ActionHost): LlamaHostDeps {
    const hct = host.healthCheckTimeoutS * 1000;
    return {
      hostId: host.id,
      client: new LlamaSwapClient({ hostId: host.id, baseUrl: host.baseUrl, apiKey: host.apiKey }),
      // Evictions during a swap may take healthCheckTimeout each, then the load up to it again.
      warmTimeoutMs: 2 * hct + 30_000,
      unloadTimeoutMs: Math.max(120_000, hct + 30_000),
      logLine: this.deps.logLine ? (text) => this.deps.logLine?.(host.id, text) : undefined,
    };
  }

  private async submit(
    host: ActionHost,
    jobType: string,
    params: Record<string, unknown>,
    run: Executor,
    o: WaitOptions,
    extra: { supersedeKey?: string | undefined; lane?: string | undefined; model: string | null },
  ): Promise<ActionReply> {
    const { job, created } = await this.deps.queue.enqueue({
      hostId: host.id,
      jobType,
      params,
      run: withFinalStage(run),
      idempotencyKey: o.idempotencyKey,
      supersedeKey: extra.supersedeKey,
      lane: extra.lane,
      detail: { stage: 'queued', model: extra.model },
    });
    const reply = (j: Job, status: 200 | 202): ActionReply => ({
      status,
      body: {
        job: j,
        host: host.id,
        model: typeof j.params.model === 'string' ? j.params.model : extra.model,
        loadMs: typeof j.detail.loadMs === 'number' ? j.detail.loadMs : null,
        alreadyReady: j.detail.alreadyReady === true,
        replayed: !created,
      },
    });
    if (o.wait === false) return reply(job, 202);
    const timeoutMs = o.timeoutMs ?? DEFAULT_WAIT_MS;
    const done = await this.deps.queue.wait(job.id, timeoutMs);
    if (!isTerminal(done)) {
      throw new AppError('TIMEOUT', `${jobType} on ${host.id} not finished after ${timeoutMs} ms (job ${done.id} is ${done.status}, stage ${String(done.detail.stage ?? 'unknown')}); it keeps running — GET /api/control/jobs/${done.id}`, {
        jobId: done.id,
        status: done.status,
        stage: done.detail.stage ?? null,
        job: done,
      });
    }
    if (done.status === 'succeeded') return reply(done, 200);
    const message = done.error?.message ?? `${jobType} ${done.status}`;
    if (done.status === 'cancelled' || done.status === 'interrupted') {
      throw new AppError('CANCELLED', `${jobType} on ${host.id} ${done.status}: ${message}`, { jobId: done.id, status: done.status, supersededBy: done.detail.supersededBy ?? null, job: done });
    }
    const code = done.error && isErrorCode(done.error.code) && done.error.code !== 'INTERNAL' ? done.error.code : 'UPSTREAM_ERROR';
    throw new AppError(code, message, { jobId: done.id, status: done.status, job: done });
  }
}
