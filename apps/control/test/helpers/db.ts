import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/db/db';
import { createPgDb } from '../../src/db/pg';
import { createPgliteDb } from '../../src/db/pglite';
import { createPgliteWorkerDb } from '../../src/db/pglite-thread';
import { applySchema } from '../../src/db/schema';

export interface TestDb {
  db: Db;
  /** The database's URL on Postgres (a second process can open it); undefined on PGlite. */
  url?: string;
  /** Drops whatever the test created (the whole database on Postgres). */
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  create(opts?: { schema?: boolean }): Promise<TestDb>;
}

/**
 * Storage tests run PGlite in-process by default (they time nothing, and a worker per test costs
 * a thread and a second start-up); TEST_PGLITE_THREAD=worker runs every one of them through the
 * worker thread control uses by default. pglite-worker.test.ts compares the two directly.
 */
const pgliteBackend: Backend = {
  name: 'pglite',
  async create(opts = {}) {
    const db = process.env.TEST_PGLITE_THREAD === 'worker' ? await createPgliteWorkerDb() : await createPgliteDb();
    if (opts.schema !== false) await applySchema(db);
    return { db, cleanup: () => db.close() };
  },
};

/** A fresh, uniquely named database on the server in `url`; `drop()` removes it (tests, benches). */
export async function scratchPostgres(url: string, prefix = 'boo_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Each test gets its own Postgres database, created from the server in TEST_DATABASE_URL. */
function postgresBackend(url: string): Backend {
  return {
    name: 'postgres',
    async create(opts = {}) {
      const scratch = await scratchPostgres(url);
      const db = createPgDb({ connectionString: scratch.url, max: 4 });
      if (opts.schema !== false) await applySchema(db);
      return {
        db,
        url: scratch.url,
        async cleanup() {
          await db.close();
          await scratch.drop();
        },
      };
    },
  };
}

/**
 * The backends a storage test runs on: PGlite always; real Postgres when TEST_DATABASE_URL is
 * set (.ci/run sets it). Use with describe.each(backends()).
 */
export function backends(): Backend[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pgliteBackend, postgresBackend(url)] : [pgliteBackend];
}

export function postgresUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL;
}
