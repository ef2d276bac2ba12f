import type { Db, Queryable } from '../db/db';
import { binSql, type Hist } from './histogram';

export type Grain = 'hour' | 'day';

export interface UsageRollup {
  bucket: Date;
  hostId: string;
  model: string;
  consumer: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheTokens: number;
  busyMs: number;
  ttftHist: Hist;
  genHist: Hist;
}

/** Per host × model (model '' = the whole host) and bucket: loads and energy. */
export interface HostRollup {
  bucket: Date;
  hostId: string;
  model: string;
  loads: number;
  failedStarts: number;
  loadMs: number;
  gpuBusyS: number;
  energyWh: number;
}

export interface RollupFilter {
  hosts?: string[] | undefined;
  models?: string[] | undefined;
}

const SPAN_S: Record<Grain, number> = { hour: 3600, day: 86400 };
const bucketOf = (col: string, grain: Grain) => `to_timestamp(floor(extract(epoch FROM ${col}) / ${SPAN_S[grain]}) * ${SPAN_S[grain]})`;
/** A gap between two perf samples longer than this is the host being away, not drawing power. */
const MAX_SAMPLE_GAP_S = 60;

/** Attribution: the gateway (or any client) stamps `consumer` into the activity metadata. */
const CONSUMER_SQL = `COALESCE(metadata->>'consumer', '')`;

function filterSql(f: RollupFilter, params: unknown[]): string {
  let s = '';
  if (f.hosts?.length) s += ` AND host_id = ANY($${params.push(f.hosts)}::text[])`;
  if (f.models?.length) s += ` AND model = ANY($${params.push(f.models)}::text[])`;
  return s;
}

/**
 * Hourly and daily rollups of activity, transitions and perf samples: what reports read, so a
 * 90-day report touches a few thousand rows instead of millions. Hours are rebuilt from raw rows
 * (delete + insert in one transaction: a reader never sees half an hour); days from their hours.
 */
export class RollupsRepo {
  constructor(private readonly db: Db) {}

