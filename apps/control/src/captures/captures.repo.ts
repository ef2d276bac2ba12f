import type { Queryable } from '../db/db';

export interface StoredCapture {
  activityId: number;
  hostId: string;
  sizeBytes: number;
  truncated: boolean;
  reqPath: string;
  reqHeaders: Record<string, string>;
  reqBody: string | null;
  respHeaders: Record<string, string>;
  respBody: string | null;
  fetchedAt: Date;
}

interface Row {
  activity_id: number;
  host_id: string;
  size_bytes: number;
  truncated: boolean;
  req_path: string;
  req_headers: Record<string, string> | null;
  req_body: string | null;
  resp_headers: Record<string, string> | null;
  resp_body: string | null;
  fetched_at: Date;
}

export class CapturesRepo {
  constructor(private readonly db: Queryable) {}

  async get(activityId: number): Promise<StoredCapture | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM control_captures WHERE activity_id = $1', [activityId]);
    const x = r.rows[0];
    if (!x) return undefined;
    return {
      activityId: x.activity_id,
      hostId: x.host_id,
      sizeBytes: x.size_bytes,
      truncated: x.truncated,
      reqPath: x.req_path,
      reqHeaders: x.req_headers ?? {},
      reqBody: x.req_body,
      respHeaders: x.resp_headers ?? {},
      respBody: x.resp_body,
      fetchedAt: new Date(x.fetched_at),
    };
  }

  async insert(c: Omit<StoredCapture, 'fetchedAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO control_captures (activity_id, host_id, size_bytes, truncated, req_path, req_headers, req_body, resp_headers, resp_body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (activity_id) DO NOTHING`,
      [c.activityId, c.hostId, c.sizeBytes, c.truncated, c.reqPath, JSON.stringify(c.reqHeaders), c.reqBody, JSON.stringify(c.respHeaders), c.respBody],
    );
  }

  /** Keeps the newest captures whose sizes add up to at most `budgetBytes`; deletes the rest. */
  async enforceBudget(budgetBytes: number): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM control_captures WHERE activity_id IN (
         SELECT activity_id FROM (
           SELECT activity_id, sum(size_bytes) OVER (ORDER BY fetched_at DESC, activity_id DESC) AS cum FROM control_captures
         ) x WHERE cum > $1)`,
      [budgetBytes],
    );
    return r.rowCount;
  }

  async totalBytes(): Promise<number> {
    const r = await this.db.query<{ n: number }>('SELECT COALESCE(sum(size_bytes), 0)::float8 AS n FROM control_captures');
    return Number(r.rows[0]?.n ?? 0);
  }
}
