import { randomUUID } from 'node:crypto';
import { TERMINAL_JOB_STATUSES, type Job, type JobFrame, type JobStatus } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { JobsRepo } from './jobs.repo';
import type { ChildRequest, JobRegistry } from './registry';
import { executeJob, type Entry, type JobRuntime } from './run-job';
import { DbWatch } from './db-watch';

export type { ActionContext, Executor } from './registry';

export interface EnqueueRequest {
  /** The host the job acts on. null = fleet-wide. */
  hostId: string | null;
  jobType: string;
  /** Validated against the job type's schema; with the type and host, all a row needs to run again. */
  params: Record<string, unknown>;
  /** Input the job needs but the API never shows (kept in the row for a re-run). */
  payload?: unknown;
  idempotencyKey?: string | undefined;
  /** Initial job.detail (e.g. `{stage: 'queued', model}`), persisted with the row. */
  detail?: Record<string, unknown> | undefined;
  /**
   * Serialization lane; defaults to the job type's lane, then the host id. A host's model
   * lifecycle actions share the host's lane; something that must not wait behind them
   * (cancelling an in-flight request) uses a lane of its own such as `<host>:inflight`.
   */
  lane?: string | undefined;
  /**
   * Supersede policy: a new job with the same key on the same lane cancels every older job with
   * that key that is still *queued* (never a running one). Switches use it: only the newest
   * requested model matters once the current switch finishes.
   */
  supersedeKey?: string | undefined;
}

interface Lane {
  pending: Entry[];
  running: Set<Entry>;
}

export interface QueueOptions {
  repo: JobsRepo;
  registry: JobRegistry;
  publish: (frame: JobFrame) => void;
  maxQueuedPerHost: number;
  maxTailBytes?: number;
  now?: () => Date;
  onError?: (err: unknown, jobId: string) => void;
  /** How often live jobs heartbeat their rows and look for cancel requests from other processes. */
  heartbeatMs?: number;
}

const isTerminal = (s: JobStatus) => TERMINAL_JOB_STATUSES.includes(s);

/**
 * The per-host serialized job queue. Every host-mutating action is a persisted job; one runs at
 * a time per lane (a host by default, more where a lane is configured wider) while lanes run in
 * parallel. Live state is in memory for this process's jobs; the rows are the history, carry
 * heartbeats, and take cancel requests from any process sharing the database.
 */
