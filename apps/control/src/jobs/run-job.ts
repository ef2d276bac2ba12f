import type { ErrorCode, Job, JobFrame, JobStatus } from '@boocontrol/contracts';
import { isAppError } from '../lib/errors';
import type { JobPatch, JobsRepo } from './jobs.repo';
import type { ActionContext, ChildRequest, JobRegistry } from './registry';

type Definition = ReturnType<JobRegistry['resolve']>['def'];

/** One live job of this process. */
export interface Entry {
  job: Job;
  laneKey: string;
  def: Definition;
  params: unknown;
  payload: unknown;
  supersedeKey?: string | undefined;
  abort: AbortController;
  done: Promise<Job>;
  resolve: (job: Job) => void;
  /** Set for a child job: it runs in its parent's lane slot. */
  parent?: Entry | undefined;
}

/** What running a job needs from its queue. */
export interface JobRuntime {
  repo: JobsRepo;
  publish: (frame: JobFrame) => void;
  maxTail: number;
  now: () => Date;
  onError?: ((err: unknown, jobId: string) => void) | undefined;
  startChild(parent: Entry, req: ChildRequest): Promise<Job>;
  /** Drops a finished job from memory a while later. */
  forget(id: string): void;
}

/**
 * Writes of one job are chained so that they land in order (a tail flush started before the
 * final write must not overwrite it on another pool connection).
 */
const writes = new WeakMap<Entry, Promise<void>>();

function persist(rt: JobRuntime, entry: Entry, patch: JobPatch): Promise<void> {
  const prev = writes.get(entry) ?? Promise.resolve();
  const next = prev.then(async () => {
    try {
      await rt.repo.update(entry.job.id, patch);
    } catch (err) {
      rt.onError?.(err, entry.job.id);
    }
  });
  writes.set(entry, next);
  return next;
}

function emit(rt: JobRuntime, entry: Entry, line?: string): void {
  const j = entry.job;
  rt.publish({
    jobId: j.id,
    hostId: j.hostId,
    jobType: j.jobType,
    status: j.status,
    detail: j.detail,
    ...(j.parentId ? { parentId: j.parentId } : {}),
    ...(line !== undefined ? { line } : {}),
    at: rt.now().toISOString(),
  });
}

async function finish(rt: JobRuntime, entry: Entry, status: JobStatus, detail: Record<string, unknown>, error: { code: ErrorCode; message: string } | null): Promise<void> {
  const finished = rt.now();
  entry.job = { ...entry.job, status, detail: { ...entry.job.detail, ...detail }, error, finishedAt: finished.toISOString() };
  await persist(rt, entry, { status, detail: entry.job.detail, outputTail: entry.job.outputTail, error, finishedAt: finished });
  emit(rt, entry);
  entry.resolve(entry.job);
  // Keep finished jobs briefly so waiters and cancels racing the end still see them in memory.
  rt.forget(entry.job.id);
}

async function run(rt: JobRuntime, entry: Entry): Promise<void> {
  const started = rt.now();
  entry.job = { ...entry.job, status: 'running', startedAt: started.toISOString() };
  await persist(rt, entry, { status: 'running', startedAt: started });
  emit(rt, entry);
  let flushTimer: NodeJS.Timeout | undefined;
  const flushTail = () => {
    flushTimer = undefined;
    void persist(rt, entry, { outputTail: entry.job.outputTail, detail: entry.job.detail });
  };
  const ctx: ActionContext = {
    get job() {
      return entry.job;
    },
    signal: entry.abort.signal,
    payload: entry.payload,
    log: (text) => {
      if (!text) return;
      const tail = entry.job.outputTail + text;
      entry.job = { ...entry.job, outputTail: tail.length > rt.maxTail ? tail.slice(tail.length - rt.maxTail) : tail };
      emit(rt, entry, text);
      flushTimer ??= setTimeout(flushTail, 500);
    },
    progress: (detail) => {
      entry.job = { ...entry.job, detail: { ...entry.job.detail, ...detail } };
      emit(rt, entry);
      flushTimer ??= setTimeout(flushTail, 500);
    },
    child: (req) => rt.startChild(entry, req),
  };
  try {
    if (entry.abort.signal.aborted) throw entry.abort.signal.reason;
    const extra = await entry.def.run(ctx, entry.params, entry.job.hostId);
    clearTimeout(flushTimer);
    if (entry.abort.signal.aborted) throw entry.abort.signal.reason;
    await finish(rt, entry, 'succeeded', extra ?? {}, null);
  } catch (err) {
    clearTimeout(flushTimer);
    const cancelled = entry.abort.signal.aborted || (isAppError(err) && err.code === 'CANCELLED');
    const code: ErrorCode = isAppError(err) ? err.code : 'INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    if (!isAppError(err) && !cancelled) rt.onError?.(err, entry.job.id);
    const details = isAppError(err) && err.details && typeof err.details === 'object' && !Array.isArray(err.details) ? (err.details as Record<string, unknown>) : {};
    await finish(rt, entry, cancelled ? 'cancelled' : 'failed', details, { code: cancelled ? 'CANCELLED' : code, message });
  }
}

export const executeJob = { run, finish, emit };
