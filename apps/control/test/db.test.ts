import { afterEach, describe, expect, it } from 'vitest';
import { applySchema, splitSql } from '../src/db/schema';
import { backends, type TestDb } from './helpers/db';

describe.each(backends())('storage on $name', (backend) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('applies schema.sql idempotently (twice in a row, and concurrently)', async () => {
    t = await backend.create({ schema: false });
    await Promise.all([applySchema(t.db), applySchema(t.db)]);
    await applySchema(t.db);
    const r = await t.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'control_%' ORDER BY table_name",
    );
    expect(r.rows.map((x) => x.table_name)).toEqual(
      expect.arrayContaining([
        'control_activity', 'control_bench_results', 'control_bench_runs', 'control_captures', 'control_eval_results',
        'control_eval_runs', 'control_hosts', 'control_jobs', 'control_model_transitions', 'control_perf_rollups',
        'control_perf_samples', 'control_reports',
      ]),
    );
    const mode = await t.db.query<{ column_default: string }>(
      "SELECT column_default FROM information_schema.columns WHERE table_name = 'control_hosts' AND column_name = 'ssh_mode'",
    );
    expect(mode.rows[0]?.column_default).toContain('shell');
  });

  it('upgrades an activity table from before the TTFT columns; its rows keep NULL (shown as unknown)', async () => {
    t = await backend.create();
    await t.db.query('ALTER TABLE control_activity DROP COLUMN ttft_ms, DROP COLUMN prompt_ms');
    await t.db.query("INSERT INTO control_activity (host_id, epoch, upstream_id, ts, model, status) VALUES ('h', 0, 1, now(), 'm', 200)");
    await applySchema(t.db);
    const r = await t.db.query<{ ttft_ms: number | null; prompt_ms: number | null }>('SELECT ttft_ms, prompt_ms FROM control_activity');
    expect(r.rows).toEqual([{ ttft_ms: null, prompt_ms: null }]);
  });

  it('rolls back a failed transaction completely', async () => {
    t = await backend.create();
    await expect(
      t.db.tx(async (q) => {
        await q.query("INSERT INTO control_hosts (id, label, base_url, kind) VALUES ('a', 'A', 'http://x', 'llama-swap')");
        await q.query("INSERT INTO control_hosts (id, label, base_url, kind) VALUES ('b', 'B', 'http://x', 'not-a-kind')");
      }),
    ).rejects.toThrow();
    const r = await t.db.query('SELECT id FROM control_hosts');
    expect(r.rows).toEqual([]);
  });

  it('dedups activity by (host, epoch, upstream id) in the database', async () => {
    t = await backend.create();
    const insert = (epoch: number, upstreamId: number) =>
      t!.db.query(
        `INSERT INTO control_activity (host_id, epoch, upstream_id, ts, model, status) VALUES ('h', $1, $2, now(), 'm', 200)
         ON CONFLICT (host_id, epoch, upstream_id) DO NOTHING`,
        [epoch, upstreamId],
      );
    await Promise.all([insert(0, 1), insert(0, 1), insert(0, 2), insert(1, 1)]);
    const r = await t.db.query<{ id: number; n: number }>('SELECT count(*)::int8 AS n, max(id) AS id FROM control_activity');
    expect(r.rows[0]?.n).toBe(3);
    // int8 comes back as a JS number on both backends
    expect(typeof r.rows[0]?.id).toBe('number');
  });

  it('splits schema.sql into statements without losing any', () => {
    const parts = splitSql('CREATE TABLE a (x int);\n-- c\nCREATE INDEX i ON a (x);\n');
    expect(parts).toEqual(['CREATE TABLE a (x int)', 'CREATE INDEX i ON a (x)']);
  });
});

describe('PGlite data directory lock', () => {
  it('refuses a second owner while the first lives, and takes over a stale lock', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { lockDataDir } = await import('../src/db/pglite');
    const dir = mkdtempSync(join(tmpdir(), 'boo-lock-'));
    writeFileSync(join(dir, 'boocontrol.lock'), String(process.ppid)); // a live process that is not us
    expect(() => lockDataDir(dir)).toThrow(/in use by process/);
    writeFileSync(join(dir, 'boocontrol.lock'), '999999999'); // no such process
    const release = lockDataDir(dir);
    release();
    lockDataDir(dir)();
  });
});
