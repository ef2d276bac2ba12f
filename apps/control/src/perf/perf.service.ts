import type { PerfQuery, PerfResponse } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import { ROLLUP_BUCKET_S, type PerfPoint, type PerfRepo } from './perf.repo';

/** Ranges up to this long, and within raw retention, are served from raw samples. */
export const RAW_MAX_RANGE_S = 6 * 3600;
const SAMPLE_S = 5;
/** How far back long-range charts read raw samples to cover buckets not rolled up yet. */
const RECENT_RAW_MS = 15 * 60_000;

export function groupSeries(points: PerfPoint[]): PerfResponse['series'] {
  const out = new Map<string, PerfResponse['series'][number]>();
  for (const p of points) {
    const key = `${p.metric}\u0000${p.series}`;
    let s = out.get(key);
    if (!s) out.set(key, (s = { metric: p.metric, series: p.series, points: [] }));
    s.points.push({ t: p.t.getTime(), v: round(p.avg), max: round(p.max) });
  }
  return [...out.values()];
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Perf history: raw samples for recent short ranges (15 min, 6 h), 5-minute rollups beyond
 * (48 h, 30 d). Either way the step is chosen so a chart gets about `points` points.
 */
export class PerfService {
  constructor(
    private readonly repo: PerfRepo,
    private readonly rawRetentionHours: number,
    private readonly hostKnown: (id: string) => boolean,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async query(hostId: string, q: PerfQuery): Promise<PerfResponse> {
    if (!this.hostKnown(hostId)) throw new AppError('NOT_FOUND', `no host "${hostId}"`);
    const now = this.now();
    const to = q.to ? new Date(q.to) : now;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 15 * 60_000);
    if (from >= to) throw new AppError('VALIDATION', '`from` must be before `to`');
    const rangeS = (to.getTime() - from.getTime()) / 1000;
    const rawFloor = now.getTime() - this.rawRetentionHours * 3600_000;
    // a minute of slack: "the last 6 hours" computed by a browser is a hair longer by the time it lands here
    const useRaw = rangeS <= RAW_MAX_RANGE_S + 60 && from.getTime() >= rawFloor;
    const metrics = q.metric && q.metric.length > 0 ? q.metric : undefined;
    if (useRaw) {
      const stepS = Math.max(SAMPLE_S, Math.ceil(rangeS / q.points / SAMPLE_S) * SAMPLE_S);
      const points = await this.repo.raw(hostId, from, to, stepS, metrics);
      return { hostId, from: from.toISOString(), to: to.toISOString(), source: 'raw', stepS, series: groupSeries(points) };
    }
    const stepS = Math.max(ROLLUP_BUCKET_S, Math.ceil(rangeS / q.points / ROLLUP_BUCKET_S) * ROLLUP_BUCKET_S);
    const points = await this.repo.rollups(hostId, from, to, stepS, metrics);
    // Rollups run every minute or so; the newest steps come from raw samples on the same grid,
    // so a long chart still ends at "now".
    const recentFrom = new Date(Math.max(from.getTime(), Math.floor((now.getTime() - RECENT_RAW_MS) / (stepS * 1000)) * stepS * 1000));
    if (to > recentFrom && recentFrom.getTime() >= rawFloor) {
      const recent = await this.repo.raw(hostId, recentFrom, to, stepS, metrics);
      const key = (p: PerfPoint) => `${p.metric}\u0000${p.series}\u0000${p.t.getTime()}`;
      const byKey = new Map(points.map((p) => [key(p), p]));
      for (const p of recent) byKey.set(key(p), p);
      points.splice(0, points.length, ...[...byKey.values()].sort((a, b) => a.metric.localeCompare(b.metric) || a.series.localeCompare(b.series) || a.t.getTime() - b.t.getTime()));
    }
    return { hostId, from: from.toISOString(), to: to.toISOString(), source: 'rollup', stepS, series: groupSeries(points) };
  }
}
