import type { ActivityInsert, ActivityRepo, StoredActivity } from '../activity/activity.repo';
import type { PerfRepo, PerfSampleInsert } from '../perf/perf.repo';
import type { TransitionInsert, TransitionsRepo } from '../models/transitions.repo';
import { backoffDelay, sleep } from '../lib/backoff';
import { BoundedQueue } from './bounded-queue';

export type WriteItem =
  | { kind: 'activity'; row: ActivityInsert }
  | { kind: 'transition'; row: TransitionInsert }
  | { kind: 'perf'; row: PerfSampleInsert };

export interface WriterDeps {
  activity: ActivityRepo;
  transitions: TransitionsRepo;
  perf: PerfRepo;
  /** Rows that were new (not duplicates), after they are stored: they go out live. */
  onActivityStored(rows: StoredActivity[]): void;
  onTransitionsStored?(rows: TransitionInsert[]): void;
  onPerfStored?(rows: PerfSampleInsert[]): void;
  count(name: string, by?: number): void;
  gauge(name: string, value: number): void;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Per kind: a perf backfill (an hour of samples per host at connect) must never push out activity. */
  maxQueue?: Partial<Record<WriteItem['kind'], number>> | number;
  maxBatch?: number;
  /** Backoff while the database is down. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * The persistence writer. Connectors hand it rows synchronously (`enqueue` never waits, never
 * throws), and one loop writes them in batches: whatever accumulated during the previous write
 * goes in the next, so latency stays at one round trip when idle and batches grow under load.
 *
 * Memory is bounded: one queue per kind, each with its own cap, so a burst of one kind cannot
 * crowd out another. If the database is down, the failing batch is put back at the front and
 * retried with backoff; when a queue is full its oldest items are dropped (the newest data is the
 * most useful), counted as `writer.dropped.<kind>`.
 * Duplicates are harmless: every insert is ON CONFLICT DO NOTHING.
 */
const KINDS = ['activity', 'transition', 'perf'] as const;
const DEFAULT_CAPS: Record<WriteItem['kind'], number> = { activity: 100_000, transition: 10_000, perf: 100_000 };

export class PersistenceWriter {
  private readonly queues: Record<WriteItem['kind'], BoundedQueue<WriteItem>>;
  private readonly maxBatch: number;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private failures = 0;
  private idleWaiters: Array<() => void> = [];
  /** Rows written per kind since start (bench and tests read these). */
  readonly written = { activity: 0, transition: 0, perf: 0 };

  constructor(private readonly deps: WriterDeps) {
    const caps = typeof deps.maxQueue === 'number' ? { activity: deps.maxQueue, transition: deps.maxQueue, perf: deps.maxQueue } : { ...DEFAULT_CAPS, ...deps.maxQueue };
    this.queues = { activity: new BoundedQueue(caps.activity), transition: new BoundedQueue(caps.transition), perf: new BoundedQueue(caps.perf) };
    this.maxBatch = deps.maxBatch ?? 2000;
  }

  get pending(): number {
    return this.queues.activity.size + this.queues.transition.size + this.queues.perf.size;
  }

  private push(item: WriteItem): void {
    const dropped = this.queues[item.kind].push(item);
    if (dropped) this.deps.count(`writer.dropped.${dropped.kind}`);
  }

  /** The oldest items, activity first: it is what people look at live. */
  private take(): WriteItem[] {
    const out: WriteItem[] = [];
    for (const k of KINDS) {
      if (out.length >= this.maxBatch) break;
      out.push(...this.queues[k].take(this.maxBatch - out.length));
    }
    return out;
  }

  private putBack(batch: WriteItem[]): void {
    for (const k of KINDS) {
      const mine = batch.filter((i) => i.kind === k);
      for (const d of this.queues[k].unshiftMany(mine)) this.deps.count(`writer.dropped.${d.kind}`);
    }
  }

  get healthy(): boolean {
    return this.failures === 0;
  }

  enqueue(item: WriteItem): void {
    this.push(item);
    this.wake?.();
  }

  enqueueMany(items: WriteItem[]): void {
    for (const i of items) this.push(i);
    this.wake?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once everything queued so far is written (or the writer stops). */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    if (this.pending === 0 && !this.busy) return true;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Writes what is queued (bounded by `flushTimeoutMs`), then stops. */
  async stop(flushTimeoutMs = 5_000): Promise<void> {
    await this.drain(flushTimeoutMs);
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  private busy = false;

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (this.pending === 0) {
        this.busy = false;
        for (const w of this.idleWaiters.splice(0)) w();
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      this.busy = true;
      const batch = this.take();
      try {
        await this.write(batch);
        if (this.failures > 0) this.deps.log.info({ afterFailures: this.failures }, 'database writes recovered');
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.deps.count('writer.errors');
        this.putBack(batch);
        const delay = backoffDelay(this.failures, { baseMs: this.deps.retryBaseMs ?? 500, maxMs: this.deps.retryMaxMs ?? 10_000, jitter: 0.2 });
        if (this.failures === 1 || this.failures % 10 === 0) {
          this.deps.log.warn({ error: (err as Error).message, queued: this.pending, retryInMs: delay }, 'database write failed; keeping rows queued and retrying');
        }
        await this.sleepUnlessStopping(delay);
      }
      this.deps.gauge('writer.queued', this.pending);
    }
    this.busy = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async sleepUnlessStopping(ms: number): Promise<void> {
    const ac = new AbortController();
    this.wake = () => undefined; // new items must not cut the backoff short
    const stopWatch = setInterval(() => this.stopping && ac.abort(), 100);
    await sleep(ms, ac.signal);
    clearInterval(stopWatch);
    this.wake = undefined;
  }

  private async write(batch: WriteItem[]): Promise<void> {
    const activity: ActivityInsert[] = [];
    const transitions: TransitionInsert[] = [];
    const perf: PerfSampleInsert[] = [];
    for (const i of batch) {
      if (i.kind === 'activity') activity.push(i.row);
      else if (i.kind === 'transition') transitions.push(i.row);
      else perf.push(i.row);
    }
    // Each insert is idempotent, so a retry after a partial failure re-sends harmlessly.
    if (activity.length > 0) {
      const stored = await this.deps.activity.insertMany(activity);
      this.written.activity += stored.length;
      this.deps.count('writer.activity.duplicates', activity.length - stored.length);
      if (stored.length > 0) this.deps.onActivityStored(stored);
    }
    if (transitions.length > 0) {
      this.written.transition += await this.deps.transitions.insertMany(transitions);
      this.deps.onTransitionsStored?.(transitions);
    }
    if (perf.length > 0) {
      this.written.perf += await this.deps.perf.insertSamples(perf);
      this.deps.onPerfStored?.(perf);
    }
  }
}
