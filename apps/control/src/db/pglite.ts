import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult } from './db';
import { INT8_OID, parseInt8 } from './db';

/** Embedded Postgres (WASM). `dataDir` undefined means in-memory (tests). */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  let release = () => undefined as void;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
  }
  const pg = await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers: { [INT8_OID]: parseInt8 } });
  const shape = <T>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<T> => ({
    rows: r.rows as T[],
    rowCount: r.affectedRows ?? r.rows.length,
  });
  return {
    backend: 'pglite',
    query: async (sql, params) => shape(await pg.query(sql, params as unknown[] | undefined)),
    async exec(sql) {
      await pg.exec(sql);
    },
    // PGlite has one connection; its transaction() holds it exclusively, so other queries wait.
    tx: (fn) => pg.transaction((t) => fn({ query: async (sql, params) => shape(await t.query(sql, params as unknown[] | undefined)) })),
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