  /** Rebuilds the hour buckets in [from, to) of usage and host rollups from raw rows. */
  async rebuildHours(from: Date, to: Date): Promise<number> {
    return this.db.tx(async (q) => {
      await q.query(`DELETE FROM control_usage_rollups WHERE grain = 'hour' AND bucket >= $1 AND bucket < $2`, [from, to]);
      await q.query(`DELETE FROM control_host_rollups WHERE grain = 'hour' AND bucket >= $1 AND bucket < $2`, [from, to]);
      const u = await q.query(
        `WITH a AS (
           SELECT host_id, model, ${CONSUMER_SQL} AS consumer, ${bucketOf('ts', 'hour')} AS bucket, status,
             GREATEST(input_tokens, 0) AS input_tokens, GREATEST(output_tokens, 0) AS output_tokens, GREATEST(cache_tokens, 0) AS cache_tokens,
             GREATEST(duration_ms, 0) AS duration_ms,
             CASE WHEN ttft_ms IS NOT NULL AND ttft_ms >= 0 THEN ${binSql('ttft_ms')} END AS tb,
             CASE WHEN gen_tps IS NOT NULL AND gen_tps > 0 THEN ${binSql('gen_tps')} END AS gb
           FROM control_activity WHERE ts >= $1 AND ts < $2
         ), s AS (
           SELECT host_id, model, consumer, bucket, count(*)::int AS requests,
             count(*) FILTER (WHERE status < 200 OR status > 299)::int AS errors,
             sum(input_tokens)::bigint AS i, sum(output_tokens)::bigint AS o, sum(cache_tokens)::bigint AS c, sum(duration_ms)::bigint AS busy
           FROM a GROUP BY 1, 2, 3, 4
         ), th AS (
           SELECT host_id, model, consumer, bucket, jsonb_object_agg(tb::text, n) AS h
           FROM (SELECT host_id, model, consumer, bucket, tb, count(*)::int AS n FROM a WHERE tb IS NOT NULL GROUP BY 1, 2, 3, 4, 5) x GROUP BY 1, 2, 3, 4
         ), gh AS (
           SELECT host_id, model, consumer, bucket, jsonb_object_agg(gb::text, n) AS h
           FROM (SELECT host_id, model, consumer, bucket, gb, count(*)::int AS n FROM a WHERE gb IS NOT NULL GROUP BY 1, 2, 3, 4, 5) x GROUP BY 1, 2, 3, 4
         )
         INSERT INTO control_usage_rollups (grain, bucket, host_id, model, consumer, requests, errors, input_tokens, output_tokens, cache_tokens, busy_ms, ttft_hist, gen_hist)
         SELECT 'hour', s.bucket, s.host_id, s.model, s.consumer, s.requests, s.errors, s.i, s.o, s.c, s.busy, COALESCE(th.h, '{}'::jsonb), COALESCE(gh.h, '{}'::jsonb)
         FROM s LEFT JOIN th USING (host_id, model, consumer, bucket) LEFT JOIN gh USING (host_id, model, consumer, bucket)`,
        [from, to],
      );
      // Energy and GPU-busy time per host-hour from the raw perf samples (each sample holds until
      // the next, capped), split over the models by their share of request time in that hour.
      const h = await q.query(
        `WITH p AS (
           SELECT host_id, metric, ts, value,
             LEAST(COALESCE(extract(epoch FROM (lead(ts) OVER (PARTITION BY host_id, metric, series ORDER BY ts) - ts)), 0), ${MAX_SAMPLE_GAP_S}) AS dt
           FROM control_perf_samples
           WHERE metric IN ('gpu_power_w', 'gpu_util_pct') AND ts >= $1 AND ts < $2::timestamptz + interval '${MAX_SAMPLE_GAP_S} seconds'
         ), e AS (
           SELECT host_id, ${bucketOf('ts', 'hour')} AS bucket,
             COALESCE(sum(value * dt) FILTER (WHERE metric = 'gpu_power_w'), 0) / 3600.0 AS energy_wh,
             COALESCE(sum(value / 100.0 * dt) FILTER (WHERE metric = 'gpu_util_pct'), 0) AS gpu_busy_s
           FROM p WHERE ts < $2 GROUP BY 1, 2
         ), t AS (
           SELECT host_id, model, ${bucketOf('at', 'hour')} AS bucket,
             count(*) FILTER (WHERE to_state = 'starting')::int AS loads,
             count(*) FILTER (WHERE to_state = 'stopped' AND from_state IN ('starting', 'ready'))::int AS failed,
             COALESCE(sum(load_ms), 0)::bigint AS load_ms
           FROM control_model_transitions WHERE at >= $1 AND at < $2 GROUP BY 1, 2, 3
         ), u AS (
           SELECT host_id, model, bucket, sum(busy_ms)::float8 AS busy
           FROM control_usage_rollups WHERE grain = 'hour' AND bucket >= $1 AND bucket < $2 GROUP BY 1, 2, 3
         ), ut AS (SELECT host_id, bucket, sum(busy) AS total FROM u GROUP BY 1, 2),
         m AS (SELECT host_id, model, bucket FROM u UNION SELECT host_id, model, bucket FROM t),
         hs AS (SELECT host_id, bucket FROM e UNION SELECT host_id, bucket FROM t UNION SELECT host_id, bucket FROM u)
         INSERT INTO control_host_rollups (grain, bucket, host_id, model, loads, failed_starts, load_ms, gpu_busy_s, energy_wh)
         SELECT 'hour', m.bucket, m.host_id, m.model, COALESCE(t.loads, 0), COALESCE(t.failed, 0), COALESCE(t.load_ms, 0),
           COALESCE(e.gpu_busy_s * u.busy / NULLIF(ut.total, 0), 0), COALESCE(e.energy_wh * u.busy / NULLIF(ut.total, 0), 0)
         FROM m LEFT JOIN t USING (host_id, model, bucket) LEFT JOIN u USING (host_id, model, bucket)
           LEFT JOIN ut USING (host_id, bucket) LEFT JOIN e USING (host_id, bucket)
         UNION ALL
         SELECT 'hour', hs.bucket, hs.host_id, '', COALESCE(tt.loads, 0), COALESCE(tt.failed, 0), COALESCE(tt.load_ms, 0), COALESCE(e.gpu_busy_s, 0), COALESCE(e.energy_wh, 0)
         FROM hs LEFT JOIN e USING (host_id, bucket)
           LEFT JOIN (SELECT host_id, bucket, sum(loads)::int AS loads, sum(failed)::int AS failed, sum(load_ms)::bigint AS load_ms FROM t GROUP BY 1, 2) tt USING (host_id, bucket)`,
        [from, to],
      );
      return u.rowCount + h.rowCount;
    });
  }

