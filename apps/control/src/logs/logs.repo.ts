import type { Queryable } from '../db/db';

export interface LogChunk {
  hostId: string;
  source: string;
  ts: Date;
  text: string;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** control_logs: flushed log chunks per host × source. */
export class LogsRepo {
  constructor(private readonly db: Queryable) {}

  async insertMany(rows: LogChunk[]): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await this.db.query(
      `INSERT INTO control_logs (host_id, source, ts, text) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])`,
      [rows.map((r) => r.hostId), rows.map((r) => r.source), rows.map((r) => r.ts.toISOString()), rows.map((r) => r.text)],
    );
    return r.rowCount;
  }

  /** The newest chunks of every host × source adding up to about `chars` characters, oldest first. */
  async tails(chars: number, since: Date): Promise<LogChunk[]> {
    const r = await this.db.query<{ host_id: string; source: string; ts: Date; text: string }>(
      `SELECT host_id, source, ts, text FROM (
         SELECT host_id, source, id, ts, text, sum(length(text)) OVER (PARTITION BY host_id, source ORDER BY id DESC) AS cum
         FROM control_logs WHERE ts >= $2
       ) x WHERE cum - length(text) < $1 ORDER BY host_id, source, id`,
      [chars, since],
    );
    return r.rows.map((x) => ({ hostId: x.host_id, source: x.source, ts: new Date(x.ts), text: x.text }));
  }

  /** Chunks of a host (one source or all) in [from, to] containing `q` (case-insensitive), oldest first. */
  async search(hostId: string, q: { text?: string | undefined; source?: string | undefined; from: Date; to: Date; limit: number }): Promise<LogChunk[]> {
    const params: unknown[] = [hostId, q.from, q.to];
    let where = 'host_id = $1 AND ts >= $2 AND ts <= $3';
    if (q.source) where += ` AND source = $${params.push(q.source)}`;
    if (q.text) where += ` AND text ILIKE $${params.push(`%${likeEscape(q.text)}%`)}`;
    params.push(q.limit);
    const r = await this.db.query<{ host_id: string; source: string; ts: Date; text: string }>(
      `SELECT host_id, source, ts, text FROM (SELECT * FROM control_logs WHERE ${where} ORDER BY id DESC LIMIT $${params.length}) x ORDER BY id`,
      params,
    );
    return r.rows.map((x) => ({ hostId: x.host_id, source: x.source, ts: new Date(x.ts), text: x.text }));
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM control_logs WHERE ts < $1', [cutoff])).rowCount;
  }

  /** Keeps the newest `chars` characters of each host × source (whole chunks). */
  async enforceBudget(chars: number): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM control_logs WHERE id IN (
         SELECT id FROM (SELECT id, sum(length(text)) OVER (PARTITION BY host_id, source ORDER BY id DESC) AS cum FROM control_logs) x WHERE cum > $1
       )`,
      [chars],
    );
    return r.rowCount;
  }
}
