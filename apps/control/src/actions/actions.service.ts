import {
  TERMINAL_JOB_STATUSES,
  type ActionResult,
  type Job,
  type SwitchRequest,
  type UnloadRequest,
  type WarmRequest,
} from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { ActionHost, HostDirectory } from '../hosts/host-directory';
import type { ModelResolver } from './model-resolver';
import type { ActionQueue } from '../jobs/queue';

export interface ActionsServiceDeps {
  queue: ActionQueue;
  directory: HostDirectory;
  resolver: ModelResolver;
}

export interface WaitOptions {
  timeoutMs?: number | undefined;
  wait?: boolean | undefined;
  idempotencyKey?: string | undefined;
}

/** What a verb did: the job finished (waited for), or it was only queued (wait: false). */
export interface ActionOutcome {
  finished: boolean;
  result: ActionResult;
}

const DEFAULT_WAIT_MS = 600_000;
const isTerminal = (j: Job) => TERMINAL_JOB_STATUSES.includes(j.status);

/**
 * The verbs people and agents use — switch, warm, unload, run a host action, cancel an
 * in-flight request. The REST routes, the CLI (through REST) and the web UI all end here. Each
 * verb resolves the target, enqueues one job on the host's lane, and (unless wait: false) waits
 * for it: a finished job answers 200, a failed one the job's error code with the job in details,
 * and a wait that runs out answers 504 TIMEOUT with the job id — the job itself keeps going.
 */
export class ActionsService {
  constructor(private readonly deps: ActionsServiceDeps) {}

  async switch(req: SwitchRequest, o: WaitOptions = {}): Promise<ActionOutcome> {
    const target = await this.deps.resolver.resolve(req.model, req.host);
    const params = { model: target.model, requested: req.model, exclusive: req.exclusive ?? false };
    if (target.via === 'action') return this.runAction(target.host.id, target.action.id, o, { jobType: 'switch', params });
    return this.submit(target.host, 'switch', params, o, { supersedeKey: 'switch', model: target.model });
  }

  async warm(req: WarmRequest, o: WaitOptions = {}): Promise<ActionOutcome> {
    const target = await this.deps.resolver.resolve(req.model, req.host);
    const params = { model: target.model, requested: req.model };
    if (target.via === 'action') return this.runAction(target.host.id, target.action.id, o, { jobType: 'warm', params });
    return this.submit(target.host, 'warm', params, o, { model: target.model });
  }

  async unload(req: UnloadRequest, o: WaitOptions = {}): Promise<ActionOutcome> {
    const host = await this.llamaHost(req.host);
    return this.submit(host, 'unload', { model: req.model ?? null }, o, { model: req.model ?? null });
  }

  /** Runs a configured script action (also what `switch` does on a script host). */
  async runAction(hostId: string, actionId: string, o: WaitOptions = {}, as?: { jobType: string; params: Record<string, unknown> }): Promise<ActionOutcome> {
    const host = await this.deps.directory.get(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    const action = host.actions.find((a) => a.id === actionId);
    if (!action) throw new AppError('NOT_FOUND', `host ${hostId} has no action ${actionId}`, { actions: host.actions.map((a) => a.id) });
    if (!host.record) throw new AppError('NOT_FOUND', `host ${hostId} has no stored settings`);
    const params = { ...(as?.params ?? {}), action: action.id, label: action.label, slot: action.slot ?? null };
    const jobType = as?.jobType ?? 'host-action';
    // Only switches supersede switches (a warm or a plain run of the same button never does).
    const supersedeKey = action.kind === 'switch' && jobType !== 'warm' ? 'switch' : undefined;
    return this.submit(host, jobType, params, o, { supersedeKey, model: action.model ?? null });
  }

  /** Cancels an in-flight request (on a lane of its own: see the cancel-inflight job type). */
  async cancelInflight(hostId: string, requestId: string, o: WaitOptions = {}): Promise<ActionOutcome> {
    const host = await this.llamaHost(hostId);
    return this.submit(host, 'cancel-inflight', { requestId }, { ...o, timeoutMs: o.timeoutMs ?? 30_000 }, { model: null });
  }

  private async llamaHost(hostId: string): Promise<ActionHost> {
    const host = await this.deps.directory.get(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    if (host.kind !== 'llama-swap') throw new AppError('VALIDATION', `host ${hostId} is not a llama-swap host`);
    return host;
  }

  private async submit(
    host: ActionHost,
    jobType: string,
    params: Record<string, unknown>,
    o: WaitOptions,
    extra: { supersedeKey?: string | undefined; model: string | null },
  ): Promise<ActionOutcome> {
    const { job, created } = await this.deps.queue.enqueue({
      hostId: host.id,
      jobType,
      params,
      idempotencyKey: o.idempotencyKey,
      supersedeKey: extra.supersedeKey,
      detail: { stage: 'queued', model: extra.model },
    });
    const reply = (j: Job, finished: boolean): ActionOutcome => ({
      finished,
      result: {
        job: j,
        host: host.id,
        model: typeof j.params.model === 'string' ? j.params.model : extra.model,
        loadMs: typeof j.detail.loadMs === 'number' ? j.detail.loadMs : null,
        alreadyReady: j.detail.alreadyReady === true,
        replayed: !created,
      },
    });
    if (o.wait === false) return reply(job, false);
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
    if (done.status === 'succeeded') return reply(done, true);
    const message = done.error?.message ?? `${jobType} ${done.status}`;
    if (done.status === 'cancelled' || done.status === 'interrupted') {
      throw new AppError('CANCELLED', `${jobType} on ${host.id} ${done.status}: ${message}`, { jobId: done.id, status: done.status, supersededBy: done.detail.supersededBy ?? null, job: done });
    }
    const code = done.error && done.error.code !== 'INTERNAL' ? done.error.code : 'UPSTREAM_ERROR';
    throw new AppError(code, message, { jobId: done.id, status: done.status, job: done });
  }
}
