// `pnpm bench reports` (options: --days N (90), --hosts N (20), --per-hour N requests per host and hour (20),
// --runs N timed runs per query (30; cold runs 5), --db postgres://… | BENCH_DATABASE_URL; default: PGlite in a temp directory).
//
// Generates a history of `days` × `hosts`: activity rows (three models and three consumers per
// host), a model swap or two per host and hour, and GPU power samples for the last two days
// (raw perf retention), builds the hourly and daily rollups as control would (timed), then
// times report requests through the HTTP layer (inject). Target (issue 14, P7): a 90-day
// report ≤ 100 ms p95 at 20 hosts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigSchema } from '../src/config';
import { createControl } from '../src/control';
import { scratchPostgres } from '../test/helpers/db';

const opt = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const n = Number(i >= 0 ? process.argv[i + 1] : NaN);
  return Number.isFinite(n) && n > 0 ? n : def;
};
const dbArg = (() => {
  const i = process.argv.indexOf('--db');
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env.BENCH_DATABASE_URL;
})();
const DAYS = opt('days', 90);
const HOSTS = opt('hosts', 20);
const PER_HOUR = opt('per-hour', 20);
const RUNS = opt('runs', 30);
const HOUR = 3_600_000;
const MODELS = ['qwen3-coder-30b', 'llama-3.1-8b', 'gemma-3-27b'];
const CONSUMERS = ['alice', 'ci-bot', ''];

