// `pnpm bench ingest`: control's ingest path under load, on each storage backend at each rate,
// every cell in its own child process (ingest-cell.ts: 20 simulated hosts → control → a
// WebSocket client standing in for the browser), then the figures side by side.
//
// Options (flag | environment):
//   --db LIST | BENCH_DB          comma list of pglite (the embedded default: PGlite in its worker
//                                 thread), pglite-main (PGlite on control's thread, for comparison),
//                                 postgres, or a postgres:// URL; default pglite,postgres
//   --rates LIST | BENCH_RATES    completed requests/s across the fleet; default 500,2000 (--rate N for one)
//   --minutes N | BENCH_MINUTES   measured window per cell (default 1; --minutes 10 for the RSS target)
//   --warmup S, --backlog S, --hosts N, --concurrency N (HTTP requests in flight; the rest is synthetic)
//   Postgres: the URL given, else BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
//   postgres://postgres@127.0.0.1:5432/postgres; each cell creates and drops a scratch database.
//   When it is not reachable the Postgres cells are skipped and the table says so.
//   BENCH_CHILD_NODE_ARGS adds Node flags to the child processes (e.g. `--cpu-prof`).
//
// Targets: Postgres (issue 4) ≥ 2,000 rows/s with event → browser p99 ≤ 100 ms; the embedded
// PGlite (issue 17) p99 ≤ 250 ms at 500 rows/s and no rows lost at 2,000 rows/s.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { CellDb, CellJob, CellSummary } from './ingest-cell';

const here = fileURLToPath(new URL('.', import.meta.url));
const flag = (name: string, env: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env[env];
};
const num = (name: string, env: string, def: number): number => {
  const n = Number(flag(name, env));
  return Number.isFinite(n) && n > 0 ? n : def;
};
const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);

const LABEL: Record<CellDb, string> = { pglite: 'pglite', 'pglite-main': 'pglite-main', postgres: 'postgres' };
const rates = (flag('rate', 'BENCH_RATE') ? [Number(flag('rate', 'BENCH_RATE'))] : list(flag('rates', 'BENCH_RATES') ?? '500,2000').map(Number)).filter((r) => Number.isFinite(r) && r >= 0);
let pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbs: CellDb[] = [];
for (const d of list(flag('db', 'BENCH_DB') ?? 'pglite,postgres')) {
  if (/^postgres(ql)?:\/\//.test(d)) {
    pgUrl = d;
    dbs.push('postgres');
  } else if (d === 'pglite' || d === 'pglite-main' || d === 'postgres') dbs.push(d);
  else {
    console.error(`--db: unknown backend "${d}" (pglite, pglite-main, postgres or a postgres:// URL)`);
    process.exit(2);
  }
}
const base = {
  minutes: num('minutes', 'BENCH_MINUTES', 1),
  hosts: num('hosts', 'BENCH_HOSTS', 20),
  // Real HTTP requests cost the simulator ~1 ms of CPU each; a few streams of them keep the full
  // request path in the mix without starving control of the machine's two cores.
  concurrency: num('concurrency', 'BENCH_CONCURRENCY', 5),
  // long enough for the bounded working set (log buffers, caches) to fill before RSS is sampled
  warmupS: num('warmup', 'BENCH_WARMUP_S', 30),
  backlogS: num('backlog', 'BENCH_BACKLOG_S', 30),
};

async function reachable(url: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message || err.name : String(err);
  } finally {
    await c.end().catch(() => undefined);
  }
}

