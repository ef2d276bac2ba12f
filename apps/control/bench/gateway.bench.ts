// `pnpm bench gateway` (G1–G3, docs/gateway.md): the simulator directly and through the gateway in
// the same run, phases alternating direct / gateway / direct / gateway so that drift hits both.
//   non-streaming, open loop at 500 and 2,000 requests/s → added latency p50/p99 (gateway − direct)
//   streaming with a fixed schedule (first token 50 ms, a token every 20 ms) → added TTFT, gap change
//   1,000 open streams through the gateway → control's RSS
//   the routing decision alone, on a 10-host fleet → p50/p99 µs
// Options: --seconds <per phase, default 4> --rates 500,2000 --streams 1000 --json
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { decisionTimes } from './gateway-decision';

const here = dirname(fileURLToPath(import.meta.url));
const { values: o } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, rates: { type: 'string', default: '500,2000' }, streams: { type: 'string', default: '1000' }, json: { type: 'boolean' } } });
const seconds = Number(o.seconds);
const rates = o.rates!.split(',').map(Number);

// Control's database: Postgres when TEST_DATABASE_URL / BENCH_DATABASE_URL is set (a scratch
// database, dropped at the end), else PGlite in control's own process (its CPU then competes
// with the gateway's event loop: the figures say which).
const pgBase = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const scratch = pgBase ? await (await import('../test/helpers/db')).scratchPostgres(pgBase, 'boo_bench_gw') : undefined;

function child(role: string, arg?: string): Promise<{ proc: ChildProcess; url: string; backend?: string }> {
  const env = { ...process.env, ...(scratch ? { BENCH_DATABASE_URL: scratch.url } : {}) };
  const proc = fork(join(here, 'gateway-child.ts'), [role, ...(arg ? [arg] : [])], { env, execArgv: ['--import', 'tsx', ...(role === 'control' ? (process.env.BENCH_CONTROL_NODE_ARGS?.split(' ').filter(Boolean) ?? []) : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { url: string; backend?: string }) => resolve({ proc, ...m }));
    proc.once('exit', (code) => reject(new Error(`${role} child exited ${code}`)));
  });
}

const q = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

const sim = await child('sim');
const gw = await child('control', sim.url);
const pools = { direct: new Pool(sim.url, { connections: 2048, pipelining: 1 }), gateway: new Pool(gw.url!, { connections: 2048, pipelining: 1 }) };
type Arm = keyof typeof pools;
const body = (model: string, stream = false) => JSON.stringify({ model, messages: [{ role: 'user', content: 'bench me' }], max_tokens: stream ? 40 : 1, stream });

async function once(arm: Arm, payload: string): Promise<{ ms: number; status: number; overhead: number | null }> {
  const t0 = performance.now();
  const r = await pools[arm].request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: payload });
  await r.body.dump();
  const oh = r.headers['x-boo-overhead-ms'];
  return { ms: performance.now() - t0, status: r.statusCode, overhead: typeof oh === 'string' ? Number(oh) : null };
}

/** Open loop at `rate`/s for `secs`: latencies from the send, errors counted, gateway overhead header. */
async function openLoop(arm: Arm, rate: number, secs: number) {
  const lat: number[] = [];
  const oh: number[] = [];
  let errors = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const payload = body('mock');
  while (performance.now() - start < secs * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) {
      sent++;
      pending.push(
        once(arm, payload).then(
          (r) => {
            if (r.status !== 200) errors++;
            else lat.push(r.ms);
            if (r.overhead !== null) oh.push(r.overhead);
          },
          () => void errors++,
        ),
      );
    }
    await new Promise((r) => setImmediate(r));
  }
  const window = (performance.now() - start) / 1000;
  await Promise.all(pending);
  return { lat, oh, errors, sent, achieved: sent / window };
}

async function stream(arm: Arm, model: string): Promise<{ ttft: number; gaps: number[]; ok: boolean }> {
  const t0 = performance.now();
  const r = await pools[arm].request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: body(model, true) });
  const at: number[] = [];
  for await (const _chunk of r.body) at.push(performance.now());
  return { ttft: (at[0] ?? NaN) - t0, gaps: at.slice(1).map((t, i) => t - at[i]!), ok: r.statusCode === 200 };
}