async function main(): Promise<void> {
  const pgDir = dbArg ? undefined : mkdtempSync(join(tmpdir(), 'boo-bench-reports-'));
  const scratch = dbArg ? await scratchPostgres(dbArg, 'boo_bench') : undefined;
  const config = ConfigSchema.parse({ DEMO_FLEET: 'off', LOG_LEVEL: 'silent', ...(scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DIR: pgDir }) });
  const control = await createControl(config, { logger: pino({ level: 'silent' }) as unknown as FastifyBaseLogger, features: ['reports'], reports: { manual: true } });
  await control.app.ready();
  await control.start();
  const db = control.ctx.dbState.db;
  const backend = db.backend;
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const start = end - DAYS * 24 * HOUR;

  // ── history ──
  let t0 = performance.now();
  let rows = 0;
  let id = 0;
  let rngState = 42;
  const rnd = () => ((rngState = (rngState * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let h = start; h < end; h += 24 * HOUR) {
    const host: string[] = [], model: string[] = [], ts: string[] = [], meta: (string | null)[] = [], status: number[] = [], ttft: number[] = [], gen: number[] = [], dur: number[] = [], inTok: number[] = [], outTok: number[] = [];
    const trHost: string[] = [], trModel: string[] = [], trFrom: string[] = [], trTo: string[] = [], trAt: string[] = [], trLoad: (number | null)[] = [];
    for (let hh = 0; hh < 24; hh++) {
      const hourStart = h + hh * HOUR;
      for (let k = 0; k < HOSTS; k++) {
        const hostId = `host-${String(k + 1).padStart(2, '0')}`;
        for (let j = 0; j < PER_HOUR; j++) {
          host.push(hostId);
          const m = MODELS[Math.floor(rnd() * MODELS.length)]!;
          model.push(m);
          ts.push(new Date(hourStart + Math.floor(rnd() * HOUR)).toISOString());
          const c = CONSUMERS[Math.floor(rnd() * CONSUMERS.length)]!;
          meta.push(c ? JSON.stringify({ consumer: c }) : null);
          status.push(rnd() < 0.02 ? 500 : 200);
          ttft.push(50 + rnd() * 900);
          gen.push(20 + rnd() * 120);
          dur.push(500 + Math.floor(rnd() * 8000));
          inTok.push(100 + Math.floor(rnd() * 2000));
          outTok.push(50 + Math.floor(rnd() * 600));
        }
        // a swap or two an hour
        for (let s = 0; s < 1 + Math.floor(rnd() * 2); s++) {
          const at = hourStart + Math.floor(rnd() * (HOUR - 60_000));
          const m = MODELS[Math.floor(rnd() * MODELS.length)]!;
          const load = 2000 + Math.floor(rnd() * 20_000);
          trHost.push(hostId, hostId);
          trModel.push(m, m);
          trFrom.push('stopped', 'starting');
          trTo.push('starting', 'ready');
          trAt.push(new Date(at).toISOString(), new Date(at + load).toISOString());
          trLoad.push(null, load);
        }
      }
    }
    await db.query(
      `INSERT INTO control_activity (host_id, epoch, upstream_id, ts, model, status, input_tokens, output_tokens, gen_tps, ttft_ms, duration_ms, metadata)
       SELECT h, 0, row_number() OVER () + $11, t, m, s, i, o, g, f, d, mt FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[], $5::int[], $6::int[], $7::float8[], $8::float8[], $9::int[], $10::jsonb[]) AS x(h, t, m, s, i, o, g, f, d, mt)`,
      [host, ts, model, status, inTok, outTok, gen, ttft, dur, meta, id],
    );
    id += host.length;
    rows += host.length;
    await db.query(
      `INSERT INTO control_model_transitions (host_id, epoch, model, from_state, to_state, at, load_ms) SELECT h, 0, m, f, t, a, l FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[]) AS x(h, m, f, t, a, l) ON CONFLICT DO NOTHING`,
      [trHost, trModel, trFrom, trTo, trAt, trLoad],
    );
  }
  // GPU power and utilisation every 10 s for the last two days (what raw retention keeps).
  for (let h = Math.max(start, end - 48 * HOUR); h < end; h += 6 * HOUR) {
    await db.query(
      `INSERT INTO control_perf_samples (host_id, ts, metric, series, value)
       SELECT 'host-' || lpad(k::text, 2, '0'), to_timestamp($1 / 1000.0 + s * 10), m, '0', CASE WHEN m = 'gpu_power_w' THEN 120 + (s % 7) * 30 ELSE (s % 10) * 10 END
       FROM generate_series(1, $2::int) k, generate_series(0, 6 * 360 - 1) s, unnest(ARRAY['gpu_power_w', 'gpu_util_pct']) m
       ON CONFLICT DO NOTHING`,
      [h, HOSTS],
    );
  }
  const genS = (performance.now() - t0) / 1000;
  console.log(`[bench reports] ${backend}: ${rows.toLocaleString()} activity rows, ${DAYS} days × ${HOSTS} hosts, generated in ${genS.toFixed(1)} s`);

  // ── rollups, as control builds them after a restart (catch-up) ──
  t0 = performance.now();
  const rollups = control.reports!.rollups;
  rollups.markRange(new Date(start), new Date(end));
  await rollups.runOnce();
  const rollS = (performance.now() - t0) / 1000;
  const counts = await db.query<{ grain: string; n: number }>(`SELECT grain, count(*)::int AS n FROM control_usage_rollups GROUP BY grain ORDER BY grain`);
  console.log(`[bench reports] rollups built in ${rollS.toFixed(1)} s (${(rollS / (DAYS * 24)).toFixed(3)} s per hour of history): ${counts.rows.map((r) => `${r.n} ${r.grain} rows`).join(', ')}`);
  t0 = performance.now();
  rollups.markRange(new Date(end - 2 * HOUR), new Date(end));
  await rollups.runOnce();
  console.log(`[bench reports] a steady-state pass (last 2 hours + their day): ${(performance.now() - t0).toFixed(0)} ms`);

  // ── queries ──
  const queries: Array<[string, string]> = [
    ['usage 90d by host', `/api/control/reports/usage?range=${DAYS}d&groupBy=host`],
    ['usage 90d by model', `/api/control/reports/usage?range=${DAYS}d&groupBy=model`],
    ['usage 90d by consumer', `/api/control/reports/usage?range=${DAYS}d&groupBy=consumer`],
    ['usage 90d by day', `/api/control/reports/usage?range=${DAYS}d&groupBy=day`],
    ['usage 90d by host, csv', `/api/control/reports/usage?range=${DAYS}d&groupBy=host&format=csv`],
    ['usage 30d by model', '/api/control/reports/usage?range=30d&groupBy=model'],
    ['usage 24h by host', '/api/control/reports/usage?range=24h&groupBy=host'],
    ['residency 24h, all hosts', '/api/control/reports/residency?range=24h'],
    ['residency 7d, one host', '/api/control/reports/residency?range=7d&host=host-01'],
  ];
  const pct = (xs: number[], p: number) => {
    const v = [...xs].sort((a, b) => a - b);
    return v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)]!;
  };
  // Steady state: a rollup pass every minute rewrites the current hours (and today), so a
  // dashboard's request reads today's hours again and past days from the report cache. Each timed
  // run here follows such a pass (`steady`); `cold` also drops the cache (first view after start).
  const usageSvc = control.reports!.usage;
  // What a minute's pass rewrites: the last two hours and their day (today's, unless just past midnight).
  const steadyPass = () => usageSvc.invalidate(new Date(end - 2 * HOUR), new Date(end + HOUR));
  const coldPass = () => usageSvc.clearCache();
  let worst90 = 0;
  for (const [mode, before] of [['steady', steadyPass], ['cold', coldPass]] as const) {
    for (const [name, url] of queries) {
      for (let i = 0; i < 3; i++) await control.app.inject({ method: 'GET', url });
      const times: number[] = [];
      let status = 0;
      // Cold runs read everything again: a few of them tell as much.
      for (let i = 0; i < (mode === 'cold' ? Math.min(RUNS, 5) : RUNS); i++) {
        before();
        const a = performance.now();
        const r = await control.app.inject({ method: 'GET', url });
        times.push(performance.now() - a);
        status = r.statusCode;
      }
      const p95 = pct(times, 0.95);
      if (mode === 'steady' && name.startsWith('usage 90d')) worst90 = Math.max(worst90, p95);
      console.log(`[bench reports] ${mode.padEnd(6)} ${name.padEnd(28)} p50 ${pct(times, 0.5).toFixed(1).padStart(7)} ms  p95 ${p95.toFixed(1).padStart(7)} ms  max ${Math.max(...times).toFixed(1).padStart(7)} ms  (HTTP ${status})`);
    }
  }
  console.log(`[bench reports] 90-day usage report p95, steady state (worst grouping): ${worst90.toFixed(1)} ms — target ≤ 100 ms: ${worst90 <= 100 ? 'met' : 'NOT met'}`);
  await control.close();
  await scratch?.drop();
  if (pgDir) rmSync(pgDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
