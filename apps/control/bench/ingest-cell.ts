// One cell of `pnpm bench ingest` (ingest.bench.ts runs one child process per backend and rate
// and prints them side by side): the job arrives as JSON in argv[2].
//
// 20 simulated llama-swap hosts under load (child process 1: closed-loop HTTP chat requests plus
// synthetic completions, see ingest-sims.ts) → control in this process (connectors, writer, hub)
// → a WebSocket client standing in for the browser (child process 2). Reports activity rows/s
// written, event → browser-frame latency p50/p99 (event = the host's `activity` SSE frame as a
// second listener sees it; frame = the row arriving on the `activity` topic), rows lost, the
// writer's backlog, control's event-loop delay and RSS over the window; the last line to the
// parent is a summary of those figures.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigSchema } from '../src/config';
import { createControl } from '../src/control';
import { scratchPostgres } from '../test/helpers/db';

/** `pglite` = the embedded default (its worker thread); `pglite-main` = PGlite on control's thread. */
export type CellDb = 'pglite' | 'pglite-main' | 'postgres';
export interface CellJob {
  db: CellDb;
  /** the server a scratch database is created on, for `postgres` */
  url?: string;
  rate: number;
  minutes: number;
  hosts: number;
  concurrency: number;
  warmupS: number;
  backlogS: number;
}
export interface CellSummary {
  type: 'summary';
  db: CellDb;
  rate: number;
  rowsPerS: number;
  p50: number;
  p95: number;
  p99: number;
  samples: number;
  notSeen: number;
  lost: number;
  writerDropped: number;
  backlogPeak: number;
  loopDelayP99: number;
  loopBusy: number;
  catchUpRowsPerS: number;
  rssChangePct: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const job = JSON.parse(process.argv[2] ?? '{}') as CellJob;
const { minutes: MINUTES, hosts: HOSTS, concurrency: CONCURRENCY, rate: RATE, warmupS: WARMUP_S, backlogS: BACKLOG_S } = job;
const SAMPLE_EVERY = 10;

async function countRows(control: { ctx: { dbState: { db: { query<T>(sql: string): Promise<{ rows: T[] }> } } } }): Promise<number> {
  const r = await control.ctx.dbState.db.query<{ n: number }>('SELECT count(*)::int AS n FROM control_activity');
  return r.rows[0]?.n ?? 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const child = (file: string, job: object): ChildProcess => fork(join(here, file), [JSON.stringify(job)], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const once = <T>(cp: ChildProcess, type: string): Promise<T> =>
  new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      cp.off('message', on);
      resolve(m as T);
    };
    cp.on('message', on);
  });
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  console.log(`ingest bench cell: ${HOSTS} hosts completing ${RATE} requests/s (${CONCURRENCY} HTTP requests in flight, synthetic for the rest), ${WARMUP_S} s warm-up, ${MINUTES} min measured, db=${job.db}`);
  const sims = child('ingest-sims.ts', { hosts: HOSTS, concurrency: CONCURRENCY, rate: RATE, sampleEvery: SAMPLE_EVERY });
  const { urls } = await once<{ urls: string[] }>(sims, 'ready');
  const ids = urls.map((_, i) => `bench-${String(i).padStart(2, '0')}`);

  const pgdb = job.db === 'postgres' ? await scratchPostgres(job.url!, 'boo_bench') : undefined;
  const pgliteDir = pgdb ? undefined : mkdtempSync(join(tmpdir(), 'boo-bench-'));
  const config = ConfigSchema.parse({
    LLAMA_PROVIDERS: JSON.stringify(urls.map((u, i) => ({ id: ids[i], label: `Bench ${i}`, baseUrl: u, kind: 'llama-swap' }))),
    DEMO_FLEET: 'off',
    LOG_LEVEL: 'warn',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : { PGLITE_DIR: join(pgliteDir!, 'pglite'), PGLITE_THREAD: job.db === 'pglite-main' ? 'main' : 'worker' }),
  });
  const control = await createControl(config, { logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }) as unknown as FastifyBaseLogger, features: ['health', 'fleet'] });
  const address = await control.app.listen({ host: '127.0.0.1', port: 0 });
  await control.start();
  const fleet = control.fleet!;
  for (let i = 0; i < 300 && control.ctx.fleet.counts().online < HOSTS; i++) await sleep(100);
  console.log(`control: ${control.ctx.fleet.counts().online}/${HOSTS} hosts online`);

  const client = child('ingest-client.ts', { url: `${address.replace('http', 'ws')}/api/control/ws`, sampleEvery: SAMPLE_EVERY });
  await sleep(500);
  sims.send({ cmd: 'start' });
  const t0 = Date.now();
  console.log('load running; warming up…');
  await sleep(WARMUP_S * 1000);

  const windowStart = Date.now();
  const written0 = fleet.writer.written.activity;
  const elu0 = performance.eventLoopUtilization();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const gcPauses: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push(e.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const rss: number[] = [];
  const heap: number[] = [];
  // the writer's backlog (rows queued, not yet stored), sampled often enough to catch its peaks
  let peakQueue = 0;
  const queueSampler = setInterval(() => (peakQueue = Math.max(peakQueue, fleet.writer.pending)), 100);
  const every = 5000;
  const endAt = windowStart + MINUTES * 60_000;
  let lastLog = windowStart;
  let lastWritten = written0;
  while (Date.now() < endAt) {
    await sleep(Math.min(every, endAt - Date.now()));
    const m = process.memoryUsage();
    rss.push(m.rss);
    heap.push(m.heapUsed);
    if (Date.now() - lastLog >= 30_000 || Date.now() >= endAt) {
      const w = fleet.writer.written.activity;
      console.log(`  t+${Math.round((Date.now() - windowStart) / 1000)} s: ${Math.round((w - lastWritten) / ((Date.now() - lastLog) / 1000))} rows/s, queue ${fleet.writer.pending}, rss ${mb(m.rss)}`);
      lastLog = Date.now();
      lastWritten = w;
    }
  }
  const windowEnd = Date.now();
  clearInterval(queueSampler);
  const written = fleet.writer.written.activity - written0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  loopDelay.disable();
  gcObserver.disconnect();
  // before phase 2 and teardown, which end connector sessions on purpose
  const counters = control.ctx.counters.toJSON();

  // Phase 2, control's headroom: let the hosts build a backlog while control is not reading, then
  // time how fast control pages it in and stores it (the same path as a reconnect after an outage).
  await fleet.registry.stop();
  const backlogFrom = await countRows(control);
  await sleep(BACKLOG_S * 1000);
  sims.send({ cmd: 'pause' });
  await sleep(1000);
  sims.send({ cmd: 'stats' });
  const produced = await once<{ completed: number; synthetic: number }>(sims, 'stats');
  // every row the hosts hold: HTTP requests, synthetic completions, one warm-up request per host
  const expected = produced.completed + produced.synthetic + HOSTS;
  const drainStart = Date.now();
  await fleet.registry.start();
  let stored = await countRows(control);
  while (stored < expected && Date.now() - drainStart < 300_000) {
    await sleep(200);
    stored = await countRows(control);
  }
  const drainS = (Date.now() - drainStart) / 1000;
  const backlog = stored - backlogFrom;
  sims.send({ cmd: 'stop' });
  const simFinal = await once<{ completed: number; synthetic: number; failed: number; status: Record<string, number>; eventTimes: number[][]; rss: number[] }>(sims, 'final');
  await fleet.writer.drain(30_000);
  await sleep(1000);
  client.send({ cmd: 'stop' });
  const clientFinal = await once<{ rows: number; frames: number; recvTimes: Record<string, number[]> }>(client, 'final');

  // latency: events inside the window that reached the client
  const lat: number[] = [];
  let missing = 0;
  for (const [i, times] of simFinal.eventTimes.entries()) {
    const recv = clientFinal.recvTimes[ids[i]!] ?? [];
    for (const [k, ev] of times.entries()) {
      // events in the last seconds of the window may be picked up only after phase 2 began
      if (ev === undefined || ev === null || ev < windowStart || ev > windowEnd - 3000) continue;
      const rv = recv[k];
      if (rv === undefined || rv === null) missing++;
      else lat.push(rv - ev);
    }
  }
  lat.sort((a, b) => a - b);
  const quarter = Math.max(1, Math.floor(rss.length / 4));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const rssStart = avg(rss.slice(0, quarter));
  const rssEnd = avg(rss.slice(-quarter));
  const total = await control.ctx.dbState.db.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT (host_id, epoch, upstream_id))::int AS d FROM control_activity');
  const seconds = (windowEnd - windowStart) / 1000;
  const lost = Math.max(0, expected - (total.rows[0]?.d ?? 0));

  console.log(`\n── ingest bench cell: ${job.db} at ${RATE}/s ─────────────────────────────`);
  console.log(`database                 ${job.db === 'pglite' ? 'pglite (worker thread)' : job.db === 'pglite-main' ? 'pglite (control\'s thread)' : 'postgres'}`);
  console.log(`hosts / load             ${HOSTS} hosts; HTTP ${CONCURRENCY} in flight: ${simFinal.completed} requests ok, ${simFinal.failed} failed (${JSON.stringify(simFinal.status)}); synthetic ${simFinal.synthetic}; ${RATE}/s in all`);
  console.log(`window                   ${seconds.toFixed(0)} s after ${WARMUP_S} s warm-up (total run ${Math.round((windowEnd - t0) / 1000)} s)`);
  console.log(`activity rows written    ${written} in the window → ${(written / seconds).toFixed(0)} rows/s sustained`);
  console.log(`backlog catch-up          ${backlog} rows stored in ${drainS.toFixed(1)} s → ${(backlog / drainS).toFixed(0)} rows/s (control's ingest capacity: connect, page, store)`);
  console.log(`rows stored (all)        ${total.rows[0]?.n} rows, ${total.rows[0]?.d} distinct keys; of ${expected} the hosts produced → ${lost} lost; writer drops ${counters['writer.dropped.activity'] ?? 0}, writer backlog peak ${peakQueue}`);
  console.log(`event → client frame     p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${(lat.at(-1) ?? NaN).toFixed(1)} ms   (${lat.length} samples, 1 in ${SAMPLE_EVERY}; ${missing} not seen)`);
  console.log(`client                   ${clientFinal.rows} rows in ${clientFinal.frames} frames; hub deltas dropped ${control.hub.stats.deltasDropped}`);
  console.log(`control event loop       busy ${(elu * 100).toFixed(0)} % of the window; delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`);
  console.log(`control GC               ${gcPauses.length} pauses, ${gcPauses.reduce((x, y) => x + y, 0).toFixed(0)} ms in all, longest ${Math.max(0, ...gcPauses).toFixed(1)} ms`);
  console.log(`control RSS              first quarter ${mb(rssStart)}, last quarter ${mb(rssEnd)} → ${(((rssEnd - rssStart) / rssStart) * 100).toFixed(1)} %   (target within ±10 %); min ${mb(Math.min(...rss))}, max ${mb(Math.max(...rss))}`);
  const simQ = Math.max(1, Math.floor(simFinal.rss.length / 4));
  console.log(`simulator process RSS    first quarter ${mb(avg(simFinal.rss.slice(0, simQ)))}, last quarter ${mb(avg(simFinal.rss.slice(-simQ)))} (whole run, backlog phase included)`);
  console.log(`control heap used        first quarter ${mb(avg(heap.slice(0, quarter)))}, last quarter ${mb(avg(heap.slice(-quarter)))}`);
  console.log(`connector counters       (window) ${JSON.stringify(Object.fromEntries(Object.entries(counters).filter(([k]) => k.startsWith('connector.'))))}`);

  const summary: CellSummary = {
    type: 'summary',
    db: job.db,
    rate: RATE,
    rowsPerS: written / seconds,
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    samples: lat.length,
    notSeen: missing,
    lost,
    writerDropped: counters['writer.dropped.activity'] ?? 0,
    backlogPeak: peakQueue,
    loopDelayP99: loopDelay.percentile(99) / 1e6,
    loopBusy: elu,
    catchUpRowsPerS: backlog / drainS,
    rssChangePct: ((rssEnd - rssStart) / rssStart) * 100,
  };
  await new Promise<void>((resolve) => (process.send ? process.send(summary, () => resolve()) : resolve()));

  await control.close();
  await pgdb?.drop();
  if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error('ingest bench failed:', err);
  process.exit(1);
});
