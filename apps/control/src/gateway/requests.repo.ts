import type { GatewayRequest, GatewayUsage } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

export interface GatewayRecord {
  ts: Date;
  consumer: string;
  consumerSource: 'key' | 'header' | 'anonymous';
  session: string | null;
  path: string;
  requestedModel: string | null;
  hostId: string | null;
  model: string | null;
  policy: string | null;
  routeReason: string;
  status: number;
  errorCode: string | null;
  stream: boolean;
  attempts: number;
  overheadMs: number;
  waitMs: number;
  upstreamMs: number | null;
  durationMs: number;
}

export interface RequestFilter {
  consumers?: string[] | undefined;
  session?: string | undefined;
  hosts?: string[] | undefined;
  models?: string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

interface Row {
  id: string;
  ts: Date;
  consumer: string;
  consumer_source: 'key' | 'header' | 'anonymous';
  session: string | null;
  req_path: string;
  requested_model: string | null;
  host_id: string | null;
  model: string | null;
  policy: string | null;
  route_reason: string;
  status: number;
  error_code: string | null;
  stream: boolean;
  attempts: number;
  overhead_ms: number;
  wait_ms: number;
  upstream_ms: number | null;
  duration_ms: number;
  activity_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
}

const toRequest = (r: Row): GatewayRequest => ({
  id: String(r.id),
  ts: r.ts.toISOString(),
  consumer: r.consumer,
  consumerSource: r.consumer_source,
  session: r.session,
  path: r.req_path,
  requestedModel: r.requested_model,
  hostId: r.host_id,
  model: r.model,
  policy: r.policy,
  routeReason: r.route_reason,
  status: r.status,
  errorCode: r.error_code,
  stream: r.stream,
  attempts: r.attempts,
  overheadMs: r.overhead_ms,
  waitMs: r.wait_ms,
  upstreamMs: r.upstream_ms,
  durationMs: r.duration_ms,
  activityId: r.activity_id === null ? null : String(r.activity_id),
  inputTokens: r.input_tokens,
  outputTokens: r.output_tokens,
});

function where(f: RequestFilter, params: unknown[]): string {
  const w: string[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.consumers?.length) w.push(`g.consumer = ANY(${p(f.consumers)}::text[])`);
  if (f.session) w.push(`g.session = ${p(f.session)}`);
  if (f.hosts?.length) w.push(`g.host_id = ANY(${p(f.hosts)}::text[])`);
  if (f.models?.length) w.push(`g.model = ANY(${p(f.models)}::text[])`);
  if (f.from) w.push(`g.ts >= ${p(f.from)}`);
  if (f.to) w.push(`g.ts <= ${p(f.to)}`);
  return w.length ? `WHERE ${w.join(' AND ')}` : '';
}

/** SQL of control_gateway_requests; tokens always come from the joined activity row. */
export class RequestsRepo {
  constructor(private readonly db: Queryable) {}

  /** Inserts a batch; returns the new ids in input order. */
  async insertMany(recs: readonly GatewayRecord[]): Promise<number[]> {
    if (recs.length === 0) return [];
    const col = <T>(f: (r: GatewayRecord) => T) => recs.map(f);
    const r = await this.db.query<{ id: string; ord: number }>(
      `INSERT INTO control_gateway_requests (ts, consumer, consumer_source, session, req_path, requested_model, host_id, model, policy,
         route_reason, status, error_code, stream, attempts, overhead_ms, wait_ms, upstream_ms, duration_ms)
       SELECT ts, consumer, cs, session, path, rm, host, model, policy, reason, status, ec, stream, attempts, oh, wait, up, dur
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
         $10::text[], $11::int[], $12::text[], $13::bool[], $14::int[], $15::float8[], $16::float8[], $17::float8[], $18::float8[])
         WITH ORDINALITY AS v(ts, consumer, cs, session, path, rm, host, model, policy, reason, status, ec, stream, attempts, oh, wait, up, dur, ord)
       ORDER BY ord
       RETURNING id`,
      [
        col((x) => x.ts.toISOString()),
        col((x) => x.consumer),
        col((x) => x.consumerSource),
        col((x) => x.session),
        col((x) => x.path),
        col((x) => x.requestedModel),
        col((x) => x.hostId),
        col((x) => x.model),
        col((x) => x.policy),
        col((x) => x.routeReason),
        col((x) => x.status),
        col((x) => x.errorCode),
        col((x) => x.stream),
        col((x) => x.attempts),
        col((x) => x.overheadMs),
        col((x) => x.waitMs),
        col((x) => x.upstreamMs),
        col((x) => x.durationMs),
      ],
    );
    return r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
  }

  /** Joins requests to activity rows ([request id, activity id] pairs). */
  async link(pairs: ReadonlyArray<readonly [number, number]>): Promise<number> {
    if (pairs.length === 0) return 0;
    const r = await this.db.query(
      `UPDATE control_gateway_requests g SET activity_id = v.a FROM unnest($1::bigint[], $2::bigint[]) AS v(id, a)
       WHERE g.id = v.id AND g.activity_id IS NULL AND NOT EXISTS (SELECT 1 FROM control_gateway_requests o WHERE o.activity_id = v.a)`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    return r.rowCount;
  }

  async list(f: RequestFilter, limit: number): Promise<GatewayRequest[]> {
    const params: unknown[] = [];
    const w = where(f, params);
    const r = await this.db.query<Row>(
      `SELECT g.*, a.input_tokens, a.output_tokens FROM control_gateway_requests g
       LEFT JOIN control_activity a ON a.id = g.activity_id ${w} ORDER BY g.ts DESC, g.id DESC LIMIT $${params.push(limit)}`,
      params,
    );
    return r.rows.map(toRequest);
  }

  /** Requests and tokens per consumer, host and model; tokens only from joined activity rows. */
  async usage(f: RequestFilter): Promise<GatewayUsage['groups']> {
    const params: unknown[] = [];
    const w = where(f, params);
    const r = await this.db.query<{ consumer: string; host_id: string | null; model: string | null; requests: number; errors: number; joined: number; input: number; output: number }>(
      `SELECT g.consumer, g.host_id, g.model, count(*)::int AS requests,
         count(*) FILTER (WHERE g.status < 200 OR g.status > 299)::int AS errors,
         count(a.id)::int AS joined,
         COALESCE(sum(a.input_tokens), 0)::float8 AS input, COALESCE(sum(a.output_tokens), 0)::float8 AS output
       FROM control_gateway_requests g LEFT JOIN control_activity a ON a.id = g.activity_id ${w}
       GROUP BY g.consumer, g.host_id, g.model ORDER BY g.consumer, g.host_id NULLS FIRST, g.model NULLS FIRST`,
      params,
    );
    return r.rows.map((x) => ({ consumer: x.consumer, hostId: x.host_id, model: x.model, requests: x.requests, errors: x.errors, joined: x.joined, inputTokens: Number(x.input), outputTokens: Number(x.output) }));
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM control_gateway_requests WHERE ts < $1', [cutoff])).rowCount;
  }
}