function runCell(job: CellJob): Promise<CellSummary | string> {
  return new Promise((resolve) => {
    const cp = fork(join(here, 'ingest-cell.ts'), [JSON.stringify(job)], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let summary: CellSummary | undefined;
    cp.on('message', (m: CellSummary) => {
      if (m.type === 'summary') summary = m;
    });
    cp.on('exit', (code) => resolve(summary ?? `failed (exit ${code})`));
  });
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');
const ROWS: Array<[string, (s: CellSummary) => string]> = [
  ['activity rows/s stored (window)', (s) => s.rowsPerS.toFixed(0)],
  ['event → browser p50 ms', (s) => ms(s.p50)],
  ['event → browser p95 ms', (s) => ms(s.p95)],
  ['event → browser p99 ms', (s) => ms(s.p99)],
  ['rows lost (produced − stored)', (s) => String(s.lost)],
  ['writer drops', (s) => String(s.writerDropped)],
  ['sampled rows never seen live', (s) => `${s.notSeen} of ${s.notSeen + s.samples}`],
  ['writer backlog peak (rows)', (s) => String(s.backlogPeak)],
  ['event-loop delay p99 ms', (s) => s.loopDelayP99.toFixed(1)],
  ['event loop busy', (s) => `${(s.loopBusy * 100).toFixed(0)} %`],
  ['backlog catch-up rows/s', (s) => s.catchUpRowsPerS.toFixed(0)],
  ['control RSS change', (s) => `${s.rssChangePct.toFixed(1)} %`],
];

async function main(): Promise<void> {
  const wanted = [...new Set(dbs)];
  let pgSkipped: string | undefined;
  if (wanted.includes('postgres')) {
    const why = await reachable(pgUrl);
    if (why) pgSkipped = `postgres not reachable at ${pgUrl.replace(/\/\/[^@/]*@/, '//…@')} (${why}): its cells are skipped`;
  }
  const cells = rates.flatMap((rate) => wanted.map((db) => ({ db, rate })));
  console.log(`ingest bench: ${cells.length} cells (${wanted.join(', ')} × ${rates.join(', ')} requests/s), ${base.hosts} hosts, ${base.warmupS} s warm-up + ${base.minutes} min measured + ${base.backlogS} s backlog phase each, one process per cell`);
  if (pgSkipped) console.log(pgSkipped);
  const results = new Map<string, CellSummary | string>();
  for (const { db, rate } of cells) {
    if (db === 'postgres' && pgSkipped) {
      results.set(`${db}@${rate}`, 'not reachable');
      continue;
    }
    console.log(`\n=== cell ${LABEL[db]} at ${rate}/s ===`);
    results.set(`${db}@${rate}`, await runCell({ ...base, db, rate, ...(db === 'postgres' ? { url: pgUrl } : {}) }));
  }

  const cols = cells.map(({ db, rate }) => ({ head: `${LABEL[db]} @${rate}/s`, r: results.get(`${db}@${rate}`)! }));
  const w0 = Math.max(...ROWS.map(([l]) => l.length)) + 2;
  const w = Math.max(14, ...cols.map((c) => c.head.length + 2));
  const line = (label: string, cells: string[]) => label.padEnd(w0) + cells.map((c) => c.padStart(w)).join('');
  console.log('\n── ingest bench: side by side ' + '─'.repeat(Math.max(0, w0 + w * cols.length - 30)));
  console.log(line('', cols.map((c) => c.head)));
  for (const [label, f] of ROWS) console.log(line(label, cols.map((c) => (typeof c.r === 'string' ? c.r : f(c.r)))));
  console.log('pglite = the embedded default (PGlite in its worker thread); latency: the host\'s activity event → the row\'s frame at the WebSocket client');

  const verdict = (db: CellDb, rate: number, test: (s: CellSummary) => boolean, what: string) => {
    const r = results.get(`${db}@${rate}`);
    if (r === undefined) return;
    console.log(`  ${LABEL[db]} at ${rate}/s: ${what} → ${typeof r === 'string' ? r : test(r) ? 'met' : 'MISSED'}`);
  };
  console.log('targets:');
  verdict('pglite', 500, (s) => s.p99 <= 250, 'event → browser p99 ≤ 250 ms');
  verdict('pglite', 2000, (s) => s.lost === 0 && s.writerDropped === 0, 'no rows lost');
  verdict('postgres', 2000, (s) => s.rowsPerS >= 1900 && s.p99 <= 100, '2,000 rows/s with p99 ≤ 100 ms');
  process.exit([...results.values()].some((r) => typeof r === 'string' && r !== 'not reachable') ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error('ingest bench failed:', err);
  process.exit(1);
});