export class ActionQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly live = new Map<string, Entry>();
  private readonly widths = new Map<string, number>();
  private readonly rt: JobRuntime;
  private readonly watch: DbWatch;

  constructor(private readonly opts: QueueOptions) {
    this.rt = {
      repo: opts.repo,
      publish: opts.publish,
      maxTail: opts.maxTailBytes ?? 64 * 1024,
      now: opts.now ?? (() => new Date()),
      onError: opts.onError,
      startChild: (parent, req) => this.startChild(parent, req),
      forget: (id) => setTimeout(() => this.live.delete(id), 60_000).unref(),
    };
    this.watch = new DbWatch({
      repo: opts.repo,
      everyMs: opts.heartbeatMs ?? 2_000,
      liveIds: () => [...this.live.values()].filter((e) => !isTerminal(e.job.status)).map((e) => e.job.id),
      onCancelRequested: (id) => void this.cancel(id).catch((err: unknown) => opts.onError?.(err, id)),
      onError: (err) => opts.onError?.(err, '*'),
    });
  }

  get registry(): JobRegistry {
    return this.opts.registry;
  }

  /** Starts the heartbeat / cancel-request / stale-sweep loop (control's start; jobs start it too). */
  startWatch(): void {
    this.watch.wake();
  }

  /** Lets up to `n` jobs of one lane run at once (a pool of sandboxes, say). Default 1. */
  setLaneConcurrency(laneKey: string, n: number): void {
    this.widths.set(laneKey, Math.max(1, Math.floor(n)));
    void this.pump(laneKey);
  }

  async enqueue(req: EnqueueRequest): Promise<{ job: Job; created: boolean }> {
    const { def, params } = this.opts.registry.resolve(req.jobType, req.params);
    const laneKey = req.lane ?? def.lane?.(req.hostId, params) ?? req.hostId ?? '*';
    const queuedBefore = this.lanes.get(laneKey)?.pending.length ?? 0;
    if (!req.idempotencyKey && queuedBefore >= this.opts.maxQueuedPerHost) {
      throw new AppError('BUSY', `host ${laneKey} already has ${queuedBefore} queued actions; retry later`);
    }
    const { job, created } = await this.opts.repo.insert({
      id: randomUUID(),
      hostId: req.hostId,
      jobType: req.jobType,
      params: params as Record<string, unknown>,
      idempotencyKey: req.idempotencyKey,
      detail: req.detail,
      lane: laneKey,
      payload: req.payload,
    });
    if (!created) {
      if (job.jobType !== req.jobType || job.hostId !== req.hostId) {
        throw new AppError('CONFLICT', `Idempotency-Key already used for a ${job.jobType} job on ${job.hostId ?? 'the fleet'}`, { jobId: job.id });
      }
      return { job: this.live.get(job.id)?.job ?? job, created: false };
    }
    // Looked up only now, after the await: concurrent enqueues must share one lane object.
    let lane = this.lanes.get(laneKey);
    if (!lane) this.lanes.set(laneKey, (lane = { pending: [], running: new Set() }));
    const entry = this.entry(job, laneKey, def, params, req.payload, req.supersedeKey);
    if (lane.pending.length >= this.opts.maxQueuedPerHost) {
      await executeJob.finish(this.rt, entry, 'cancelled', {}, { code: 'BUSY', message: 'queue full' }).catch(() => undefined);
      throw new AppError('BUSY', `host ${laneKey} already has ${lane.pending.length} queued actions; retry later`);
    }
    this.live.set(job.id, entry);
    // Lane bookkeeping stays synchronous (no await between lookup and push) so that the pump
    // can never drop a lane we are about to use.
    const superseded = req.supersedeKey ? lane.pending.filter((e) => e.supersedeKey === req.supersedeKey) : [];
    lane.pending = lane.pending.filter((e) => !superseded.includes(e));
    lane.pending.push(entry);
    executeJob.emit(this.rt, entry);
    this.watch.wake();
    void this.pump(laneKey);
    for (const older of superseded) {
      await executeJob.finish(this.rt, older, 'cancelled', { supersededBy: job.id, stage: 'cancelled' }, { code: 'SUPERSEDED', message: `superseded by job ${job.id}` });
    }
    return { job, created: true };
  }

  /** Runs a stored job again as a new job (same type, host and params); `detail.retryOf` links them. */
  async retry(jobId: string): Promise<Job> {
    const old = await this.get(jobId);
    if (!old) throw new AppError('NOT_FOUND', `no job ${jobId}`);
    if (!isTerminal(old.status)) throw new AppError('CONFLICT', `job ${jobId} is still ${old.status}`);
    const payload = await this.opts.repo.payloadOf(old.id);
    const { job } = await this.enqueue({ hostId: old.hostId, jobType: old.jobType, params: old.params, payload, detail: { stage: 'queued', retryOf: old.id, model: old.detail.model ?? null } });
    return job;
  }

  /** Resolves with the job once it is finished, or with its current state after timeoutMs. */
  async wait(jobId: string, timeoutMs: number): Promise<Job> {
    const entry = this.live.get(jobId);
    if (!entry) {
      const job = await this.opts.repo.get(jobId);
      if (!job) throw new AppError('NOT_FOUND', `no job ${jobId}`);
      return job;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Job>((r) => (timer = setTimeout(() => r(entry.job), timeoutMs)));
    try {
      return await Promise.race([entry.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(jobId: string): Promise<Job | undefined> {
    return this.live.get(jobId)?.job ?? (await this.opts.repo.get(jobId));
  }

  /**
   * Cancels a queued job at once; asks a running one to stop (its executor sees the signal). A
   * job owned by another process gets a cancel request on its row, which that process's watch
   * picks up within one heartbeat; the row as it stands is returned.
   */
  async cancel(jobId: string): Promise<Job> {
    const entry = this.live.get(jobId);
    if (!entry) {
      const job = await this.opts.repo.requestCancel(jobId, this.rt.now());
      if (!job) throw new AppError('NOT_FOUND', `no job ${jobId}`);
      return job;
    }
    if (isTerminal(entry.job.status)) return entry.job;
    if (entry.job.status === 'queued' && !entry.parent) {
      const lane = this.lanes.get(entry.laneKey);
      if (lane) lane.pending = lane.pending.filter((e) => e !== entry);
      await executeJob.finish(this.rt, entry, 'cancelled', {}, { code: 'CANCELLED', message: 'cancelled before it started' });
      return entry.job;
    }
    entry.abort.abort(new AppError('CANCELLED', 'cancelled by request'));
    return entry.done;
  }

  /**
   * Queued and running jobs, and those that finished within the last minute (for live snapshots):
   * a client that subscribes just after a job ended, such as a page that started it and then
   * mounts its progress view, still learns how it ended.
   */
  recent(): Job[] {
    return [...this.live.values()].map((e) => e.job);
  }

  /** The running job(s) and the queued ones of a lane (a host id by default), in order. */
  laneOf(laneKey: string): { running: Job | null; queued: Job[] } {
    const lane = this.lanes.get(laneKey);
    const running = lane ? [...lane.running] : [];
    return { running: running[0]?.job ?? null, queued: lane?.pending.map((e) => e.job) ?? [] };
  }

  /** Cancels everything (shutdown). Running executors see their signal. */
  async close(): Promise<void> {
    this.watch.stop();
    for (const lane of this.lanes.values()) {
      for (const e of lane.pending.splice(0)) await executeJob.finish(this.rt, e, 'cancelled', {}, { code: 'CANCELLED', message: 'control shutting down' }).catch(() => undefined);
      for (const e of lane.running) e.abort.abort(new AppError('CANCELLED', 'control shutting down'));
    }
    await Promise.allSettled([...this.lanes.values()].flatMap((l) => [...l.running].map((e) => e.done)));
  }

  private entry(job: Job, laneKey: string, def: Entry['def'], params: unknown, payload: unknown, supersedeKey?: string, parent?: Entry): Entry {
    let resolve!: (j: Job) => void;
    const done = new Promise<Job>((r) => (resolve = r));
    return { job, laneKey, def, params, payload, supersedeKey, abort: new AbortController(), done, resolve, parent };
  }

  private async startChild(parent: Entry, req: ChildRequest): Promise<Job> {
    const { def, params } = this.opts.registry.resolve(req.jobType, req.params);
    const { job } = await this.opts.repo.insert({
      id: randomUUID(),
      hostId: parent.job.hostId,
      jobType: req.jobType,
      params: params as Record<string, unknown>,
      detail: req.detail,
      lane: parent.laneKey,
      parentId: parent.job.id,
      payload: req.payload,
    });
    const child = this.entry(job, parent.laneKey, def, params, req.payload, undefined, parent);
    const stop = () => child.abort.abort(parent.abort.signal.reason);
    if (parent.abort.signal.aborted) stop();
    else parent.abort.signal.addEventListener('abort', stop, { once: true });
    this.live.set(job.id, child);
    executeJob.emit(this.rt, child);
    try {
      await executeJob.run(this.rt, child);
    } finally {
      parent.abort.signal.removeEventListener('abort', stop);
    }
    const done = child.job;
    if (done.status === 'succeeded') return done;
    const code = done.error?.code ?? 'INTERNAL';
    throw new AppError(code, `child ${done.jobType} job ${done.id} ${done.status}: ${done.error?.message ?? ''}`, { childJobId: done.id });
  }

  private async pump(laneKey: string): Promise<void> {
    const lane = this.lanes.get(laneKey);
    if (!lane) return;
    const width = this.widths.get(laneKey) ?? 1;
    while (lane.running.size < width && lane.pending.length > 0) {
      const entry = lane.pending.shift()!;
      lane.running.add(entry);
      void executeJob.run(this.rt, entry).finally(() => {
        lane.running.delete(entry);
        if (lane.running.size === 0 && lane.pending.length === 0 && this.lanes.get(laneKey) === lane) this.lanes.delete(laneKey);
        else void this.pump(laneKey);
      });
    }
    if (lane.running.size === 0 && lane.pending.length === 0) this.lanes.delete(laneKey);
  }
}