  /** Rebuilds the day buckets in [from, to) by summing their hours (histograms merge exactly). */
  async rebuildDays(from: Date, to: Date): Promise<number> {
    return this.db.tx(async (q) => {
      await q.query(`DELETE FROM control_usage_rollups WHERE grain = 'day' AND bucket >= $1 AND bucket < $2`, [from, to]);
      await q.query(`DELETE FROM control_host_rollups WHERE grain = 'day' AND bucket >= $1 AND bucket < $2`, [from, to]);
      const hours = await readUsage(q, 'hour', from, to, {});
      const days = new Map<string, UsageRollup>();
      for (const r of hours) {
        const day = new Date(Math.floor(r.bucket.getTime() / 86_400_000) * 86_400_000);
        const k = `${day.getTime()}\u0000${r.hostId}\u0000${r.model}\u0000${r.consumer}`;
        const d = days.get(k);
        if (!d) {
          days.set(k, { ...r, bucket: day, ttftHist: { ...r.ttftHist }, genHist: { ...r.genHist } });
          continue;
        }
        d.requests += r.requests;
        d.errors += r.errors;
        d.inputTokens += r.inputTokens;
        d.outputTokens += r.outputTokens;
        d.cacheTokens += r.cacheTokens;
        d.busyMs += r.busyMs;
        for (const [b, n] of Object.entries(r.ttftHist)) d.ttftHist[b] = (d.ttftHist[b] ?? 0) + n;
        for (const [b, n] of Object.entries(r.genHist)) d.genHist[b] = (d.genHist[b] ?? 0) + n;
      }
      const rows = [...days.values()];
      let n = 0;
      if (rows.length > 0) {
        const col = <T>(f: (r: UsageRollup) => T) => rows.map(f);
        n += (
          await q.query(
            `INSERT INTO control_usage_rollups (grain, bucket, host_id, model, consumer, requests, errors, input_tokens, output_tokens, cache_tokens, busy_ms, ttft_hist, gen_hist)
             SELECT 'day', * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::jsonb[], $12::jsonb[])`,
            [
              col((r) => r.bucket.toISOString()),
              col((r) => r.hostId),
              col((r) => r.model),
              col((r) => r.consumer),
              col((r) => r.requests),
              col((r) => r.errors),
              col((r) => r.inputTokens),
              col((r) => r.outputTokens),
              col((r) => r.cacheTokens),
              col((r) => r.busyMs),
              col((r) => JSON.stringify(r.ttftHist)),
              col((r) => JSON.stringify(r.genHist)),
            ],
          )
        ).rowCount;
      }
      n += (
        await q.query(
          `INSERT INTO control_host_rollups (grain, bucket, host_id, model, loads, failed_starts, load_ms, gpu_busy_s, energy_wh)
           SELECT 'day', ${bucketOf('bucket', 'day')}, host_id, model, sum(loads)::int, sum(failed_starts)::int, sum(load_ms)::bigint, sum(gpu_busy_s), sum(energy_wh)
           FROM control_host_rollups WHERE grain = 'hour' AND bucket >= $1 AND bucket < $2 GROUP BY 2, 3, 4`,
          [from, to],
        )
      ).rowCount;
      return n;
    });
  }

