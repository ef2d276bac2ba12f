import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult } from './db';
import { INT8_OID, parseInt8 } from './db';

/** The one PGlite configuration, shared by the in-process Db and the worker thread. */
export const openPglite = (dataDir?: string): Promise<PGlite> => PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers: { [INT8_OID]: parseInt8 } });

export const shapeResult = <T>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<T> => ({
  rows: r.rows as T[],
  rowCount: r.affectedRows ?? r.rows.length,
});

/**
 * Embedded Postgres (WASM) on the calling thread. `dataDir` undefined means in-memory (tests).
 * Its engine runs synchronously on this event loop; control's default is the worker-thread Db
 * (pglite-thread.ts), which keeps the same behaviour off the loop.
 */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  const release = dataDir ? lockDataDir(dataDir) : () => undefined;
  let pg: PGlite;
  try {
    pg = await openPglite(dataDir);
  } catch (err) {
    release();
    throw err;
  }
  return {
    backend: 'pglite',
    query: async (sql, params) => shapeResult(await pg.query(sql, params as unknown[] | undefined)),
    async exec(sql) {
      await pg.exec(sql);
    },
    // PGlite has one connection; its transaction() holds it exclusively, so other queries wait.
    tx: (fn) => pg.transaction((t) => fn({ query: async (sql, params) => shapeResult(await t.query(sql, params as unknown[] | undefined)) })),
    async close() {
      await pg.close();
      release();
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * PGlite is single-process: two processes on one data directory corrupt it. A pid lock file
 * turns that mistake (say, `pnpm start` twice) into a clear error; a stale lock is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'boocontrol.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`PGlite data directory ${dataDir} is in use by process ${owner}; stop it or set PGLITE_DIR`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock PGlite data directory ${dataDir}`);
}
