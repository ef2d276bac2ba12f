import type { Alert, Delivery, Silence } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

interface AlertRow {
  id: string;
  rule_id: string;
  kind: string;
  severity: Alert['severity'];
  fingerprint: string;
  host_id: string | null;
  subject: string | null;
  summary: string;
  value: number | null;
  state: Alert['state'];
  silenced: boolean;
  started_at: Date;
  resolved_at: Date | null;
}

export interface StoredAlert extends Alert {
  fingerprint: string;
}

const toAlert = (r: AlertRow): StoredAlert => ({
  id: r.id,
  rule: r.rule_id,
  kind: r.kind,
  severity: r.severity,
  fingerprint: r.fingerprint,
  hostId: r.host_id,
  subject: r.subject,
  summary: r.summary,
  value: r.value,
  state: r.state,
  silenced: r.silenced,
  startedAt: new Date(r.started_at).toISOString(),
  resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
});

export interface DueDelivery {
  alert: StoredAlert;
  channel: string;
  event: Alert['state'];
  attempts: number;
}

/** The alert history, its deliveries and silences. */
export class AlertsRepo {
  constructor(private readonly db: Queryable) {}

  /** false when the fingerprint already fires (another control, or a race): nothing is written then. */
  async insertFiring(a: StoredAlert): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO control_alerts (id, rule_id, kind, severity, fingerprint, host_id, subject, summary, value, state, silenced, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'firing', $10, $11)
       ON CONFLICT (fingerprint) WHERE state = 'firing' DO NOTHING`,
      [a.id, a.rule, a.kind, a.severity, a.fingerprint, a.hostId, a.subject, a.summary, a.value, a.silenced, a.startedAt],
    );
    return r.rowCount === 1;
  }

  async resolve(id: string, at: Date): Promise<boolean> {
    const r = await this.db.query(`UPDATE control_alerts SET state = 'resolved', resolved_at = $2 WHERE id = $1 AND state = 'firing'`, [id, at]);
    return r.rowCount === 1;
  }

  async firing(): Promise<StoredAlert[]> {
    const r = await this.db.query<AlertRow>(`SELECT * FROM control_alerts WHERE state = 'firing' ORDER BY started_at`);
    return r.rows.map(toAlert);
  }

  async history(limit: number): Promise<StoredAlert[]> {
    const r = await this.db.query<AlertRow>('SELECT * FROM control_alerts ORDER BY started_at DESC, id DESC LIMIT $1', [limit]);
    return r.rows.map(toAlert);
  }

  async get(id: string): Promise<StoredAlert | undefined> {
    const r = await this.db.query<AlertRow>('SELECT * FROM control_alerts WHERE id = $1', [id]);
    return r.rows[0] ? toAlert(r.rows[0]) : undefined;
  }

  async deleteResolvedOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.query(`DELETE FROM control_alerts WHERE state = 'resolved' AND resolved_at < $1`, [cutoff])).rowCount;
  }

  // ── deliveries ──
  async addDeliveries(alertId: string, channels: string[], event: Alert['state']): Promise<void> {
    if (channels.length === 0) return;
    await this.db.query(
      `INSERT INTO control_alert_deliveries (alert_id, channel, event) SELECT $1, c, $3 FROM unnest($2::text[]) AS c ON CONFLICT DO NOTHING`,
      [alertId, channels, event],
    );
  }

  async due(now: Date, limit: number): Promise<DueDelivery[]> {
    const r = await this.db.query<AlertRow & { channel: string; event: Alert['state']; attempts: number }>(
      `SELECT a.*, d.channel, d.event, d.attempts FROM control_alert_deliveries d JOIN control_alerts a ON a.id = d.alert_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at LIMIT $2`,
      [now, limit],
    );
    return r.rows.map((x) => ({ alert: toAlert(x), channel: x.channel, event: x.event, attempts: x.attempts }));
  }

  async markSent(alertId: string, channel: string, event: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE control_alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = $4, last_error = NULL WHERE alert_id = $1 AND channel = $2 AND event = $3`,
      [alertId, channel, event, at],
    );
  }

  /** One more failed attempt: retried at `next`, or given up (`failed`) when next is null. */
  async markFailed(alertId: string, channel: string, event: string, error: string, next: Date | null): Promise<void> {
    await this.db.query(
      `UPDATE control_alert_deliveries SET attempts = attempts + 1, last_error = $4, status = CASE WHEN $5::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
         next_attempt_at = COALESCE($5::timestamptz, next_attempt_at) WHERE alert_id = $1 AND channel = $2 AND event = $3`,
      [alertId, channel, event, error.slice(0, 500), next],
    );
  }

  async deliveries(alertId: string): Promise<Delivery[]> {
    const r = await this.db.query<{ channel: string; event: Alert['state']; status: Delivery['status']; attempts: number; last_error: string | null; sent_at: Date | null }>(
      'SELECT channel, event, status, attempts, last_error, sent_at FROM control_alert_deliveries WHERE alert_id = $1 ORDER BY created_at, channel, event',
      [alertId],
    );
    return r.rows.map((x) => ({ channel: x.channel, event: x.event, status: x.status, attempts: x.attempts, lastError: x.last_error, sentAt: x.sent_at ? new Date(x.sent_at).toISOString() : null }));
  }

  // ── silences ──
  async addSilence(s: Silence): Promise<void> {
    await this.db.query('INSERT INTO control_alert_silences (id, rule_id, host_id, comment, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6)', [s.id, s.rule, s.hostId, s.comment, s.startsAt, s.endsAt]);
  }

  async activeSilences(now: Date): Promise<Silence[]> {
    const r = await this.db.query<{ id: string; rule_id: string | null; host_id: string | null; comment: string; starts_at: Date; ends_at: Date }>(
      'SELECT * FROM control_alert_silences WHERE ends_at > $1 ORDER BY ends_at',
      [now],
    );
    return r.rows.map((x) => ({ id: x.id, rule: x.rule_id, hostId: x.host_id, comment: x.comment, startsAt: new Date(x.starts_at).toISOString(), endsAt: new Date(x.ends_at).toISOString() }));
  }

  async deleteSilence(id: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM control_alert_silences WHERE id = $1', [id])).rowCount === 1;
  }
}
