import { randomUUID } from 'node:crypto';
import { TERMINAL_JOB_STATUSES, type Job, type JobFrame, type JobStatus } from '@boocontrol/contracts';
import { AppError, isAppError } from '../lib/errors';
import type { JobsRepo } from './jobs.repo';

/** What an executor gets: its job, a cancellation signal, and ways to report progress. */
export interface ActionContext {
  readonly job: Job;
  readonly signal: AbortSignal;
  /** Appends output (a line or a chunk); streamed live and kept in the job's tail. */
  log(text: string): void;
  /** Merges facts into job.detail (stage, percent, loadMs…) and publishes a frame. */
  progress(detail: Record<string, unknown>): void;
}

/** Runs the action. Returns extra detail for the finished job; throws AppError to fail it. */
export type Executor = (ctx: ActionContext) => Promise<Record<string, unknown> | void>;

export interface EnqueueRequest {
  /** Lane key: one job at a time per host. null = a fleet-wide lane of its own. */
  hostId: string | null;
  jobType: string;
  params: Record<string, unknown>;
  run: Executor;
  idempotencyKey?: string | undefined;
  /** Initial job.detail (e.g. `{stage: 'queued', model}`), persisted with the row. */
  detail?: Record<string, unknown> | undefined;
  /**
   * Serialization lane; defaults to the host id. A host's model lifecycle actions share the
   * host's lane; something that must not wait behind them (cancelling an in-flight request)
   * uses a lane of its own such as `<host>:inflight`.
   */
  lane?: string | undefined;
  /**
   * Supersede policy: a new job with the same key on the same host cancels every older job with
   * that key that is still *queued* (never a running one). Switches use it: only the newest
   * requested model matters once the current switch finishes.
   */
  supersedeKey?: string | undefined;
}

interface Entry {
  job: Job;
  laneKey: string;
  run: Executor;
  supersedeKey?: string | undefined;
  abort: AbortController;
  done: Promise<Job>;
  resolve: (job: Job) => void;
}

interface Lane {
  pending: Entry[];
  running?: Entry | undefined;
}

export interface QueueOptions {
  repo: JobsRepo;
  publish: (frame: JobFrame) => void;
  maxQueuedPerHost: number;
  maxTailBytes?: number;
  now?: () => Date;
  onError?: (err: unknown, jobId: string) => void;
}

const isTerminal = (s: JobStatus) => TERMINAL_JOB_STATUSES.includes(s);

/**
 * The per-host serialized action queue. Every host-mutating action is a persisted job; one runs
 * at a time per host while different hosts run in parallel. State lives in memory for the jobs
 * of this process and in the database for history (and for jobs after a restart).
 */
