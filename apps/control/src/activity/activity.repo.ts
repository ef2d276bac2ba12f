import type { Queryable } from '../db/db';
import type { ActivityRecord } from '../connectors/types';

export interface ActivityInsert {
  hostId: string;
  epoch: number;
  rec: ActivityRecord;
}

export interface StoredActivity extends ActivityRecord {
  id: number;
  hostId: string;
  epoch: number;
}

interface ActivityRow {
  id: number;
  host_id: string;
  epoch: number;
  upstream_id: number;
  ts: Date;
  model: string;
  req_path: string;
  status: number;
  content_type: string;
  input_tokens: number;
  output_tokens: number;
  cache_tokens: number;
  draft_tokens: number;
  draft_acc_tokens: number;
  prompt_tps: number | null;
  gen_tps: number | null;
  ttft_ms: number | null;
  prompt_ms: number | null;
  duration_ms: number;
  error: string | null;
  has_capture: boolean;
  metadata: Record<string, unknown> | null;
}

export const toStored = (r: ActivityRow): StoredActivity => ({
  id: r.id,
  hostId: r.host_id,
  epoch: r.epoch,
  upstreamId: r.upstream_id,
  ts: new Date(r.ts),
  model: r.model,
  path: r.req_path,
  status: r.status,
  contentType: r.content_type,
  inputTokens: r.input_tokens,
  outputTokens: r.output_tokens,
  cacheTokens: r.cache_tokens,
  draftTokens: r.draft_tokens,
  draftAccTokens: r.draft_acc_tokens,
  promptTps: r.prompt_tps,
  genTps: r.gen_tps,
  ttftMs: r.ttft_ms,
  promptMs: r.prompt_ms,
  durationMs: r.duration_ms,
  error: r.error,
  hasCapture: r.has_capture,
  metadata: r.metadata,
});

export type ActivitySort = 'ts' | 'duration' | 'ttft' | 'inputTokens' | 'outputTokens' | 'promptTps' | 'genTps';

/** Sort keys → SQL; speeds and TTFT are nullable, so they sort as -1 to keep keyset pagination total. */
const SORT_SQL: Record<ActivitySort, { expr: string; cast: string }> = {
  ts: { expr: 'ts', cast: 'timestamptz' },
  duration: { expr: 'duration_ms', cast: 'integer' },
  ttft: { expr: 'COALESCE(ttft_ms, -1)', cast: 'float8' },
  inputTokens: { expr: 'input_tokens', cast: 'integer' },
  outputTokens: { expr: 'output_tokens', cast: 'integer' },
  promptTps: { expr: 'COALESCE(prompt_tps, -1)', cast: 'float8' },
  genTps: { expr: 'COALESCE(gen_tps, -1)', cast: 'float8' },
};

export interface ActivityFilter {
  hosts?: string[];
  models?: string[];
  status?: 'ok' | 'error' | number;
  from?: Date;
  to?: Date;
  text?: string;
  /** Rows joined to gateway requests of these consumers (and this session). */
  consumers?: string[];
  session?: string;
}

export interface GatewayAttribution {
  consumer: string;
  session: string | null;
  routeReason: string;
  overheadMs: number;
}

export interface ActivityPageQuery extends ActivityFilter {
  sort: ActivitySort;
  order: 'asc' | 'desc';
  limit: number;
  /** Keyset position: the sort value and id of the last row of the previous page. */
  after?: { v: string | number; id: number };
}

