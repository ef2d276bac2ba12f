import type { Queryable } from '../db/db';

export interface LeaseRow {
  hostId: string;
  owner: string;
  purpose: string;
  /** Fencing token: grows on every grant; a write carrying an older one is from a lost holder. */
  token: number;
  acquiredAt: string;
  expiresAt: string;
}

interface Row {
  host_id: string;
  owner: string;
  purpose: string;
  token: string | number;
  acquired_at: Date;
  expires_at: Date;
}

const toLease = (r: Row): LeaseRow => ({
  hostId: r.host_id,
  owner: r.owner,
  purpose: r.purpose,
  token: Number(r.token),
  acquiredAt: r.acquired_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
});

/** SQL of control_leases. Every decision is one statement, so two processes can never both win. */
export class LeaseRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Grants the lease when it is free, expired, or already this owner's (a re-grant gets a new
   * token). Returns the grant, or undefined when someone else holds it.
   */
  async tryAcquire(hostId: string, owner: string, purpose: string, ttlMs: number): Promise<LeaseRow | undefined> {
    const r = await this.db.query<Row>(
      `INSERT INTO control_leases (host_id, owner, purpose, token, acquired_at, expires_at)
       VALUES ($1, $2, $3, nextval('control_lease_fence'), now(), now() + ($4::int * interval '1 millisecond'))
       ON CONFLICT (host_id) DO UPDATE SET owner = EXCLUDED.owner, purpose = EXCLUDED.purpose, token = EXCLUDED.token,
         acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
       WHERE control_leases.expires_at <= now() OR control_leases.owner = EXCLUDED.owner
       RETURNING *`,
      [hostId, owner, purpose, Math.round(ttlMs)],
    );
    return r.rows[0] ? toLease(r.rows[0]) : undefined;
  }

  /** Extends a held lease; false when it was lost (expired and taken, or released). */
  async renew(hostId: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE control_leases SET expires_at = now() + ($4::int * interval '1 millisecond')
       WHERE host_id = $1 AND owner = $2 AND token = $3 AND expires_at > now()`,
      [hostId, owner, token, Math.round(ttlMs)],
    );
    return r.rowCount > 0;
  }

  async release(hostId: string, token: number): Promise<boolean> {
    return (await this.db.query('DELETE FROM control_leases WHERE host_id = $1 AND token = $2', [hostId, token])).rowCount > 0;
  }

  /** The current, unexpired holder of a host's lease. */
  async holder(hostId: string): Promise<LeaseRow | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM control_leases WHERE host_id = $1 AND expires_at > now()', [hostId]);
    return r.rows[0] ? toLease(r.rows[0]) : undefined;
  }

  async list(): Promise<LeaseRow[]> {
    const r = await this.db.query<Row>('SELECT * FROM control_leases WHERE expires_at > now() ORDER BY host_id');
    return r.rows.map(toLease);
  }
}
