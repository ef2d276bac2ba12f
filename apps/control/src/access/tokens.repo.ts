import type { ApiToken, Scope } from '@boocontrol/contracts';
import { TOKEN_PREFIX } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

interface TokenRow {
  id: string;
  label: string;
  scopes: string[];
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A stored token as control uses it (the hash stays in SQL; nothing reads it back). */
export interface StoredToken {
  id: string;
  label: string;
  scopes: Scope[];
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = 'id, label, scopes, created_by, created_at, expires_at, last_used_at, revoked_at';

const toStored = (r: TokenRow): StoredToken => ({
  id: r.id,
  label: r.label,
  // A scope an older build stored that this one does not know grants nothing.
  scopes: r.scopes.filter((s): s is Scope => s === 'read' || s === 'act' || s === 'admin'),
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export function tokenStatus(t: StoredToken, now: Date): ApiToken['status'] {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && t.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function toApiToken(t: StoredToken, now: Date): ApiToken {
  return {
    id: t.id,
    label: t.label,
    scopes: t.scopes,
    prefix: `${TOKEN_PREFIX}${t.id}`,
    status: tokenStatus(t, now),
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    createdBy: t.createdBy,
  };
}

export interface NewToken {
  id: string;
  label: string;
  scopes: Scope[];
  hash: string;
  createdBy: string | null;
  expiresAt: Date | null;
}

export class TokensRepo {
  constructor(private readonly db: Queryable) {}

  async insert(t: NewToken): Promise<StoredToken> {
    const r = await this.db.query<TokenRow>(
      `INSERT INTO control_api_tokens (id, label, scopes, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [t.id, t.label, t.scopes, t.hash, t.createdBy, t.expiresAt],
    );
    return toStored(r.rows[0]!);
  }

  async byHash(hash: string): Promise<StoredToken | undefined> {
    const r = await this.db.query<TokenRow>(`SELECT ${COLUMNS} FROM control_api_tokens WHERE token_hash = $1`, [hash]);
    return r.rows[0] ? toStored(r.rows[0]) : undefined;
  }

  async get(id: string): Promise<StoredToken | undefined> {
    const r = await this.db.query<TokenRow>(`SELECT ${COLUMNS} FROM control_api_tokens WHERE id = $1`, [id]);
    return r.rows[0] ? toStored(r.rows[0]) : undefined;
  }

  /** Newest first. */
  async list(): Promise<StoredToken[]> {
    const r = await this.db.query<TokenRow>(`SELECT ${COLUMNS} FROM control_api_tokens ORDER BY created_at DESC, id`);
    return r.rows.map(toStored);
  }

  /** Marks a token revoked (the row stays for the audit trail); a second revoke keeps the first time. */
  async revoke(id: string, at: Date): Promise<StoredToken | undefined> {
    const r = await this.db.query<TokenRow>(`UPDATE control_api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`, [id, at]);
    return r.rows[0] ? toStored(r.rows[0]) : undefined;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.query('UPDATE control_api_tokens SET last_used_at = GREATEST(COALESCE(last_used_at, $2), $2) WHERE id = $1', [id, at]);
  }

  /** Whether some admin token is neither revoked nor expired (the bootstrap decides on it). */
  async hasActiveAdmin(now: Date): Promise<boolean> {
    const r = await this.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM control_api_tokens WHERE 'admin' = ANY(scopes) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)",
      [now],
    );
    return (r.rows[0]?.n ?? 0) > 0;
  }
}
