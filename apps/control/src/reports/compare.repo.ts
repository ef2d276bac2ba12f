import type { Queryable } from '../db/db';

export interface BenchRunFigures {
  runId: string;
  hostId: string;
  model: string;
  at: Date;
  /** the run's first point (lowest load level), as stored; null when it has none */
  point: Record<string, unknown> | null;
}

/**
 * Reads finished bench runs for comparisons (control_bench_runs / control_bench_points belong to
 * the bench feature; this is a read-only view of them). The last `perPair` succeeded runs of
 * every host × model, newest first. Evals have no runs yet: `evalRuns` answers 0 until they do.
 */
export class CompareRepo {
  constructor(private readonly db: Queryable) {}

  async lastBenchRuns(perPair: number, f: { hosts?: string[] | undefined; models?: string[] | undefined }): Promise<BenchRunFigures[]> {
    const params: unknown[] = [perPair];
    let where = `status = 'succeeded' AND host_id IS NOT NULL AND model IS NOT NULL`;
    if (f.hosts?.length) where += ` AND host_id = ANY($${params.push(f.hosts)}::text[])`;
    if (f.models?.length) where += ` AND model = ANY($${params.push(f.models)}::text[])`;
    const r = await this.db.query<{ id: string; host_id: string; model: string; at: Date; point: Record<string, unknown> | null }>(
      `SELECT r.id, r.host_id, r.model, r.at, p.point FROM (
         SELECT id, host_id, model, COALESCE(finished_at, created_at) AS at,
           row_number() OVER (PARTITION BY host_id, model ORDER BY COALESCE(finished_at, created_at) DESC, id DESC) AS rn
         FROM control_bench_runs WHERE ${where}
       ) r
       LEFT JOIN LATERAL (SELECT point FROM control_bench_points WHERE run_id = r.id ORDER BY level, idx LIMIT 1) p ON true
       WHERE r.rn <= $1 ORDER BY r.host_id, r.model, r.at DESC`,
      params,
    );
    return r.rows.map((x) => ({ runId: x.id, hostId: x.host_id, model: x.model, at: new Date(x.at), point: x.point }));
  }

  async evalRuns(): Promise<number> {
    const r = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM control_eval_runs WHERE status = 'succeeded'`);
    return r.rows[0]?.n ?? 0;
  }
}
