// `pnpm bench harness`: the bench engine's own timing error (targets S1/S2 in the methodology).
// A simulator model serves a fixed schedule (first token after FIRST_MS, then one chunk every
// GAP_MS); the engine runs closed-loop at 1, 8, 64 and 256 users against it and reports TTFT
// error (measured − scheduled) and chunk-gap error. The simulator's own queueing (startMs from its
// schedule log) is printed beside it, and the same sweep against a bare paced server (no
// simulator at all) shows the floor this machine allows; compare ratios within one run.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runBench } from '../src/bench/engine';

const FIRST_MS = 80;
const GAP_MS = 20;
const TOKENS = 32;
const LEVELS = (process.env.HARNESS_LEVELS ?? '1,8,64,256').split(',').map(Number);
const MEASURE_S = Number(process.env.HARNESS_MEASURE_S ?? 4);

const child = fork(fileURLToPath(new URL('./harness-sim.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, HARNESS_FIRST_MS: String(FIRST_MS), HARNESS_GAP_MS: String(GAP_MS), HARNESS_TOKENS: String(TOKENS) },
});
const next = <T>(type: string) => new Promise<T>((r) => child.on('message', (m: { type: string }) => m.type === type && r(m as T)));
const { sim, floor } = await next<{ sim: string; floor: string }>('ready');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const f = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '   —' : x.toFixed(2).padStart(7));

async function sweep(baseUrl: string, scheduledFirstMs: number) {
  const out = await runBench(
    {
      model: 'sched',
      driver: { kind: 'concurrency', levels: LEVELS },
      workload: { kind: 'synthetic', inputTokens: 16, outputTokens: TOKENS, ignoreEos: false },
      window: { warmupS: 0.5, measureS: MEASURE_S, cooldownS: 0.2 },
      repetitions: 1,
    },
    { baseUrl, signal: new AbortController().signal },
  );
  return out.points.map((p) => ({
    level: p.level,
    n: p.requests.succeeded,
    ttftErrP50: p.ttftMs.p50 === null ? null : p.ttftMs.p50 - scheduledFirstMs,
    ttftErrP99: p.ttftMs.p99 === null ? null : p.ttftMs.p99 - scheduledFirstMs,
    gapErrP99: p.itlMs.p99 === null ? null : p.itlMs.p99 - GAP_MS,
  }));
}

console.log(`schedule: first token ${FIRST_MS} ms, then a chunk every ${GAP_MS} ms, ${TOKENS} tokens; levels ${LEVELS.join(', ')}; ${MEASURE_S} s measured per level`);
const simPoints = await sweep(sim, FIRST_MS);
child.send({ type: 'log' });
const { startMs } = await next<{ startMs: number[] }>('log');
// The floor server sends its first chunk one gap after the request (it has no prefill).
const floorPoints = await sweep(floor, GAP_MS);
console.log('\n             engine vs simulator schedule                 |  engine vs bare paced server (floor)');
console.log('users   reqs  TTFT err p50  p99   gap err p99            |  TTFT err p50  p99   gap err p99');
for (const [i, p] of simPoints.entries()) {
  const q = floorPoints[i];
  console.log(`${String(p.level).padStart(5)} ${String(p.n).padStart(6)}  ${f(p.ttftErrP50)} ${f(p.ttftErrP99)}   ${f(p.gapErrP99)}            |  ${f(q?.ttftErrP50)} ${f(q?.ttftErrP99)}   ${f(q?.gapErrP99)}`);
}
console.log(`\nsimulator queueing before its schedule starts (startMs, all levels): p50 ${f(pct(startMs, 50))} ms, p99 ${f(pct(startMs, 99))} ms`);
console.log('targets: S1 TTFT error ≤ 1 ms p50, ≤ 3 ms p99 up to 64 users; S2 chunk-gap error p99 (see methodology §5).');
console.log('TTFT error against the simulator includes its queueing (startMs) and the machine floor; the ratio to the floor column is the engine + simulator share.');
child.send({ type: 'stop' });