export class ActionQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly live = new Map<string, Entry>();
  private readonly maxTail: number;
  private readonly now: () => Date;

  constructor(private readonly opts: QueueOptions) {
    this.maxTail = opts.maxTailBytes ?? 64 * 1024;
    this.now = opts.now ?? (() => new Date());
  }

  async enqueue(req: EnqueueRequest): Promise<{ job: Job; created: boolean }> {
    const laneKey = req.lane ?? req.hostId ?? '*';
    const queuedBefore = this.lanes.get(laneKey)?.pending.length ?? 0;
    if (!req.idempotencyKey && queuedBefore >= this.opts.maxQueuedPerHost) {
      throw new AppError('BUSY', `host ${laneKey} already has ${queuedBefore} queued actions; retry later`);
    }
    const { job, created } = await this.opts.repo.insert({
      id: randomUUID(),
      hostId: req.hostId,
      jobType: req.jobType,
      params: req.params,
      idempotencyKey: req.idempotencyKey,
      detail: req.detail,
    });
    if (!created) {
      if (job.jobType !== req.jobType || job.hostId !== req.hostId) {
        throw new AppError('CONFLICT', `Idempotency-Key already used for a ${job.jobType} job on ${job.hostId ?? 'the fleet'}`, { jobId: job.id });
      }
      return { job: this.live.get(job.id)?.job ?? job, created: false };
    }
    // Looked up only now, after the await: concurrent enqueues must share one lane object.
    let lane = this.lanes.get(laneKey);
    if (!lane) this.lanes.set(laneKey, (lane = { pending: [] }));
    if (lane.pending.length >= this.opts.maxQueuedPerHost) {
      await this.finish({ job } as Entry, 'cancelled', {}, { code: 'BUSY', message: 'queue full' }).catch(() => undefined);
      throw new AppError('BUSY', `host ${laneKey} already has ${lane.pending.length} queued actions; retry later`);
    }
    let resolve!: (j: Job) => void;
    const done = new Promise<Job>((r) => (resolve = r));
    const entry: Entry = { job, laneKey, run: req.run, supersedeKey: req.supersedeKey, abort: new AbortController(), done, resolve };
    this.live.set(job.id, entry);
    // Lane bookkeeping stays synchronous (no await between lookup and push) so that the pump
    // can never drop a lane we are about to use.
    const superseded = req.supersedeKey ? lane.pending.filter((e) => e.supersedeKey === req.supersedeKey) : [];
    lane.pending = lane.pending.filter((e) => !superseded.includes(e));
    lane.pending.push(entry);
    this.emit(entry);
    void this.pump(laneKey);
    for (const older of superseded) {
      await this.finish(older, 'cancelled', { supersededBy: job.id, stage: 'cancelled' }, { code: 'SUPERSEDED', message: `superseded by job ${job.id}` });
    }
    return { job, created: true };
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

  /** Cancels a queued job at once; asks a running one to stop (its executor sees the signal). */
  async cancel(jobId: string): Promise<Job> {
    const entry = this.live.get(jobId);
    if (!entry) {
      const job = await this.opts.repo.get(jobId);
      if (!job) throw new AppError('NOT_FOUND', `no job ${jobId}`);
      if (isTerminal(job.status)) return job;
      throw new AppError('CONFLICT', `job ${jobId} is not owned by this process`);
    }
    if (isTerminal(entry.job.status)) return entry.job;
    if (entry.job.status === 'queued') {
      const lane = this.lanes.get(entry.laneKey);
      if (lane) lane.pending = lane.pending.filter((e) => e !== entry);
      await this.finish(entry, 'cancelled', {}, { code: 'CANCELLED', message: 'cancelled before it started' });
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

  /** The running job and the queued ones of a lane (a host id by default), in order. */
  laneOf(laneKey: string): { running: Job | null; queued: Job[] } {
    const lane = this.lanes.get(laneKey);
    return { running: lane?.running?.job ?? null, queued: lane?.pending.map((e) => e.job) ?? [] };
  }

  /** Cancels everything (shutdown). Running executors see their signal. */
  async close(): Promise<void> {
    for (const lane of this.lanes.values()) {
      for (const e of lane.pending.splice(0)) await this.finish(e, 'cancelled', {}, { code: 'CANCELLED', message: 'control shutting down' }).catch(() => undefined);
      lane.running?.abort.abort(new AppError('CANCELLED', 'control shutting down'));
    }
    await Promise.allSettled([...this.lanes.values()].map((l) => l.running?.done));
  }

  private async pump(laneKey: string): Promise<void> {
    const lane = this.lanes.get(laneKey);
    if (!lane || lane.running) return;
    const entry = lane.pending.shift();
    if (!entry) {
      this.lanes.delete(laneKey);
      return;
    }
    lane.running = entry;
    try {
      await this.execute(entry);
    } finally {
      lane.running = undefined;
      void this.pump(laneKey);
    }
  }

  private async execute(entry: Entry): Promise<void> {
    const started = this.now();
    entry.job = { ...entry.job, status: 'running', startedAt: started.toISOString() };
    await this.persist(entry.job.id, { status: 'running', startedAt: started });
    this.emit(entry);
    let flushTimer: NodeJS.Timeout | undefined;
    const flushTail = () => {
      flushTimer = undefined;
      void this.persist(entry.job.id, { outputTail: entry.job.outputTail, detail: entry.job.detail });
    };
    const ctx: ActionContext = {
      get job() {
        return entry.job;
      },
      signal: entry.abort.signal,
      log: (text) => {
        if (!text) return;
        const tail = entry.job.outputTail + text;
        entry.job = { ...entry.job, outputTail: tail.length > this.maxTail ? tail.slice(tail.length - this.maxTail) : tail };
        this.emit(entry, text);
        flushTimer ??= setTimeout(flushTail, 500);
      },
      progress: (detail) => {
        entry.job = { ...entry.job, detail: { ...entry.job.detail, ...detail } };
        this.emit(entry);
        flushTimer ??= setTimeout(flushTail, 500);
      },
    };
    try {
      const extra = await entry.run(ctx);
      clearTimeout(flushTimer);
      if (entry.abort.signal.aborted) throw entry.abort.signal.reason;
      await this.finish(entry, 'succeeded', extra ?? {}, null);
    } catch (err) {
      clearTimeout(flushTimer);
      const cancelled = entry.abort.signal.aborted || (isAppError(err) && err.code === 'CANCELLED');
      const code = isAppError(err) ? err.code : 'INTERNAL';
      const message = err instanceof Error ? err.message : String(err);
      if (!isAppError(err) && !cancelled) this.opts.onError?.(err, entry.job.id);
      await this.finish(entry, cancelled ? 'cancelled' : 'failed', isAppError(err) && err.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {}, {
        code: cancelled ? 'CANCELLED' : code,
        message,
      });
    }
  }

  private async finish(entry: Entry, status: JobStatus, detail: Record<string, unknown>, error: { code: string; message: string } | null): Promise<void> {
    const finished = this.now();
    entry.job = { ...entry.job, status, detail: { ...entry.job.detail, ...detail }, error, finishedAt: finished.toISOString() };
    await this.persist(entry.job.id, { status, detail: entry.job.detail, outputTail: entry.job.outputTail, error, finishedAt: finished });
    this.emit(entry);
    entry.resolve?.(entry.job);
    // Keep finished jobs briefly so waiters and cancels racing the end still see them in memory.
    setTimeout(() => this.live.delete(entry.job.id), 60_000).unref();
  }

  /**
   * Writes of one job are chained so that they land in order (a tail flush started before the
   * final write must not overwrite it on another pool connection).
   */
  private readonly writes = new Map<string, Promise<void>>();

  private persist(id: string, patch: Parameters<JobsRepo['update']>[1]): Promise<void> {
    const prev = this.writes.get(id) ?? Promise.resolve();
    const next = prev.then(async () => {
      try {
        await this.opts.repo.update(id, patch);
      } catch (err) {
        this.opts.onError?.(err, id);
      }
    });
    this.writes.set(id, next);
    void next.then(() => {
      if (this.writes.get(id) === next) this.writes.delete(id);
    });
    return next;
  }

  private emit(entry: Entry, line?: string): void {
    const j = entry.job;
    this.opts.publish({
      jobId: j.id,
      hostId: j.hostId,
      jobType: j.jobType,
      status: j.status,
      detail: j.detail,
      ...(line !== undefined ? { line } : {}),
      at: this.now().toISOString(),
    });
  }
}
