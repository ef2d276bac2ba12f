import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '@electric-sql/pglite';
import type { Db } from '../src/db/db';
import { createPgliteDb } from '../src/db/pglite';
import { createPgliteWorkerDb } from '../src/db/pglite-thread';
import { applySchema } from '../src/db/schema';

// The worker-thread PGlite must be indistinguishable from the in-process one: same values back
// (through structured clone), same errors, same transaction semantics.
const TABLE = `CREATE TABLE t (
  id bigserial PRIMARY KEY, name text UNIQUE, at timestamptz, day date, big int8, num numeric, f float8,
  ok boolean, doc jsonb, raw json, tags text[], nums int[], blob bytea, u uuid, span interval)`;
const ROW = [
  'héllo ✓', new Date('2026-01-02T03:04:05.678Z'), '2026-01-02', 9_007_199_254_740_000n, '12345678901234567890.123456789', 1.5,
  true, { a: [1, { b: null }], s: 'x', n: 1.25 }, [1, 'two'], ['a', 'b,c', 'd"e'], [1, 2, 3], Buffer.from([0, 1, 2, 255]),
  '0f8fad5b-d9cb-469f-a165-70867728950e', '1 day 02:03:04',
];
const INSERT = `INSERT INTO t (name, at, day, big, num, f, ok, doc, raw, tags, nums, blob, u, span)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`;
const EXPRESSIONS = `SELECT $1::int8 AS p_bigint, $2::bytea AS p_u8, $3::timestamptz AS p_date, $4::jsonb AS p_obj, $5::text[] AS p_arr,
  NULL::text AS nothing, 2::int8 ^ 60 AS power, 10::numeric / 3 AS third, ARRAY[now()::date] AS dates,
  '{"k": [true, false]}'::json AS j, ARRAY['{"x":1}'::jsonb] AS docs, 'NaN'::float8 AS nan, '-infinity'::timestamptz AS minus_inf`;
const EXPRESSION_PARAMS = [42n, new Uint8Array([9, 8, 7]), new Date(0), { nested: { deep: [new Date(1).toISOString()] } }, ['x', null, 'z']];

async function both<T>(fn: (db: Db) => Promise<T>): Promise<{ main: T; worker: T }> {
  return { main: await fn(inProcess), worker: await fn(worker) };
}
const caught = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

let inProcess: Db;
let worker: Db;
beforeAll(async () => {
  [inProcess, worker] = await Promise.all([createPgliteDb(), createPgliteWorkerDb()]);
  for (const db of [inProcess, worker]) await db.exec(TABLE);
});
afterAll(async () => {
  await Promise.all([inProcess?.close(), worker?.close()]);
});

