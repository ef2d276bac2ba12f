/**
 * The PGlite worker thread: owns the one PGlite instance and serves pglite-protocol requests
 * from control's thread, so the WASM engine's synchronous work never blocks control's event
 * loop. Loaded through pglite-worker.mjs (which registers tsx for this thread).
 *
 * Statements outside a transaction go straight to PGlite, which queues them behind any open
 * transaction exactly as it does in-process. A transaction is PGlite's own transaction():
 * `begin` opens it (and answers once it holds the connection), its statements arrive on a
 * per-transaction channel and run in order, `commit` returns from the callback and `rollback`
 * throws out of it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { openPglite, shapeResult } from './pglite';
import { encodeError, type Hello, type Request, type Response, type WorkerInit } from './pglite-protocol';

type TxRequest = Extract<Request, { op: 'query' | 'exec' | 'commit' | 'rollback' }>;

/** The statements of one open transaction, in arrival order. */
class Channel {
  private items: TxRequest[] = [];
  private waiter: ((r: TxRequest) => void) | undefined;
  push(r: TxRequest): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(r);
    else this.items.push(r);
  }
  next(): Promise<TxRequest> {
    const r = this.items.shift();
    return r ? Promise.resolve(r) : new Promise((resolve) => (this.waiter = resolve));
  }
}

const ROLLBACK = Symbol('rollback');
const port = parentPort!;
const send = (r: Response) => port.postMessage(r);
const answer = (id: number, work: Promise<unknown>): Promise<void> =>
  work.then(
    (value) => send({ id, ok: true, value }),
    (err: unknown) => send({ id, ok: false, error: encodeError(err) }),
  );

function run(q: PGlite | Transaction, m: Extract<Request, { op: 'query' | 'exec' }>): Promise<unknown> {
  if (m.op === 'exec') return q.exec(m.sql).then(() => undefined);
  return q.query(m.sql, m.params as unknown[] | undefined).then(shapeResult);
}

function begin(pg: PGlite, txs: Map<number, Channel>, m: Extract<Request, { op: 'begin' }>): void {
  const ch = new Channel();
  txs.set(m.tx, ch);
  let started = false;
  let end: TxRequest | undefined;
  const done = pg.transaction(async (t) => {
    started = true;
    send({ id: m.id, ok: true, value: undefined });
    for (;;) {
      const r = await ch.next();
      if (r.op === 'commit' || r.op === 'rollback') {
        end = r;
        txs.delete(m.tx); // later statements get "Transaction is closed", as in-process
        if (r.op === 'rollback') throw ROLLBACK;
        return;
      }
      await answer(r.id, run(t, r));
    }
  });
  done.then(
    () => send({ id: end!.id, ok: true, value: undefined }),
    (err: unknown) => {
      txs.delete(m.tx);
      if (err === ROLLBACK) send({ id: end!.id, ok: true, value: undefined });
      // BEGIN failed (closing, say), or COMMIT did: the caller waits on that message
      else send({ id: started && end ? end.id : m.id, ok: false, error: encodeError(err) });
    },
  );
}

async function main(): Promise<void> {
  const { dataDir } = workerData as WorkerInit;
  let pg: PGlite;
  try {
    pg = await openPglite(dataDir);
  } catch (err) {
    port.postMessage({ type: 'failed', error: encodeError(err) } satisfies Hello);
    return;
  }
  const txs = new Map<number, Channel>();
  port.on('message', (m: Request) => {
    if (m.op === 'begin') return begin(pg, txs, m);
    if (m.op === 'close') return void answer(m.id, pg.close());
    if (m.tx !== undefined) {
      const ch = txs.get(m.tx);
      if (ch) return ch.push(m);
      return send({ id: m.id, ok: false, error: encodeError(new Error('Transaction is closed')) });
    }
    void answer(m.id, run(pg, m as Extract<Request, { op: 'query' | 'exec' }>));
  });
  port.postMessage({ type: 'ready' } satisfies Hello);
}

void main();
