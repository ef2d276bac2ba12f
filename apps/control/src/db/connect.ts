import type { Db } from './db';
import { createPgDb } from './pg';
import { createPgliteDb } from './pglite';
import { createPgliteWorkerDb } from './pglite-thread';
import { applySchema } from './schema';
import { backoffDelay, sleep } from '../lib/backoff';

export interface DbState {
  db: Db;
  /** True once the schema is applied and the last probe succeeded. */
  ok: boolean;
  schemaApplied: boolean;
  error?: string;
}

export interface DbLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Where the embedded PGlite runs: its own worker thread (the default) or control's thread. */
export type PgliteThread = 'worker' | 'main';

export async function openDb(databaseUrl: string | undefined, pgliteDir: string | undefined, log?: DbLogger, pgliteThread: PgliteThread = 'worker'): Promise<Db> {
  if (databaseUrl) return createPgDb({ connectionString: databaseUrl, onError: (err) => log?.warn({ err: err.message }, 'postgres client error') });
  if (pgliteThread === 'main') return createPgliteDb(pgliteDir);
  return createPgliteWorkerDb(pgliteDir, { onExit: (err) => log?.error({ err: err.message }, 'PGlite worker thread died; storage is unavailable until restart') });
}

/**
 * Applies the schema, retrying with backoff while the database is unreachable. Control keeps
 * serving (health says db.ok=false) meanwhile; `state` is updated in place for /health.
 */
export async function prepareDb(state: DbState, log: DbLogger, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; !signal?.aborted; attempt++) {
    try {
      await applySchema(state.db);
      state.ok = true;
      state.schemaApplied = true;
      delete state.error;
      log.info({ backend: state.db.backend }, 'database ready, schema applied');
      return;
    } catch (err) {
      state.ok = false;
      state.error = err instanceof Error ? err.message : String(err);
      const delay = backoffDelay(attempt, { baseMs: 1000, maxMs: 15_000 });
      log.warn({ backend: state.db.backend, attempt, retryInMs: delay, error: state.error }, 'database unavailable at boot; retrying');
      await sleep(delay, signal);
    }
  }
}

/** Cheap liveness probe used by /health. */
export async function probeDb(state: DbState): Promise<void> {
  try {
    if (!state.schemaApplied) return; // prepareDb owns recovery until the schema is in
    await state.db.query('SELECT 1');
    state.ok = true;
    delete state.error;
  } catch (err) {
    state.ok = false;
    state.error = err instanceof Error ? err.message : String(err);
  }
}