export interface ActivityStatsRow {
  hostId: string;
  model: string;
  count: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  promptP50: number | null;
  promptP95: number | null;
  genP50: number | null;
  genP95: number | null;
  ttftP50: number | null;
  ttftP95: number | null;
  cacheHits: number;
  cacheTokens: number;
  lastTs: Date;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function whereOf(f: ActivityFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.hosts?.length) where.push(`host_id = ANY(${p(f.hosts)}::text[])`);
  if (f.models?.length) where.push(`model = ANY(${p(f.models)}::text[])`);
  if (f.status === 'ok') where.push('status BETWEEN 200 AND 299');
  else if (f.status === 'error') where.push('(status < 200 OR status > 299)');
  else if (typeof f.status === 'number') where.push(`status = ${p(f.status)}`);
  if (f.from) where.push(`ts >= ${p(f.from)}`);
  if (f.to) where.push(`ts <= ${p(f.to)}`);
  if (f.consumers?.length || f.session) {
    const g = ['g.activity_id IS NOT NULL'];
    if (f.consumers?.length) g.push(`g.consumer = ANY(${p(f.consumers)}::text[])`);
    if (f.session) g.push(`g.session = ${p(f.session)}`);
    where.push(`id IN (SELECT g.activity_id FROM control_gateway_requests g WHERE ${g.join(' AND ')})`);
  }
  if (f.text) {
    const q = p(`%${likeEscape(f.text)}%`);
    where.push(`(model ILIKE ${q} OR req_path ILIKE ${q} OR error ILIKE ${q} OR host_id ILIKE ${q})`);
  }
  return where;
}

