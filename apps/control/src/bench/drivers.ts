import { setMaxListeners } from 'node:events';
import type { RequestRecord } from './record';
import { arrivals, type Rng } from './rng';
import type { Clock } from './stream-recorder';

/**
 * Load drivers. Both issue requests from the start of a point until `issueUntil` (the end of
 * its cooldown), then drain: requests scheduled inside a measured window are always waited
 * for, under the same load, and only after that are the cooldown leftovers aborted. A cancelled
 * run (`signal`) aborts everything at once.
 *
 * Every request carries its scheduled time. In the closed loop that is when its user became
 * free; in the open loop it is the arrival, and any wait for the client's concurrency cap shows
 * up as queue time (sent − scheduled) instead of being hidden — vLLM #54101's coordinated
 * omission.
 */
export interface DriveOptions {
  clock: Clock;
  /** the run's cancel signal */
  signal: AbortSignal;
  /** absolute clock time after which nothing new is issued */
  issueUntil: number;
  isMeasured(tSched: number): boolean;
  /** sends one request; the record must come back even on failure */
  send(user: number, tSched: number, signal: AbortSignal): Promise<RequestRecord>;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A 429 asks us to come back later (llama-swap says 1 s); waiting at most that keeps the load honest. */
const MAX_SHED_BACKOFF_MS = 1000;
const DEFAULT_SHED_BACKOFF_MS = 250;
/** After an instant failure (5xx burst, refused connection) a user pauses briefly instead of spinning. */
const ERROR_BACKOFF_MS = 10;

class Drain {
  readonly ctl = new AbortController();
  private readonly measured = new Set<Promise<unknown>>();
  private readonly all = new Set<Promise<unknown>>();
  private readonly onCancel = () => this.ctl.abort();

  constructor(private readonly signal: AbortSignal) {
    // every in-flight request and queued arrival listens on this signal; hundreds are expected
    setMaxListeners(0, this.ctl.signal);
    if (signal.aborted) this.ctl.abort();
    else signal.addEventListener('abort', this.onCancel, { once: true });
  }

  track<T>(p: Promise<T>, measured: boolean): Promise<T> {
    this.all.add(p);
    if (measured) this.measured.add(p);
    const settle = () => {
      this.all.delete(p);
      this.measured.delete(p);
    };
    // then(settle, settle) rather than finally: a rejection is the caller's to see, not an unhandled one here
    p.then(settle, settle);
    return p;
  }

  /** Waits for measured work, then aborts and awaits the rest. */
  async finish(): Promise<void> {
    while (this.measured.size > 0 && !this.signal.aborted) await Promise.race([Promise.allSettled([...this.measured]), sleep(50, this.ctl.signal)]);
    this.ctl.abort();
    await Promise.allSettled([...this.all]);
    this.signal.removeEventListener('abort', this.onCancel);
  }
}

/** Closed loop: `users` virtual users, each sending its next request as soon as the last one ends. */
export async function driveClosedLoop(users: number, o: DriveOptions): Promise<void> {
  const drain = new Drain(o.signal);
  const user = async (u: number): Promise<void> => {
    let tSched = o.clock.now();
    while (!drain.ctl.signal.aborted && tSched < o.issueUntil) {
      const rec = await drain.track(o.send(u, tSched, drain.ctl.signal), o.isMeasured(tSched));
      if (rec.errorKind === 'shed') await sleep(Math.min(rec.retryAfterMs ?? DEFAULT_SHED_BACKOFF_MS, MAX_SHED_BACKOFF_MS), drain.ctl.signal);
      else if (rec.errorKind !== null) await sleep(ERROR_BACKOFF_MS, drain.ctl.signal);
      tSched = o.clock.now();
    }
  };
  const loops = Array.from({ length: users }, (_, u) => user(u));
  // users stop on their own at issueUntil; the drain then settles what they left in flight
  await Promise.race([Promise.all(loops), sleep(Math.max(0, o.issueUntil - o.clock.now()), o.signal)]);
  await drain.finish();
  await Promise.allSettled(loops);
}

/** A FIFO counting semaphore (the open loop's client-side concurrency cap). */
class Semaphore {
  private waiters: (() => void)[] = [];
  constructor(private free: number) {}
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const w = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }
  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.free++;
  }
}

/**
 * Open loop: arrivals at `rate`/s with gamma gaps (shape `burstiness`) from `start`, each sent
 * when a slot under `maxConcurrency` is free. Arrivals are never skipped (no AIPerf-style lost
 * rate): a saturated client shows as growing queue time.
 */
export async function driveOpenLoop(
  p: { rate: number; burstiness: number; maxConcurrency: number; rng: Rng; start: number },
  o: DriveOptions,
): Promise<void> {
  const drain = new Drain(o.signal);
  const sem = new Semaphore(p.maxConcurrency);
  const schedule = arrivals(p.rng, p.rate, p.burstiness, o.issueUntil - p.start);
  const one = async (u: number, tSched: number): Promise<void> => {
    if (!(await sem.acquire(drain.ctl.signal))) return;
    try {
      await o.send(u, tSched, drain.ctl.signal);
    } finally {
      sem.release();
    }
  };
  let seq = 0;
  for (const at of schedule) {
    const tSched = p.start + at;
    await sleep(tSched - o.clock.now(), o.signal);
    if (o.signal.aborted) break;
    // open-loop "users" only key the multi-turn conversations; 16 run side by side
    drain.track(one(seq++ % 16, tSched), o.isMeasured(tSched));
  }
  await sleep(o.issueUntil - o.clock.now(), o.signal);
  await drain.finish();
}