async function streams(arm: Arm, n: number) {
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => new Promise((r) => setTimeout(r, i * 2)).then(() => stream(arm, 'sched'))));
  return { ttft: rs.filter((r) => r.ok).map((r) => r.ttft), gaps: rs.flatMap((r) => r.gaps), failed: rs.filter((r) => !r.ok).length };
}

/** Waits until control has worked off the backlog of a load phase (its ingest shares the event loop). */
async function settle(): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    await pools.gateway.request({ method: 'GET', path: '/health' }).then((r) => r.body.dump());
    if (performance.now() - t0 < 5) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const rss = (): Promise<{ rss: number; heap: number }> =>
  new Promise((resolve) => {
    gw.proc.once('message', (m: { rss: number; heap: number }) => resolve(m));
    gw.proc.send({ type: 'rss' });
  });

const report: Record<string, unknown> = { cores: (await import('node:os')).cpus().length, loadavg: loadavg().map((x) => +x.toFixed(1)), db: gw.backend, secondsPerPhase: seconds };
try {
  for (const arm of ['direct', 'gateway'] as Arm[]) for (let i = 0; i < 200; i++) await once(arm, body('mock'));
  await stream('direct', 'sched');
  await stream('direct', 'slow').catch(() => undefined);

  const nonStream: Record<string, unknown>[] = [];
  for (const rate of rates) {
    const acc = { direct: { lat: [] as number[], errors: 0, achieved: 0 }, gateway: { lat: [] as number[], oh: [] as number[], errors: 0, achieved: 0 } };
    for (const arm of ['direct', 'gateway', 'direct', 'gateway'] as Arm[]) {
      const r = await openLoop(arm, rate, seconds / 2);
      acc[arm].lat.push(...r.lat);
      acc[arm].errors += r.errors;
      acc[arm].achieved += r.achieved / 2;
      if (arm === 'gateway') acc.gateway.oh.push(...r.oh);
    }
    const d = acc.direct.lat;
    const g = acc.gateway.lat;
    nonStream.push({
      rate,
      achieved: { direct: Math.round(acc.direct.achieved), gateway: Math.round(acc.gateway.achieved) },
      errors: { direct: acc.direct.errors, gateway: acc.gateway.errors },
      directMs: { p50: q(d, 0.5), p99: q(d, 0.99) },
      gatewayMs: { p50: q(g, 0.5), p99: q(g, 0.99) },
      addedMs: { p50: q(g, 0.5) - q(d, 0.5), p99: q(g, 0.99) - q(d, 0.99) },
      ratio: { p50: q(g, 0.5) / q(d, 0.5), p99: q(g, 0.99) / q(d, 0.99) },
      selfReportedOverheadMs: { p50: q(acc.gateway.oh, 0.5), p99: q(acc.gateway.oh, 0.99) },
    });
  }
  report.nonStreaming = nonStream;
  await settle();

  const s = { direct: { ttft: [] as number[], gaps: [] as number[], failed: 0 }, gateway: { ttft: [] as number[], gaps: [] as number[], failed: 0 } };
  for (const arm of ['direct', 'gateway', 'direct', 'gateway'] as Arm[]) {
    const r = await streams(arm, 32);
    s[arm].ttft.push(...r.ttft);
    s[arm].gaps.push(...r.gaps);
    s[arm].failed += r.failed;
  }
  const dev = (gaps: number[]) => gaps.map((x) => Math.abs(x - 20));
  report.streaming = {
    streams: 64,
    schedule: 'first token 50 ms, 40 tokens 20 ms apart',
    ttftMs: { direct: { p50: q(s.direct.ttft, 0.5), p99: q(s.direct.ttft, 0.99) }, gateway: { p50: q(s.gateway.ttft, 0.5), p99: q(s.gateway.ttft, 0.99) } },
    addedTtftMs: { p50: q(s.gateway.ttft, 0.5) - q(s.direct.ttft, 0.5), p99: q(s.gateway.ttft, 0.99) - q(s.direct.ttft, 0.99) },
    gapDeviationMs: { direct: { p50: q(dev(s.direct.gaps), 0.5), p99: q(dev(s.direct.gaps), 0.99) }, gateway: { p50: q(dev(s.gateway.gaps), 0.5), p99: q(dev(s.gateway.gaps), 0.99) } },
    gapChangeP99Ms: q(dev(s.gateway.gaps), 0.99) - q(dev(s.direct.gaps), 0.99),
    chunks: { direct: s.direct.gaps.length, gateway: s.gateway.gaps.length },
    failed: { direct: s.direct.failed, gateway: s.gateway.failed },
  };

  await settle();
  const n = Number(o.streams);
  const base = await rss();
  let firstBytes = 0;
  const open = Array.from({ length: n }, (_, i) =>
    new Promise((r) => setTimeout(r, i)).then(async () => {
      const r = await pools.gateway.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: body('slow', true) });
      let first = true;
      for await (const _c of r.body) if (first) ((first = false), firstBytes++);
    }),
  );
  const t0 = performance.now();
  while (firstBytes < n && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  const peak = await rss();
  report.openStreams = { streams: n, streaming: firstBytes, rssBaseMB: +(base.rss / 1048576).toFixed(1), rssMB: +(peak.rss / 1048576).toFixed(1), rssAddedMB: +((peak.rss - base.rss) / 1048576).toFixed(1), heapMB: +(peak.heap / 1048576).toFixed(1) };
  await Promise.allSettled(open);
  report.decision = decisionTimes();
} finally {
  await Promise.all([pools.direct.close(), pools.gateway.close()]);
  gw.proc.send({ type: 'stop' });
  await new Promise((r) => setTimeout(r, 500));
  gw.proc.kill();
  sim.proc.kill();
  await scratch?.drop().catch(() => undefined);
}

