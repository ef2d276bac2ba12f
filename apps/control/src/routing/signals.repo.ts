import type { Queryable } from '../db/db';

export interface CurvePoint {
  level: number;
  ttftP50Ms: number | null;
  tpotP50Ms: number | null;
}

export interface BenchCurve {
  runId: string;
  hostId: string;
  model: string;
  points: CurvePoint[];
}

export interface EvalScoreRow {
  model: string;
  category: string;
  mean: number;
  sd: number | null;
  n: number;
  /** the largest score seen: tells a 0–1 scale from a 0–100 one */
  max: number;
}

export interface RecentSpeedRow {
  hostId: string;
  model: string;
  ttftP50Ms: number | null;
  genP50Tps: number | null;
}

/** The stored inputs of routing scores: bench curves, eval scores, recent speeds (SQL only here). */
export class SignalsRepo {
  constructor(private readonly db: Queryable) {}

  /** The newest succeeded concurrency sweep per host and model, its points in level order. */
  async benchCurves(): Promise<BenchCurve[]> {
    const r = await this.db.query<{ id: string; host_id: string; model: string; level: number; ttft: number | null; tpot: number | null }>(
      `WITH latest AS (
         SELECT DISTINCT ON (host_id, model) id, host_id, model FROM control_bench_runs
         WHERE status = 'succeeded' AND host_id IS NOT NULL AND model IS NOT NULL
         ORDER BY host_id, model, finished_at DESC NULLS LAST, created_at DESC)
       SELECT l.id, l.host_id, l.model, p.level,
         (p.point->'ttftMs'->>'p50')::float8 AS ttft, (p.point->'tpotMs'->>'p50')::float8 AS tpot
       FROM latest l JOIN control_bench_points p ON p.run_id = l.id
       WHERE p.point->>'driver' = 'concurrency'
       ORDER BY l.host_id, l.model, p.level`,
    );
    const out = new Map<string, BenchCurve>();
    for (const x of r.rows) {
      const key = `${x.host_id}\u0000${x.model}`;
      let c = out.get(key);
      if (!c) out.set(key, (c = { runId: x.id, hostId: x.host_id, model: x.model, points: [] }));
      c.points.push({ level: Number(x.level), ttftP50Ms: x.ttft, tpotP50Ms: x.tpot });
    }
    return [...out.values()];
  }

  /**
   * Mean eval score per model and suite (the suite is the task category) over succeeded runs.
   * Written against the eval tables' current shape; an eval engine with its own aggregate can
   * replace this through the QualitySource seam.
   */
  async evalScores(): Promise<EvalScoreRow[]> {
    const r = await this.db.query<{ model: string; suite: string; mean: number; sd: number | null; n: number; max: number }>(
      `SELECT e.model, e.suite, avg(x.score)::float8 AS mean, stddev_samp(x.score)::float8 AS sd, count(x.score)::int AS n, max(x.score)::float8 AS max
       FROM control_eval_runs e JOIN control_eval_results x ON x.run_id = e.id
       WHERE e.status = 'succeeded' AND e.model IS NOT NULL AND x.score IS NOT NULL
       GROUP BY e.model, e.suite`,
    );
    return r.rows.map((x) => ({ model: x.model, category: x.suite, mean: Number(x.mean), sd: x.sd === null ? null : Number(x.sd), n: x.n, max: Number(x.max) }));
  }

  /** p50 TTFT and generation speed per host and model over the host's own rows since `since`. */
  async recentSpeeds(since: Date): Promise<RecentSpeedRow[]> {
    const r = await this.db.query<{ host_id: string; model: string; ttft: number | null; gen: number | null }>(
      `SELECT host_id, model, percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms) AS ttft,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY gen_tps) AS gen
       FROM control_activity WHERE ts >= $1 AND status BETWEEN 200 AND 299 GROUP BY host_id, model`,
      [since],
    );
    return r.rows.map((x) => ({ hostId: x.host_id, model: x.model, ttftP50Ms: x.ttft, genP50Tps: x.gen }));
  }
}
