// `pnpm bench sim`: how many concurrent streams and tokens/s one simulator process sustains, and
// how precisely it paces tokens. The pacing error is |actual − due| of every token's write:
// measured by the writer thread when it writes (the default, see src/http/offload.ts), or by the
// shared pacer when it emits (SIM_OFFLOAD=0). At the client it is the deviation of each token's
// arrival from its stream's grid (k·interval, anchored at the stream's median offset: the client
// cannot know when the simulator started the stream). The client is a separate process; its
// streams arrive spread over the first second (SIM_BENCH_ALIGNED=1: all at once). The same load is
// also served by a bare paced server (floor.ts) to show what this machine allows.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { setWriteOffload, startSimHost } from '../src/index';
import { LEAD_MS, startWriteLatenessRecording, stopWriteLatenessRecording, writerPriority } from '../src/http/offload';
import { pacer } from '../src/pacer';
import { startFloorServer } from './floor';

// The writer thread is what this bench measures by default; SIM_OFFLOAD=0 measures plain writes.
setWriteOffload(process.env.SIM_OFFLOAD !== '0');

interface ClientResult {
  tokens: number;
  window: number;
  completed: number;
  failed: number;
  peakOpen: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

const TARGET = { streams: 500, tps: 20_000, p99: 2 };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

interface PhaseResult {
  cpuUsPerToken: number;
  client: ClientResult;
  /** pacing error of the bytes: when they were written vs due (writer thread, or the pacer) */
  simP50: number;
  simP99: number;
  simMax: number;
  /** where the pacing error was measured: the writer thread (|written − due|) or the pacer */
  measuredIn: 'writer thread' | 'pacer';
  loopP99: number;
  /** share of the window the simulator's event loop was busy (1 = saturated) */
  loopBusy: number;
}

/** Lateness of a lone 40 Hz pacer with nothing else running: what the machine alone costs. */
async function noiseFloor(ms: number): Promise<{ p50: number; p99: number }> {
  pacer.startRecording();
  const end = pacer.now() + ms;
  await new Promise<void>((resolve) => {
    const tick = (at: number): void => {
      if (at > end) return resolve();
      pacer.schedule(at, () => tick(at + 25));
    };
    tick(pacer.now() + 25);
  });
  const l = pacer.stopRecording();
  return { p50: pct(l, 50), p99: pct(l, 99) };
}

async function phase(streams: number, genTps: number, durationMs: number, target: 'sim' | 'floor' = 'sim'): Promise<PhaseResult> {
  // captures off: a 5 MB capture buffer would only measure base64 encoding of finished streams
  const host =
    target === 'floor'
      ? await startFloorServer(genTps)
      : await startSimHost({
          seed: 1,
          config: { captureBuffer: 0, models: { bench: { loadMs: 0, genTps, promptTps: 1e6, contextLength: 1 << 20, concurrencyLimit: streams * 2 } } },
        });
  const warmupMs = 3000;
  const job = { url: host.url, model: 'bench', streams, maxTokens: genTps * 4, genTps, durationMs, warmupMs };
  const child = fork(fileURLToPath(new URL('./client.ts', import.meta.url)), [JSON.stringify(job)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let recording = false;
  let cpu0 = process.cpuUsage();
  let elu0 = performance.eventLoopUtilization();
  const startRec = setTimeout(() => {
    pacer.startRecording();
    if (target === 'sim') startWriteLatenessRecording();
    loop.enable();
    cpu0 = process.cpuUsage();
    elu0 = performance.eventLoopUtilization();
    recording = true;
  }, warmupMs);
  const client = await new Promise<ClientResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ClientResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`bench client exited with ${code}`)));
  });
  clearTimeout(startRec);
  const cpu = process.cpuUsage(cpu0);
  const loopBusy = performance.eventLoopUtilization(elu0).utilization;
  const lateness = recording ? pacer.stopRecording() : [];
  const wire = target === 'sim' && recording ? stopWriteLatenessRecording() : null;
  loop.disable();
  await host.close();
  const cpuUsPerToken = (cpu.user + cpu.system) / Math.max(1, client.tokens);
  const loopP99 = loop.percentile(99) / 1e6;
  // the pacer emits up to a quarter millisecond early: error is the distance either way
  const abs = lateness.map(Math.abs);
  const inHost = { p50: pct(abs, 50), p99: pct(abs, 99), max: abs.reduce((a, b) => Math.max(a, b), 0) };
  // With the writer thread the host's pacer hands tokens over up to LEAD_MS early, so its lateness
  // says nothing about the wire; the writer measures every paced write against its due time.
  if (wire && wire.count > 0) return { cpuUsPerToken, client, simP50: wire.p50, simP99: wire.p99, simMax: wire.max, measuredIn: 'writer thread', loopP99, loopBusy };
  return { cpuUsPerToken, client, simP50: inHost.p50, simP99: inHost.p99, simMax: inHost.max, measuredIn: 'pacer', loopP99, loopBusy };
}

