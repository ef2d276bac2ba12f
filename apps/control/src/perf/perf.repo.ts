import type { Queryable } from '../db/db';

export interface PerfSampleInsert {
  hostId: string;
  ts: Date;
  metric: string;
  series: string;
  value: number;
}

export interface PerfPoint {
  metric: string;
  series: string;
  t: Date;
  avg: number;
  max: number;
}

export const ROLLUP_BUCKET_S = 300;

export class PerfRepo {
  constructor(private readonly db: Queryable) {}

  async insertSamples(rows: PerfSampleInsert[]): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await this.db.query(
      `INSERT INTO control_perf_samples (host_id, ts, metric, series, value)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::float8[])
       ON CONFLICT (host_id, metric, series, ts) DO NOTHING`,
      [rows.map((r) => r.hostId), rows.map((r) => r.ts.toISOString()), rows.map((r) => r.metric), rows.map((r) => r.series), rows.map((r) => r.value)],
    );
    return r.rowCount;
  }

  /**
   * (Re)computes the 5-minute rollups of every bucket in [from, to): avg, max, p95 and count.
   * Buckets are recomputed whole, so running this again over a bucket that gained samples
   * simply corrects it.
   */
  async rollup(from: Date, to: Date): Promise<number> {
    const r = await this.db.query(
      `INSERT INTO control_perf_rollups (host_id, bucket, metric, series, avg, max, p95, n)
       SELECT host_id, to_timestamp(floor(extract(epoch FROM ts) / ${ROLLUP_BUCKET_S}) * ${ROLLUP_BUCKET_S}) AS bucket, metric, series,
         avg(value), max(value), percentile_cont(0.95) WITHIN GROUP (ORDER BY value), count(*)::int
       FROM control_perf_samples WHERE ts >= $1 AND ts < $2
       GROUP BY 1, 2, 3, 4
       ON CONFLICT (host_id, metric, series, bucket)
       DO UPDATE SET avg = EXCLUDED.avg, max = EXCLUDED.max, p95 = EXCLUDED.p95, n = EXCLUDED.n`,
      [from, to],
    );
    return r.rowCount;
  }

  async latestRollupBucket(): Promise<Date | null> {
    const r = await this.db.query<{ b: Date | null }>('SELECT max(bucket) AS b FROM control_perf_rollups');
    return r.rows[0]?.b ? new Date(r.rows[0].b) : null;
  }

  async oldestSample(): Promise<Date | null> {
    const r = await this.db.query<{ t: Date | null }>('SELECT min(ts) AS t FROM control_perf_samples');
    return r.rows[0]?.t ? new Date(r.rows[0].t) : null;
  }

  /** Raw samples averaged into `stepS`-second steps (a step of the sample period returns them as they are). */
  async raw(hostId: string, from: Date, to: Date, stepS: number, metrics?: string[]): Promise<PerfPoint[]> {
    const params: unknown[] = [hostId, from, to, stepS];
    const metricFilter = metrics?.length ? `AND metric = ANY($${params.push(metrics)}::text[])` : '';
    const r = await this.db.query<{ metric: string; series: string; t: Date; avg: number; max: number }>(
      `SELECT metric, series, to_timestamp(floor(extract(epoch FROM ts) / $4) * $4) AS t, avg(value) AS avg, max(value) AS max
       FROM control_perf_samples WHERE host_id = $1 AND ts >= $2 AND ts <= $3 ${metricFilter}
       GROUP BY metric, series, t ORDER BY metric, series, t`,
      params,
    );
    return r.rows.map((x) => ({ metric: x.metric, series: x.series, t: new Date(x.t), avg: x.avg, max: x.max }));
  }

  /** Rollups merged into `stepS`-second steps (weighted average, max of max). */
  async rollups(hostId: string, from: Date, to: Date, stepS: number, metrics?: string[]): Promise<PerfPoint[]> {
    const params: unknown[] = [hostId, from, to, stepS];
    const metricFilter = metrics?.length ? `AND metric = ANY($${params.push(metrics)}::text[])` : '';
    const r = await this.db.query<{ metric: string; series: string; t: Date; avg: number; max: number }>(
      `SELECT metric, series, to_timestamp(floor(extract(epoch FROM bucket) / $4) * $4) AS t,
         sum(avg * n) / NULLIF(sum(n), 0) AS avg, max(max) AS max
       FROM control_perf_rollups WHERE host_id = $1 AND bucket >= $2 AND bucket <= $3 ${metricFilter}
       GROUP BY metric, series, t ORDER BY metric, series, t`,
      params,
    );
    return r.rows.map((x) => ({ metric: x.metric, series: x.series, t: new Date(x.t), avg: x.avg ?? 0, max: x.max }));
  }

  async deleteRawOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM control_perf_samples WHERE ts < $1', [cutoff])).rowCount;
  }

  async deleteRollupsOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM control_perf_rollups WHERE bucket < $1', [cutoff])).rowCount;
  }
}
