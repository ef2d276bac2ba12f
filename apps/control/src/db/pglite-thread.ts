import { Worker } from 'node:worker_threads';
import type { Db, QueryResult } from './db';
import { lockDataDir } from './pglite';
import { decodeError, type Hello, type Request, type Response, type WorkerInit } from './pglite-protocol';

type Call = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface PgliteWorkerOptions {
  /** The worker died (a WASM abort, say): every call fails from then on; the caller logs it. */
  onExit?: (err: Error) => void;
}

/**
 * Embedded Postgres (WASM) in a worker thread: the same Db as createPgliteDb, but PGlite's
 * engine (synchronous WASM that holds a thread for the whole of each statement) runs on its
 * own thread, so control's event loop keeps serving the live stream while a batch is written.
 * `dataDir` undefined means in-memory. The data directory is locked by this process as before.
 *
 * The worker holds the process open only while a call is in flight, as an in-process PGlite
 * (which holds no handles) would.
 */
export async function createPgliteWorkerDb(dataDir?: string, opts: PgliteWorkerOptions = {}): Promise<Db> {
  const release = dataDir ? lockDataDir(dataDir) : () => undefined;
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dataDir } satisfies WorkerInit, name: 'pglite' });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let dead: Error | undefined;
  const fail = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`PGlite worker exited (code ${code}) before it was ready`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: Hello) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (m.type === 'ready') resolve();
        else reject(decodeError(m.error));
      });
    });
  } catch (err) {
    await worker.terminate();
    release();
    throw err;
  }

  let closing = false;
  worker.unref();
  worker.on('message', (r: Response) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (pending.size === 0) worker.unref();
    if (r.ok) p.resolve(r.value);
    else p.reject(decodeError(r.error));
  });
  worker.on('error', (err) => {
    fail(err);
    opts.onExit?.(err);
  });
  worker.on('exit', (code) => {
    if (closing) return fail(new Error('PGlite is closed'));
    const err = new Error(`PGlite worker exited unexpectedly (code ${code})`);
    fail(err);
    opts.onExit?.(err);
  });

  let nextId = 1;
  let nextTx = 1;
  const call = (req: Call): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      try {
        worker.postMessage({ ...req, id } as Request);
      } catch (err) {
        // a parameter structured clone cannot carry (a function, say)
        pending.delete(id);
        if (pending.size === 0) worker.unref();
        reject(err as Error);
      }
    });
  };
  const query = <T>(sql: string, params: readonly unknown[] | undefined, tx?: number) =>
    call({ op: 'query', sql, params, ...(tx === undefined ? {} : { tx }) }) as Promise<QueryResult<T>>;

  return {
    backend: 'pglite',
    query: (sql, params) => query(sql, params),
    async exec(sql) {
      await call({ op: 'exec', sql });
    },
    // As in-process: fn runs once the transaction holds PGlite's one connection; other queries wait.
    async tx(fn) {
      const tx = nextTx++;
      await call({ op: 'begin', tx });
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn({ query: (sql, params) => query(sql, params, tx) });
      } catch (err) {
        await call({ op: 'rollback', tx }).catch(() => undefined);
        throw err;
      }
      await call({ op: 'commit', tx });
      return result;
    },
    async close() {
      if (closing) throw new Error('PGlite is closed'); // closing twice fails, as PGlite's own close() does
      try {
        if (!dead) await call({ op: 'close' });
      } finally {
        closing = true;
        await worker.terminate();
        fail(new Error('PGlite is closed'));
        release();
      }
    },
  };
}
