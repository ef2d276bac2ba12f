import type { ActivityRepo } from '../activity/activity.repo';
import type { CapturesRepo } from '../captures/captures.repo';
import type { TransitionsRepo } from '../models/transitions.repo';
import { ROLLUP_BUCKET_S, type PerfRepo } from '../perf/perf.repo';

export interface RetentionSettings {
  perfRawHours: number;
  perfRollupDays: number;
  activityDays: number;
  captureBudgetBytes: number;
}

export interface RetentionDeps {
  perf: PerfRepo;
  activity: ActivityRepo;
  transitions: TransitionsRepo;
  captures: CapturesRepo;
  settings: RetentionSettings;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  now?: () => Date;
}

export interface RetentionReport {
  rollups: number;
  perfRaw: number;
  perfRollups: number;
  activity: number;
  transitions: number;
  captures: number;
}

const BUCKET_MS = ROLLUP_BUCKET_S * 1000;
const floorBucket = (t: number) => Math.floor(t / BUCKET_MS) * BUCKET_MS;

/**
 * Rollups and retention (all periods from .env.host): raw perf samples are rolled up into
 * 5-minute buckets (avg, max, p95) and kept `perfRawHours`; rollups `perfRollupDays`; activity
 * and transitions `activityDays`; captures within a total byte budget (newest kept).
 */
export class RetentionService {
  /** Buckets before this are final: later runs only recompute from here on. */
  private rolledUntil: number | null = null;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  constructor(private readonly deps: RetentionDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Rolls up buckets that gained samples since the last run (the current, partial one included). */
  async rollup(): Promise<number> {
    const now = this.now().getTime();
    let from = this.rolledUntil;
    if (from === null) {
      const latest = await this.deps.perf.latestRollupBucket();
      const oldest = await this.deps.perf.oldestSample();
      from = latest ? latest.getTime() : oldest ? floorBucket(oldest.getTime()) : floorBucket(now);
    }
    // Samples arrive late (polling, a reconnect backfilling an hour), so the last few buckets are
    // recomputed every time.
    const start = Math.min(from, floorBucket(now) - 2 * BUCKET_MS);
    const n = await this.deps.perf.rollup(new Date(start), new Date(now + BUCKET_MS));
    this.rolledUntil = floorBucket(now) - 2 * BUCKET_MS;
    return n;
  }

  async prune(): Promise<Omit<RetentionReport, 'rollups'>> {
    const now = this.now().getTime();
    const s = this.deps.settings;
    return {
      perfRaw: await this.deps.perf.deleteRawOlderThan(new Date(now - s.perfRawHours * 3600_000)),
      perfRollups: await this.deps.perf.deleteRollupsOlderThan(new Date(now - s.perfRollupDays * 86_400_000)),
      activity: await this.deps.activity.deleteOlderThan(new Date(now - s.activityDays * 86_400_000)),
      transitions: await this.deps.transitions.deleteOlderThan(new Date(now - s.activityDays * 86_400_000)),
      captures: await this.deps.captures.enforceBudget(s.captureBudgetBytes),
    };
  }

  /** One full pass: roll up first, so raw samples are never pruned before they are summarized. */
  async runOnce(): Promise<RetentionReport> {
    const rollups = await this.rollup();
    const pruned = await this.prune();
    return { rollups, ...pruned };
  }

  start(rollupEveryMs = 60_000, pruneEveryMs = 15 * 60_000): void {
    const guard = (what: string, fn: () => Promise<unknown>) => () => {
      this.running = this.running.then(fn).catch((err: unknown) => this.deps.log.warn({ error: (err as Error).message }, `${what} failed; will retry`));
    };
    guard('retention', async () => {
      const r = await this.runOnce();
      if (r.perfRaw + r.perfRollups + r.activity + r.transitions + r.captures > 0) this.deps.log.info({ ...r }, 'retention pass');
    })();
    this.timers.push(setInterval(guard('perf rollup', () => this.rollup()), rollupEveryMs));
    this.timers.push(setInterval(guard('retention', () => this.prune()), pruneEveryMs));
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.running;
  }
}
