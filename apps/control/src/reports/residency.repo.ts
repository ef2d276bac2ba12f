import type { ModelState } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

export interface ResidencyTransition {
  id: number;
  hostId: string;
  model: string;
  from: ModelState;
  to: ModelState;
  at: Date;
  loadMs: number | null;
  /** for `starting`: who asked (filled from jobs and activity) */
  jobId: string | null;
  jobType: string | null;
  traffic: boolean;
  gateway: boolean;
}

/** A request that arrives within this window after a load started is taken as what caused it. */
const TRIGGER_WINDOW = `interval '10 minutes'`;
const TRIGGER_SLACK = `interval '5 seconds'`;

/**
 * Read-only queries for the residency timeline: model transitions (and the state each model was
 * in when the range began), with the job or request that started each load.
 */
export class ResidencyRepo {
  constructor(private readonly db: Queryable) {}

  /** The newest `limit` transitions in [from, to), oldest first; `truncated` when more exist. */
  async transitions(hosts: string[] | undefined, from: Date, to: Date, limit: number): Promise<{ rows: ResidencyTransition[]; truncated: boolean }> {
    const params: unknown[] = [from, to, limit + 1];
    const hostSql = hosts?.length ? `AND t.host_id = ANY($${params.push(hosts)}::text[])` : '';
    const r = await this.db.query<{
      id: number;
      host_id: string;
      model: string;
      from_state: ModelState;
      to_state: ModelState;
      at: Date;
      load_ms: number | null;
      job_id: string | null;
      job_type: string | null;
      traffic: boolean | null;
      gateway: boolean | null;
    }>(
      `SELECT t.id, t.host_id, t.model, t.from_state, t.to_state, t.at, t.load_ms, j.id AS job_id, j.job_type,
         CASE WHEN t.to_state = 'starting' THEN EXISTS (
           SELECT 1 FROM control_activity a WHERE a.host_id = t.host_id AND a.model = t.model
             AND a.ts >= t.at - ${TRIGGER_SLACK} AND a.ts <= t.at + ${TRIGGER_WINDOW}) END AS traffic,
         CASE WHEN t.to_state = 'starting' THEN EXISTS (
           SELECT 1 FROM control_activity a WHERE a.host_id = t.host_id AND a.model = t.model
             AND a.ts >= t.at - ${TRIGGER_SLACK} AND a.ts <= t.at + ${TRIGGER_WINDOW} AND a.metadata ? 'gateway') END AS gateway
       FROM control_model_transitions t
       LEFT JOIN LATERAL (
         SELECT id, job_type FROM control_jobs c
         WHERE t.to_state = 'starting' AND c.host_id = t.host_id AND c.started_at IS NOT NULL
           AND c.started_at <= t.at + ${TRIGGER_SLACK} AND (c.finished_at IS NULL OR c.finished_at >= t.at - ${TRIGGER_SLACK})
         ORDER BY c.started_at DESC LIMIT 1
       ) j ON true
       WHERE t.at >= $1 AND t.at < $2 ${hostSql}
       ORDER BY t.at DESC, t.id DESC LIMIT $3`,
      params,
    );
    const truncated = r.rows.length > limit;
    const rows = r.rows.slice(0, limit).reverse();
    return {
      truncated,
      rows: rows.map((x) => ({
        id: x.id,
        hostId: x.host_id,
        model: x.model,
        from: x.from_state,
        to: x.to_state,
        at: new Date(x.at),
        loadMs: x.load_ms,
        jobId: x.job_id,
        jobType: x.job_type,
        traffic: x.traffic ?? false,
        gateway: x.gateway ?? false,
      })),
    };
  }

  /**
   * Each model's state just before `at` (its last transition before it). A skip scan over the
   * (host, model, at) unique index finds the pairs, then one index probe each finds the latest
   * transition: months of transitions are never sorted.
   */
  async statesAt(hosts: string[] | undefined, at: Date): Promise<Array<{ hostId: string; model: string; state: ModelState; since: Date }>> {
    const params: unknown[] = [at];
    const hostSql = (alias: string) => (hosts?.length ? `AND ${alias}.host_id = ANY($2::text[])` : '');
    if (hosts?.length) params.push(hosts);
    const r = await this.db.query<{ host_id: string; model: string; to_state: ModelState; at: Date }>(
      `WITH RECURSIVE pairs AS (
         (SELECT t.host_id, t.model FROM control_model_transitions t WHERE true ${hostSql('t')} ORDER BY t.host_id, t.model LIMIT 1)
         UNION ALL
         SELECT n.host_id, n.model FROM pairs p CROSS JOIN LATERAL (
           SELECT t.host_id, t.model FROM control_model_transitions t
           WHERE (t.host_id, t.model) > (p.host_id, p.model) ${hostSql('t')} ORDER BY t.host_id, t.model LIMIT 1
         ) n
       )
       SELECT p.host_id, p.model, l.to_state, l.at FROM pairs p CROSS JOIN LATERAL (
         SELECT to_state, at FROM control_model_transitions t WHERE t.host_id = p.host_id AND t.model = p.model AND t.at < $1
         ORDER BY t.at DESC, t.id DESC LIMIT 1
       ) l`,
      params,
    );
    return r.rows.map((x) => ({ hostId: x.host_id, model: x.model, state: x.to_state, since: new Date(x.at) }));
  }
}