const f = (x: number, d = 2): string => x.toFixed(d);
const started = Date.now();
const floor = await noiseFloor(2000);
console.log(`[sim bench] machine noise floor (idle pacer, 40 Hz): lateness p50 ${f(floor.p50, 3)} ms  p99 ${f(floor.p99, 3)} ms  (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${cpus().length} cores)`);
const results: Array<{ label: string; target: 'sim' | 'floor'; r: PhaseResult }> = [];
// The target phase first, then the same load on a bare paced server (the machine's floor, see
// floor.ts), then a light phase (pacing when the simulator is not CPU-bound) and a heavy one
// (headroom).
// SIM_BENCH_SECONDS sets how long the two target phases measure (default 11 s after 3 s warm-up).
const targetMs = 3000 + 1000 * (Number(process.env.SIM_BENCH_SECONDS) || 11);
const phases: Array<readonly [number, number, number, 'sim' | 'floor']> = [
  [TARGET.streams, 40, targetMs, 'sim'],
  [TARGET.streams, 40, targetMs, 'floor'],
  [100, 40, 8_000, 'sim'],
  [1000, 40, 10_000, 'sim'],
];
// SIM_BENCH_QUICK=1 runs only the target phase and its floor; SIM_BENCH_ONLY=sim|floor one of them
// (for profiling)
const only = process.env.SIM_BENCH_ONLY;
const chosen = process.env.SIM_BENCH_QUICK || only ? phases.slice(0, 2).filter((p) => !only || p[3] === only) : phases;
for (const [streams, tps, ms, target] of chosen) {
  const r = await phase(streams, tps, ms, target);
  const label = `${streams} streams × ${tps} tok/s${target === 'floor' ? ', bare paced server (floor)' : ''}`;
  results.push({ label, target, r });
  const agg = r.client.tokens / r.client.window;
  const who = target === 'floor' ? 'server' : 'simulator';
  console.log(`[sim bench] ${label}: aggregate ${Math.round(agg)} tok/s over ${f(r.client.window, 1)} s (peak open ${r.client.peakOpen}, completed ${r.client.completed}, failed ${r.client.failed})`);
  console.log(`            ${who} CPU ${f(r.cpuUsPerToken, 1)} µs per token, all threads (→ ≈ ${Math.round(1e6 / r.cpuUsPerToken)} tok/s per core); event loop busy ${f(r.loopBusy * 100, 0)} %`);
  const where = target === 'floor' ? 'server' : r.measuredIn;
  if (r.measuredIn === 'writer thread') console.log(`            tokens handed to the writer thread up to ${LEAD_MS} ms ahead, written when due; writer priority: ${writerPriority() ?? 'unknown'}`);
  console.log(`            pacing error in ${where} p50 ${f(r.simP50, 3)} ms  p99 ${f(r.simP99, 3)} ms  max ${f(r.simMax, 1)} ms   (event-loop delay p99 ${f(r.loopP99, 2)} ms)`);
  console.log(`            pacing error at client p50 ${f(r.client.p50, 3)} ms  p99 ${f(r.client.p99, 3)} ms  max ${f(r.client.max, 1)} ms  (${r.client.samples} samples)`);
}
const main = results[0]?.r;
const floorRun = results.find((x) => x.target === 'floor')?.r;
if (main) {
  const agg = main.client.tokens / main.client.window;
  const ok = main.client.peakOpen >= TARGET.streams && agg >= TARGET.tps * 0.97 && main.simP99 <= TARGET.p99;
  console.log(
    `[sim bench] targets (${TARGET.streams} streams, ${TARGET.tps} tok/s, sim pacing p99 ≤ ${TARGET.p99} ms): ${ok ? 'MET' : 'NOT MET'} — ${main.client.peakOpen} streams, ${Math.round(agg)} tok/s, p99 ${f(main.simP99, 3)} ms; total ${f((Date.now() - started) / 1000, 1)} s`,
  );
  if (floorRun) {
    console.log(
      `[sim bench] against the bare paced server in this run: pacing p99 ${f(main.simP99, 3)} vs ${f(floorRun.simP99, 3)} ms (×${f(main.simP99 / Math.max(1e-3, floorRun.simP99), 2)}), CPU per token ×${f(main.cpuUsPerToken / floorRun.cpuUsPerToken, 2)}${floorRun.simP99 > TARGET.p99 ? `; the floor itself is above ${TARGET.p99} ms on this machine` : ''}`,
    );
  }
}
process.exit(0);
