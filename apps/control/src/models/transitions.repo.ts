import type { ModelState } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

export interface TransitionInsert {
  hostId: string;
  epoch: number;
  model: string;
  from: ModelState;
  to: ModelState;
  at: Date;
  loadMs: number | null;
}

export interface StoredTransition extends TransitionInsert {
  id: number;
}

export class TransitionsRepo {
  constructor(private readonly db: Queryable) {}

  async insertMany(rows: TransitionInsert[]): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await this.db.query(
      `INSERT INTO control_model_transitions (host_id, epoch, model, from_state, to_state, at, load_ms)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[])
       ON CONFLICT (host_id, model, at, to_state) DO NOTHING`,
      [
        rows.map((r) => r.hostId),
        rows.map((r) => r.epoch),
        rows.map((r) => r.model),
        rows.map((r) => r.from),
        rows.map((r) => r.to),
        rows.map((r) => r.at.toISOString()),
        rows.map((r) => r.loadMs),
      ],
    );
    return r.rowCount;
  }

  async list(hostId: string, q: { from?: Date; to?: Date; model?: string; limit: number }): Promise<StoredTransition[]> {
    const params: unknown[] = [hostId];
    const where = ['host_id = $1'];
    if (q.from) where.push(`at >= $${params.push(q.from)}`);
    if (q.to) where.push(`at <= $${params.push(q.to)}`);
    if (q.model) where.push(`model = $${params.push(q.model)}`);
    params.push(q.limit);
    const r = await this.db.query<{ id: number; host_id: string; epoch: number; model: string; from_state: ModelState; to_state: ModelState; at: Date; load_ms: number | null }>(
      `SELECT * FROM control_model_transitions WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map((x) => ({ id: x.id, hostId: x.host_id, epoch: x.epoch, model: x.model, from: x.from_state, to: x.to_state, at: new Date(x.at), loadMs: x.load_ms }));
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM control_model_transitions WHERE at < $1', [cutoff])).rowCount;
  }
}

export interface LoadStat {
  hostId: string;
  model: string;
  medianLoadMs: number;
}

export class LoadStatsRepo {
  constructor(private readonly db: Queryable) {}

  /** Median observed load time (starting → ready) per host and model since `since`. */
  async medianLoads(since: Date): Promise<LoadStat[]> {
    const r = await this.db.query<{ host_id: string; model: string; m: number }>(
      `SELECT host_id, model, percentile_cont(0.5) WITHIN GROUP (ORDER BY load_ms) AS m
       FROM control_model_transitions WHERE load_ms IS NOT NULL AND at >= $1 GROUP BY host_id, model`,
      [since],
    );
    return r.rows.map((x) => ({ hostId: x.host_id, model: x.model, medianLoadMs: Math.round(x.m) }));
  }
}