  readUsage(grain: Grain, from: Date, to: Date, f: RollupFilter): Promise<UsageRollup[]> {
    return readUsage(this.db, grain, from, to, f);
  }

  async readHost(grain: Grain, from: Date, to: Date, f: RollupFilter): Promise<HostRollup[]> {
    const params: unknown[] = [grain, from, to];
    // A host filter keeps the host rows (model ''); a model filter keeps only its own rows.
    const fs = filterSql({ hosts: f.hosts }, params) + (f.models?.length ? ` AND (model = '' OR model = ANY($${params.push(f.models)}::text[]))` : '');
    const r = await this.db.query<{ bucket: Date; host_id: string; model: string; loads: number; failed_starts: number; load_ms: string | number; gpu_busy_s: number; energy_wh: number }>(
      `SELECT bucket, host_id, model, loads, failed_starts, load_ms, gpu_busy_s, energy_wh FROM control_host_rollups
       WHERE grain = $1 AND bucket >= $2 AND bucket < $3${fs}`,
      params,
    );
    return r.rows.map((x) => ({
      bucket: new Date(x.bucket),
      hostId: x.host_id,
      model: x.model,
      loads: x.loads,
      failedStarts: x.failed_starts,
      loadMs: Number(x.load_ms),
      gpuBusyS: x.gpu_busy_s,
      energyWh: x.energy_wh,
    }));
  }

  async latestHour(): Promise<Date | null> {
    const r = await this.db.query<{ b: Date | null }>(`SELECT max(bucket) AS b FROM control_usage_rollups WHERE grain = 'hour'`);
    return r.rows[0]?.b ? new Date(r.rows[0].b) : null;
  }

  async oldestActivity(): Promise<Date | null> {
    const r = await this.db.query<{ t: Date | null }>('SELECT min(ts) AS t FROM control_activity');
    return r.rows[0]?.t ? new Date(r.rows[0].t) : null;
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const a = await this.db.query('DELETE FROM control_usage_rollups WHERE bucket < $1', [cutoff]);
    const b = await this.db.query('DELETE FROM control_host_rollups WHERE bucket < $1', [cutoff]);
    return a.rowCount + b.rowCount;
  }
}

async function readUsage(q: Queryable, grain: Grain, from: Date, to: Date, f: RollupFilter): Promise<UsageRollup[]> {
  const params: unknown[] = [grain, from, to];
  const r = await q.query<{
    bucket: Date;
    host_id: string;
    model: string;
    consumer: string;
    requests: number;
    errors: number;
    input_tokens: string | number;
    output_tokens: string | number;
    cache_tokens: string | number;
    busy_ms: string | number;
    ttft_hist: Hist;
    gen_hist: Hist;
  }>(
    `SELECT bucket, host_id, model, consumer, requests, errors, input_tokens, output_tokens, cache_tokens, busy_ms, ttft_hist, gen_hist
     FROM control_usage_rollups WHERE grain = $1 AND bucket >= $2 AND bucket < $3${filterSql(f, params)}`,
    params,
  );
  return r.rows.map((x) => ({
    bucket: new Date(x.bucket),
    hostId: x.host_id,
    model: x.model,
    consumer: x.consumer,
    requests: x.requests,
    errors: x.errors,
    inputTokens: Number(x.input_tokens),
    outputTokens: Number(x.output_tokens),
    cacheTokens: Number(x.cache_tokens),
    busyMs: Number(x.busy_ms),
    ttftHist: x.ttft_hist,
    genHist: x.gen_hist,
  }));
}
