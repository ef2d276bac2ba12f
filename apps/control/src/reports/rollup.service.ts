import type { EventBus } from '../events/bus';
import type { RollupsRepo } from './rollups.repo';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const floorTo = (t: number, span: number) => Math.floor(t / span) * span;
/** At most this many hours are rebuilt in one statement (a catch-up over months goes in steps). */
const CHUNK_HOURS = 24;

export interface RollupServiceDeps {
  repo: RollupsRepo;
  bus: EventBus;
  /** Raw activity older than this is gone (retention): its hours are final and never rebuilt. */
  rawSince(): Date;
  /** Rollups older than this many days are pruned. */
  keepDays: number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  now?: () => Date;
  /** Told after each rebuild which buckets changed (the report cache drops them). */
  onRebuilt?(from: Date, to: Date): void;
}

/**
 * Keeps the report rollups current. Stored rows mark their hour dirty (a reconnect that backfills
 * yesterday marks yesterday's hours); each pass rebuilds the dirty hours from raw rows and then
 * the days that hold them. Passes never overlap: one chain of promises.
 */
export class RollupService {
  private readonly dirty = new Set<number>();
  private readonly unsubscribe: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  constructor(private readonly deps: RollupServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    const mark = (t: Date) => this.dirty.add(floorTo(t.getTime(), HOUR));
    this.unsubscribe.push(
      deps.bus.on('activity.stored', ({ rows }) => rows.forEach((r) => mark(r.ts))),
      deps.bus.on('transitions.stored', ({ rows }) => rows.forEach((r) => mark(r.at))),
      deps.bus.on('perf.stored', ({ rows }) => rows.forEach((r) => r.metric === 'gpu_power_w' && mark(r.ts))),
    );
  }

  /** Marks [from, to) dirty: start-up catch-up, and tests that wrote rows behind the writer's back. */
  markRange(from: Date, to: Date): void {
    for (let t = floorTo(from.getTime(), HOUR); t < to.getTime(); t += HOUR) this.dirty.add(t);
  }

  /** After a restart: everything since the newest rolled hour (or the oldest raw row) is dirty. */
  async catchUp(): Promise<void> {
    const latest = await this.deps.repo.latestHour();
    const from = latest ?? (await this.deps.repo.oldestActivity());
    if (from) this.markRange(from, new Date(this.now().getTime() + HOUR));
  }

  /** One pass: rebuild dirty hours, then their days. Returns the rollup rows written. */
  runOnce(): Promise<number> {
    const run = this.chain.then(() => this.pass());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pass(): Promise<number> {
    const rawSince = floorTo(this.deps.rawSince().getTime(), HOUR) + HOUR;
    const hours = [...this.dirty].filter((h) => h >= rawSince).sort((a, b) => a - b);
    this.dirty.clear();
    let written = 0;
    try {
      const days = new Set<number>();
      // Consecutive hours go in one statement, up to a day's worth.
      for (let i = 0; i < hours.length; ) {
        const start = hours[i]!;
        let end = start + HOUR;
        i++;
        while (i < hours.length && hours[i] === end && end - start < CHUNK_HOURS * HOUR) {
          end += HOUR;
          i++;
        }
        written += await this.deps.repo.rebuildHours(new Date(start), new Date(end));
        this.deps.onRebuilt?.(new Date(start), new Date(end));
        for (let h = start; h < end; h += HOUR) days.add(floorTo(h, DAY));
      }
      for (const d of [...days].sort((a, b) => a - b)) {
        written += await this.deps.repo.rebuildDays(new Date(d), new Date(d + DAY));
        this.deps.onRebuilt?.(new Date(d), new Date(d + DAY));
      }
    } catch (err) {
      // Nothing was half-written (each rebuild is one transaction): mark them again for the next pass.
      for (const h of hours) this.dirty.add(h);
      throw err;
    }
    return written;
  }

  async prune(): Promise<number> {
    const cutoff = new Date(this.now().getTime() - this.deps.keepDays * DAY);
    const n = await this.deps.repo.deleteOlderThan(cutoff);
    if (n > 0) this.deps.onRebuilt?.(new Date(0), cutoff);
    return n;
  }

  start(everyMs = 60_000): void {
    const tick = () => {
      void this.runOnce().catch((err: unknown) => this.deps.log.warn({ error: (err as Error).message }, 'report rollup failed; will retry'));
    };
    void this.catchUp()
      .then(tick)
      .catch((err: unknown) => this.deps.log.warn({ error: (err as Error).message }, 'report rollup catch-up failed'));
    let passes = 0;
    this.timer = setInterval(() => {
      tick();
      // Pruning is cheap but needs no minute resolution.
      if (++passes % 60 === 0) void this.prune().catch(() => undefined);
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const u of this.unsubscribe) u();
    await this.chain;
  }
}
