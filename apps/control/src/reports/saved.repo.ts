import type { StoredReport } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

export interface SavedReportRow extends StoredReport {
  body: unknown;
}

interface Row {
  id: string;
  kind: StoredReport['kind'];
  title: string;
  schedule: string;
  range_from: Date | null;
  range_to: Date | null;
  created_at: Date;
  delivery: StoredReport['delivery'];
  body?: unknown;
}

const toReport = (r: Row): StoredReport => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  schedule: r.schedule,
  from: r.range_from ? new Date(r.range_from).toISOString() : null,
  to: r.range_to ? new Date(r.range_to).toISOString() : null,
  createdAt: new Date(r.created_at).toISOString(),
  delivery: r.delivery,
});

/** control_reports: stored reports (scheduled or made by hand), body = the report JSON. */
export class SavedReportsRepo {
  constructor(private readonly db: Queryable) {}

  /** false when this schedule's report for the period exists already (another control, a restart). */
  async insert(r: SavedReportRow): Promise<boolean> {
    const res = await this.db.query(
      `INSERT INTO control_reports (id, kind, title, schedule, range_from, range_to, params, body, delivery)
       VALUES ($1, $2, $3, $4, $5, $6, '{}'::jsonb, $7, $8)
       ON CONFLICT (kind, schedule, range_from) WHERE schedule <> 'manual' DO NOTHING`,
      [r.id, r.kind, r.title, r.schedule, r.from, r.to, JSON.stringify(r.body), r.delivery],
    );
    return res.rowCount === 1;
  }

  async exists(kind: string, schedule: string, from: Date): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM control_reports WHERE kind = $1 AND schedule = $2 AND range_from = $3', [kind, schedule, from]);
    return r.rows.length > 0;
  }

  async list(limit: number): Promise<StoredReport[]> {
    const r = await this.db.query<Row>('SELECT id, kind, title, schedule, range_from, range_to, created_at, delivery FROM control_reports ORDER BY created_at DESC, id DESC LIMIT $1', [limit]);
    return r.rows.map(toReport);
  }

  async get(id: string): Promise<SavedReportRow | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM control_reports WHERE id = $1', [id]);
    return r.rows[0] ? { ...toReport(r.rows[0]), body: r.rows[0].body } : undefined;
  }

  async setDelivery(id: string, delivery: StoredReport['delivery']): Promise<void> {
    await this.db.query('UPDATE control_reports SET delivery = $2 WHERE id = $1', [id, delivery]);
  }
}