if (o.json) console.log(JSON.stringify(report));
else {
  console.log(`machine: ${String(report.cores)} cores, load ${(report.loadavg as number[]).join(' ')}; control db ${String(report.db)}; ${seconds}s per rate and arm`);
  for (const r of report.nonStreaming as Array<Record<string, any>>) {
    console.log(
      `non-stream ${r.rate}/s (achieved ${r.achieved.direct}/${r.achieved.gateway}): direct p50 ${f2(r.directMs.p50)} p99 ${f2(r.directMs.p99)} ms | gateway p50 ${f2(r.gatewayMs.p50)} p99 ${f2(r.gatewayMs.p99)} ms | added p50 ${f2(r.addedMs.p50)} p99 ${f2(r.addedMs.p99)} ms (×${f2(r.ratio.p50)} / ×${f2(r.ratio.p99)}) | X-Boo-Overhead-Ms p50 ${f2(r.selfReportedOverheadMs.p50)} p99 ${f2(r.selfReportedOverheadMs.p99)} | errors ${r.errors.direct}/${r.errors.gateway}`,
    );
  }
  const st = report.streaming as Record<string, any>;
  console.log(`streaming: TTFT direct p50 ${f2(st.ttftMs.direct.p50)} p99 ${f2(st.ttftMs.direct.p99)} | gateway p50 ${f2(st.ttftMs.gateway.p50)} p99 ${f2(st.ttftMs.gateway.p99)} | added p50 ${f2(st.addedTtftMs.p50)} p99 ${f2(st.addedTtftMs.p99)} ms`);
  console.log(`streaming: |gap − 20 ms| direct p50 ${f2(st.gapDeviationMs.direct.p50)} p99 ${f2(st.gapDeviationMs.direct.p99)} | gateway p50 ${f2(st.gapDeviationMs.gateway.p50)} p99 ${f2(st.gapDeviationMs.gateway.p99)} | change p99 ${f2(st.gapChangeP99Ms)} ms; chunks ${st.chunks.direct}/${st.chunks.gateway}`);
  const os = report.openStreams as Record<string, number>;
  console.log(`open streams: ${os.streaming}/${os.streams} streaming through the gateway; control RSS ${os.rssBaseMB} → ${os.rssMB} MB (+${os.rssAddedMB} MB), heap ${os.heapMB} MB`);
  const dt = report.decision as { p50Us: number; p99Us: number };
  console.log(`routing decision (10 hosts × 3 models, auto:fast): p50 ${f2(dt.p50Us)} µs, p99 ${f2(dt.p99Us)} µs`);
}
process.exit(0);