describe('PGlite in a worker thread', () => {
  it('returns every type exactly as in-process PGlite does (Date, bigint, numeric, json/jsonb, arrays, bytea from Buffer and Uint8Array)', async () => {
    const inserted = await both((db) => db.query(INSERT, ROW));
    expect(inserted.worker).toStrictEqual(inserted.main);
    const row = inserted.worker.rows[0] as Record<string, unknown>;
    expect(row.at).toBeInstanceOf(Date);
    expect(row.blob).toBeInstanceOf(Uint8Array);
    expect([...(row.blob as Uint8Array)]).toEqual([0, 1, 2, 255]);
    expect(row.big).toBe(9_007_199_254_740_000); // int8 as a JS number, as everywhere in control
    expect(row.doc).toEqual({ a: [1, { b: null }], s: 'x', n: 1.25 });

    const read = await both((db) => db.query('SELECT * FROM t ORDER BY id'));
    expect(read.worker).toStrictEqual(read.main);
    const exprs = await both((db) => db.query(EXPRESSIONS, EXPRESSION_PARAMS));
    expect(exprs.worker).toStrictEqual(exprs.main);
    expect((exprs.worker.rows[0] as Record<string, unknown>).p_bigint).toBe(42);
  });

  it('counts affected rows the same way', async () => {
    const r = await both(async (db) => {
      await db.query("INSERT INTO t (name) VALUES ('c1'), ('c2'), ('c3')");
      return db.query("UPDATE t SET ok = false WHERE name LIKE 'c%'");
    });
    expect(r.worker).toStrictEqual(r.main);
    expect(r.worker.rowCount).toBe(3);
  });

  it('throws the same error classes with the same Postgres fields', async () => {
    const dup = await both((db) => caught(db.query("INSERT INTO t (name) VALUES ('c1')")));
    expect(dup.worker).toBeInstanceOf(messages.DatabaseError);
    const pick = (e: unknown) => {
      const { code, severity, detail, constraint, table, schema, message, name } = e as messages.DatabaseError;
      return { code, severity, detail, constraint, table, schema, message, name };
    };
    expect(pick(dup.worker)).toEqual(pick(dup.main));
    expect(pick(dup.worker)).toMatchObject({ code: '23505', constraint: 't_name_key' });

    const syntax = await both((db) => caught(db.query('SELEC 1')));
    expect(pick(syntax.worker)).toEqual(pick(syntax.main));
    expect((syntax.worker as messages.DatabaseError).code).toBe('42601');
    const badExec = await both((db) => caught(db.exec('SELECT 1; SELECT nope_column FROM t')));
    expect(pick(badExec.worker)).toEqual(pick(badExec.main));
  });

  it('rolls back a transaction whose callback throws, and rethrows that very error', async () => {
    const boom = new Error('boom');
    for (const db of [inProcess, worker]) {
      const err = await caught(
        db.tx(async (q) => {
          await q.query("INSERT INTO t (name) VALUES ('rolled-back')");
          throw boom;
        }),
      );
      expect(err).toBe(boom);
      expect((await db.query("SELECT id FROM t WHERE name = 'rolled-back'")).rows).toEqual([]);
    }
  });

  it('rolls back on a failed statement, with the statement error, and later statements of that transaction fail as in-process', async () => {
    const r = await both(async (db) => {
      const first = await caught(
        db.tx(async (q) => {
          await q.query("INSERT INTO t (name) VALUES ('tx-a')");
          await q.query("INSERT INTO t (name) VALUES ('c1')"); // duplicate
        }),
      );
      // a caller that swallows the statement error: the commit finds the transaction aborted
      const swallowed = await caught(
        db.tx(async (q) => {
          await q.query("INSERT INTO t (name) VALUES ('tx-b')");
          await q.query('SELECT nope FROM t').catch(() => undefined);
          return q.query('SELECT 1').catch((e: unknown) => (e as messages.DatabaseError).code);
        }),
      );
      const rows = (await db.query("SELECT name FROM t WHERE name IN ('tx-a', 'tx-b')")).rows;
      return { first: (first as messages.DatabaseError).code, swallowed: (swallowed as messages.DatabaseError | undefined)?.code, rows };
    });
    expect(r.worker).toEqual(r.main);
    expect(r.worker.first).toBe('23505');
    expect(r.worker.rows).toEqual([]);
  });

  it('commits, holds the connection so other queries wait for the commit, and closes the transaction after', async () => {
    const r = await both(async (db) => {
      let leaked: { query(sql: string): Promise<unknown> } | undefined;
      let outside: Promise<unknown> | undefined;
      const done = db.tx(async (q) => {
        leaked = q;
        await q.query("INSERT INTO t (name) VALUES ('tx-commit')");
        outside = db.query("SELECT count(*)::int AS n FROM t WHERE name = 'tx-commit'");
        await new Promise((res) => setTimeout(res, 50));
        await q.query("UPDATE t SET ok = true WHERE name = 'tx-commit'");
        return 'done';
      });
      const value = await done;
      const seen = ((await outside) as { rows: unknown[] }).rows;
      const late = ((await caught(leaked!.query('SELECT 1'))) as Error).message;
      return { value, seen, late };
    });
    expect(r.worker).toEqual(r.main);
    expect(r.worker).toEqual({ value: 'done', seen: [{ n: 1 }], late: 'Transaction is closed' });
  });

  it('serializes concurrent transactions and applies schema.sql concurrently', async () => {
    const order: string[] = [];
    await Promise.all(
      ['x', 'y', 'z'].map((k) =>
        worker.tx(async (q) => {
          order.push(`${k}:start`);
          await q.query('INSERT INTO t (name) VALUES ($1)', [`ser-${k}`]);
          await new Promise((res) => setTimeout(res, 10));
          order.push(`${k}:end`);
        }),
      ),
    );
    expect(order).toEqual(['x:start', 'x:end', 'y:start', 'y:end', 'z:start', 'z:end']);
    await Promise.all([applySchema(worker), applySchema(worker)]);
    expect((await worker.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'control_activity'")).rows).toEqual([{ n: 1 }]);
  });

  it('keeps the event loop free while a long statement runs', async () => {
    const heavy = 'SELECT count(*)::int AS n FROM generate_series(1, 3000000) g WHERE g % 7 = 0';
    const lag = async (db: Db) => {
      let last = performance.now();
      let worst = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 5);
      const t0 = performance.now();
      await db.query(heavy);
      const took = performance.now() - t0;
      await new Promise((res) => setTimeout(res, 20)); // the tick that was held up reports the gap
      clearInterval(timer);
      return { took, worst };
    };
    const main = await lag(inProcess);
    const off = await lag(worker);
    // in-process the whole statement blocks the loop; in the worker the timer keeps ticking
    expect(main.worst).toBeGreaterThan(main.took * 0.8);
    expect(off.worst).toBeLessThan(Math.max(100, off.took / 3));
  });

  it('rejects a parameter structured clone cannot carry, and keeps serving', async () => {
    const err = await caught(worker.query('SELECT $1::text AS x', [() => 1]));
    expect((err as Error).name).toBe('DataCloneError');
    expect((await worker.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe('PGlite worker on a data directory', () => {
  it('persists across a close and reopen, locks the directory while open, and fails after close as PGlite does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boo-pglite-worker-'));
    try {
      const a = await createPgliteWorkerDb(join(dir, 'pglite'));
      expect(existsSync(join(dir, 'pglite', 'boocontrol.lock'))).toBe(true);
      await a.exec('CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$still here$$)');
      await a.close();
      expect(existsSync(join(dir, 'pglite', 'boocontrol.lock'))).toBe(false);
      expect(((await caught(a.query('SELECT 1'))) as Error).message).toBe('PGlite is closed');
      await expect(a.close()).rejects.toThrow('PGlite is closed');

      const b = await createPgliteWorkerDb(join(dir, 'pglite'));
      expect((await b.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
