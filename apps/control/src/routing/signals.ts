import type { QualityInput } from '@boocontrol/contracts';
import type { LoadStatsRepo } from '../models/transitions.repo';
import type { BenchCurve, RecentSpeedRow, SignalsRepo } from './signals.repo';

/**
 * Quality per model and task category. Pluggable: the eval engine (another issue) can provide
 * its own; absent-safe: `undefined` means "no evidence" and scores neutral.
 */
export interface QualitySource {
  quality(model: string, category: string | null): QualityInput | undefined;
  refresh?(): Promise<void>;
}

export interface SpeedEstimate {
  ttftMs: number | null;
  tpotMs: number | null;
  source: 'bench' | 'activity' | 'none';
  runId: string | null;
}

const key = (h: string, m: string) => `${h}\u0000${m}`;

/** Linear interpolation of a curve at `level` (clamped to the measured range). */
export function interpolate(points: ReadonlyArray<{ level: number; v: number | null }>, level: number): number | null {
  const pts = points.filter((p): p is { level: number; v: number } => p.v !== null && Number.isFinite(p.v));
  if (pts.length === 0) return null;
  if (level <= pts[0]!.level) return pts[0]!.v;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (level <= b.level) return a.v + ((b.v - a.v) * (level - a.level)) / (b.level - a.level || 1);
  }
  const last = pts[pts.length - 1]!;
  const prev = pts[pts.length - 2];
  // Past the sweep: extend the last segment's slope (queueing grows), never below the last value.
  if (!prev) return last.v;
  return Math.max(last.v, last.v + ((last.v - prev.v) * (level - last.level)) / (last.level - prev.level || 1));
}

/**
 * The slow-changing inputs of routing scores, held in memory so a decision never waits on the
 * database (G3: a decision in ≤ 50 µs). Refreshed every `everyMs` (bench curves, recent speeds,
 * measured load times, eval scores).
 */
export class RoutingSignals {
  private curves = new Map<string, BenchCurve>();
  private speeds = new Map<string, RecentSpeedRow>();
  private loads = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  refreshedAt: Date | null = null;

  constructor(
    private readonly deps: { repo: SignalsRepo; loads: LoadStatsRepo; quality: QualitySource; onError?: (err: unknown) => void },
    private readonly everyMs = 30_000,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(now = new Date()): Promise<void> {
    try {
      const [curves, speeds, loads] = await Promise.all([
        this.deps.repo.benchCurves(),
        this.deps.repo.recentSpeeds(new Date(now.getTime() - 86_400_000)),
        this.deps.loads.medianLoads(new Date(now.getTime() - 30 * 86_400_000)),
        this.deps.quality.refresh?.(),
      ]);
      this.curves = new Map(curves.map((c) => [key(c.hostId, c.model), c]));
      this.speeds = new Map(speeds.map((s) => [key(s.hostId, s.model), s]));
      this.loads = new Map(loads.map((l) => [key(l.hostId, l.model), l.medianLoadMs]));
      this.refreshedAt = now;
    } catch (err) {
      this.deps.onError?.(err);
    }
  }

  /** Predicted TTFT and TPOT with `inflight` requests already running (bench curve at inflight + 1). */
  speed(hostId: string, model: string, inflight: number): SpeedEstimate {
    const c = this.curves.get(key(hostId, model));
    if (c && c.points.length > 0) {
      const level = inflight + 1;
      return {
        ttftMs: interpolate(c.points.map((p) => ({ level: p.level, v: p.ttftP50Ms })), level),
        tpotMs: interpolate(c.points.map((p) => ({ level: p.level, v: p.tpotP50Ms })), level),
        source: 'bench',
        runId: c.runId,
      };
    }
    const s = this.speeds.get(key(hostId, model));
    if (s && (s.ttftP50Ms !== null || s.genP50Tps !== null)) {
      // One request's figures; concurrent requests share the GPU, so scale by the load.
      const share = inflight + 1;
      return { ttftMs: s.ttftP50Ms, tpotMs: s.genP50Tps ? (1000 / s.genP50Tps) * share : null, source: 'activity', runId: null };
    }
    return { ttftMs: null, tpotMs: null, source: 'none', runId: null };
  }

  loadMs(hostId: string, model: string): number | null {
    return this.loads.get(key(hostId, model)) ?? null;
  }

  quality(model: string, category: string | null): QualityInput | undefined {
    return this.deps.quality.quality(model, category);
  }
}

/** Eval scores from the eval tables (mean per model × suite with a normal 95% CI), else the routing file's priors. */
export class StoredQuality implements QualitySource {
  private scores = new Map<string, QualityInput>();

  constructor(
    private readonly repo: SignalsRepo,
    private readonly prior: (model: string) => Record<string, number> | undefined,
  ) {}

  async refresh(): Promise<void> {
    const rows = await this.repo.evalScores();
    const next = new Map<string, QualityInput>();
    const overall = new Map<string, { sum: number; n: number }>();
    for (const r of rows) {
      const scale = r.max <= 1 ? 100 : 1;
      const half = r.sd !== null && r.n > 1 ? (1.96 * r.sd * scale) / Math.sqrt(r.n) : null;
      const score = r.mean * scale;
      next.set(key(r.model, r.category), { score, ciLow: half === null ? null : score - half, ciHigh: half === null ? null : score + half, n: r.n, source: 'eval', category: r.category });
      const o = overall.get(r.model) ?? { sum: 0, n: 0 };
      o.sum += score * r.n;
      o.n += r.n;
      overall.set(r.model, o);
    }
    for (const [m, o] of overall) next.set(key(m, '*'), { score: o.sum / o.n, ciLow: null, ciHigh: null, n: o.n, source: 'eval', category: null });
    this.scores = next;
  }

  quality(model: string, category: string | null): QualityInput | undefined {
    const stored = this.scores.get(key(model, category ?? '*')) ?? this.scores.get(key(model, '*'));
    if (stored) return stored;
    const p = this.prior(model);
    const v = p?.[category ?? '*'] ?? p?.['*'];
    return v === undefined ? undefined : { score: v, ciLow: null, ciHigh: null, n: 0, source: 'prior', category };
  }
}
