import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db';

export const SCHEMA_PATH = fileURLToPath(new URL('../../../../schema.sql', import.meta.url));
/** Shared by every process that owns tables in one database; any fixed 64-bit number works. */
export const SCHEMA_LOCK_KEY = 7_350_313_003;

/**
 * Applies schema.sql under a session advisory lock so that several schema owners sharing one
 * database can start in any order without racing on CREATE … IF NOT EXISTS (which is not
 * race-free in Postgres). The lock and the DDL run in one transaction: pg_advisory_xact_lock
 * is released at COMMIT, so a crash can never leave it held.
 */
export async function applySchema(db: Db, sql = readFileSync(SCHEMA_PATH, 'utf8')): Promise<void> {
  await db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    for (const stmt of splitSql(sql)) await q.query(stmt);
  });
}

/** Splits on semicolons that end a line; schema.sql keeps to that rule (no functions/DO blocks). */
export function splitSql(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}