export class ActivityRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Inserts a batch; rows already stored (same host, epoch and upstream id) are skipped by the
   * UNIQUE constraint. Returns only the rows that were new, which is what goes out live.
   */
  async insertMany(rows: ActivityInsert[]): Promise<StoredActivity[]> {
    if (rows.length === 0) return [];
    const col = <T>(f: (r: ActivityInsert) => T) => rows.map(f);
    const r = await this.db.query<ActivityRow>(
      `INSERT INTO control_activity (host_id, epoch, upstream_id, ts, model, req_path, status, content_type,
         input_tokens, output_tokens, cache_tokens, draft_tokens, draft_acc_tokens, prompt_tps, gen_tps,
         duration_ms, error, has_capture, metadata, ttft_ms, prompt_ms)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::int[], $8::text[],
         $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], $14::float8[], $15::float8[], $16::int[], $17::text[], $18::bool[], $19::jsonb[],
         $20::float8[], $21::float8[])
       ON CONFLICT (host_id, epoch, upstream_id) DO NOTHING
       RETURNING *`,
      [
        col((r) => r.hostId),
        col((r) => r.epoch),
        col((r) => r.rec.upstreamId),
        col((r) => r.rec.ts.toISOString()),
        col((r) => r.rec.model),
        col((r) => r.rec.path),
        col((r) => r.rec.status),
        col((r) => r.rec.contentType),
        col((r) => clampInt(r.rec.inputTokens)),
        col((r) => clampInt(r.rec.outputTokens)),
        col((r) => clampInt(r.rec.cacheTokens)),
        col((r) => clampInt(r.rec.draftTokens)),
        col((r) => clampInt(r.rec.draftAccTokens)),
        col((r) => r.rec.promptTps),
        col((r) => r.rec.genTps),
        col((r) => clampInt(r.rec.durationMs)),
        col((r) => r.rec.error),
        col((r) => r.rec.hasCapture),
        col((r) => (r.rec.metadata ? JSON.stringify(r.rec.metadata) : null)),
        col((r) => r.rec.ttftMs),
        col((r) => r.rec.promptMs),
      ],
    );
    return r.rows.map(toStored).sort((a, b) => a.id - b.id);
  }

  /** The newest stored row of a host's epoch: where its connector resumes after a control restart. */
  async lastOf(hostId: string, epoch: number): Promise<StoredActivity | undefined> {
    const r = await this.db.query<ActivityRow>('SELECT * FROM control_activity WHERE host_id = $1 AND epoch = $2 ORDER BY upstream_id DESC LIMIT 1', [hostId, epoch]);
    return r.rows[0] ? toStored(r.rows[0]) : undefined;
  }

  async get(id: number): Promise<StoredActivity | undefined> {
    const r = await this.db.query<ActivityRow>('SELECT * FROM control_activity WHERE id = $1', [id]);
    return r.rows[0] ? toStored(r.rows[0]) : undefined;
  }

  async latest(limit: number): Promise<StoredActivity[]> {
    const r = await this.db.query<ActivityRow>('SELECT * FROM control_activity ORDER BY ts DESC, id DESC LIMIT $1', [limit]);
    return r.rows.map(toStored);
  }

  async page(q: ActivityPageQuery): Promise<StoredActivity[]> {
    const params: unknown[] = [];
    const where = whereOf(q, params);
    const s = SORT_SQL[q.sort];
    const cmp = q.order === 'desc' ? '<' : '>';
    if (q.after) {
      params.push(q.after.v, q.after.id);
      where.push(`(${s.expr}, id) ${cmp} ($${params.length - 1}::${s.cast}, $${params.length}::bigint)`);
    }
    params.push(q.limit);
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    const r = await this.db.query<ActivityRow>(
      `SELECT * FROM control_activity ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${s.expr} ${dir}, id ${dir} LIMIT $${params.length}`,
      params,
    );
    return r.rows.map(toStored);
  }

  /** Per host and model: counts, tokens, p50/p95 speeds and TTFT, cache hits over the filter. */
  async stats(f: ActivityFilter): Promise<ActivityStatsRow[]> {
    const params: unknown[] = [];
    const where = whereOf(f, params);
    const r = await this.db.query<{
      host_id: string;
      model: string;
      count: number;
      errors: number;
      input_tokens: number;
      output_tokens: number;
      prompt_p50: number | null;
      prompt_p95: number | null;
      gen_p50: number | null;
      gen_p95: number | null;
      ttft_p50: number | null;
      ttft_p95: number | null;
      cache_hits: number;
      cache_tokens: number;
      last_ts: Date;
    }>(
      `SELECT host_id, model, count(*)::int AS count,
         count(*) FILTER (WHERE status < 200 OR status > 299)::int AS errors,
         COALESCE(sum(input_tokens), 0)::float8 AS input_tokens, COALESCE(sum(output_tokens), 0)::float8 AS output_tokens,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY prompt_tps) AS prompt_p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY prompt_tps) AS prompt_p95,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY gen_tps) AS gen_p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY gen_tps) AS gen_p95,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p95,
         count(*) FILTER (WHERE cache_tokens > 0)::int AS cache_hits,
         COALESCE(sum(cache_tokens) FILTER (WHERE cache_tokens > 0), 0)::float8 AS cache_tokens,
         max(ts) AS last_ts
       FROM control_activity ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       GROUP BY host_id, model ORDER BY host_id, model`,
      params,
    );
    return r.rows.map((x) => ({
      hostId: x.host_id,
      model: x.model,
      count: x.count,
      errors: x.errors,
      inputTokens: Number(x.input_tokens),
      outputTokens: Number(x.output_tokens),
      promptP50: x.prompt_p50,
      promptP95: x.prompt_p95,
      genP50: x.gen_p50,
      genP95: x.gen_p95,
      ttftP50: x.ttft_p50,
      ttftP95: x.ttft_p95,
      cacheHits: x.cache_hits,
      cacheTokens: Number(x.cache_tokens),
      lastTs: new Date(x.last_ts),
    }));
  }

  /** The gateway request joined to each of these rows, if any (consumer, session, route, overhead). */
  async gatewayOf(ids: readonly number[]): Promise<Map<number, GatewayAttribution>> {
    if (ids.length === 0) return new Map();
    const r = await this.db.query<{ activity_id: string; consumer: string; session: string | null; route_reason: string; overhead_ms: number }>(
      'SELECT activity_id, consumer, session, route_reason, overhead_ms FROM control_gateway_requests WHERE activity_id = ANY($1::bigint[])',
      [ids],
    );
    return new Map(r.rows.map((x) => [Number(x.activity_id), { consumer: x.consumer, session: x.session, routeReason: x.route_reason, overheadMs: x.overhead_ms }]));
  }

  async setHasCapture(id: number, value: boolean): Promise<void> {
    await this.db.query('UPDATE control_activity SET has_capture = $2 WHERE id = $1', [id, value]);
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const r = await this.db.query('DELETE FROM control_activity WHERE ts < $1', [cutoff]);
    return r.rowCount;
  }

  async countFor(hostId: string): Promise<number> {
    const r = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM control_activity WHERE host_id = $1', [hostId]);
    return r.rows[0]?.n ?? 0;
  }
}

const INT_MAX = 2_147_483_647;
const clampInt = (n: number) => Math.max(-INT_MAX, Math.min(INT_MAX, Math.round(n)));
