import { randomInt } from 'node:crypto';
import type { BenchPoint, BenchProgress, BenchSample, BenchSpec, BenchSummary, ErrorCode } from '@boocontrol/contracts';
import { capacitySearch, findKnee } from './capacity';
import { driveClosedLoop, driveOpenLoop, sleep } from './drivers';
import { derivePoint, sampleRecords } from './point';
import type { RequestRecord } from './record';
import { Rng } from './rng';
import { prepareBench } from './spec';
import { createDispatcher, monotonicClock, sendStreaming, type Clock, type HttpTarget } from './stream-recorder';
import { createWorkload, type Workload } from './workloads';

/**
 * The bench engine: runs a validated spec against one OpenAI-compatible endpoint (a llama-swap
 * host or a llama-server) and reports a point per load level. It knows nothing of jobs, leases
 * or HTTP routes; the caller wraps it (deps carry the signal and the callbacks).
 */
export interface BenchDeps {
  baseUrl: string;
  apiKey?: string | undefined;
  /** aborting it stops the run within a second; finished points are kept */
  signal: AbortSignal;
  clock?: Clock;
  onProgress?(event: BenchProgress): void;
  /** called once per finished point, in order, with a bounded sample of its requests */
  onPoint?(point: BenchPoint, samples: BenchSample[]): void | Promise<void>;
  /** samples handed to onPoint per point (default 200) */
  maxSamplesPerPoint?: number;
  /** mixed into every prompt so no earlier run's KV cache can serve it (default: random) */
  runNonce?: number;
}

export interface BenchOutcome {
  status: 'succeeded' | 'cancelled' | 'failed';
  points: BenchPoint[];
  summary: BenchSummary;
  error: { code: ErrorCode; message: string } | null;
}

const CHAT_PATH = '/v1/chat/completions';
/** How often `requests` progress is reported while a point runs. */
const PROGRESS_EVERY_MS = 500;

export function summarize(points: readonly BenchPoint[]): BenchSummary {
  const tps = points.map((p) => p.outputTps.mean);
  const peak = tps.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.max(m, v)), null);
  return {
    knee: findKnee(points.map((p) => p.level), tps),
    capacity: capacitySearch(points.map((p) => ({ level: p.level, met: p.slo.met, margin: p.slo.margin }))),
    peakOutputTps: peak,
  };
}

function requestBody(spec: BenchSpec, w: Workload, messages: unknown, maxTokens: number): Record<string, unknown> {
  // include_usage always: llama-server then sends usage (current builds in a trailing chunk),
  // which is where the token counts come from
  return { model: spec.model, messages, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true }, ...w.extra };
}

/**
 * One tiny request before the sweep: llama-swap loads the model on first use, and that load
 * must not land in the first point's warmup-sized window. A host that cannot answer fails the
 * run here, before any point.
 */
async function readyCheck(t: HttpTarget, spec: BenchSpec, w: Workload, runNonce: number, signal: AbortSignal): Promise<RequestRecord> {
  let rec: RequestRecord | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = t.clock.now();
    const body = requestBody(spec, w, [{ role: 'user', content: `ready check ${runNonce} ${attempt}` }], 1);
    rec = await sendStreaming(t, CHAT_PATH, body, { seq: -1, user: -1, turn: null, maxTokens: 1, tSched: now, tSent: now }, false, signal);
    if (rec.errorKind !== 'shed') return rec;
    await sleep(1000, signal);
  }
  return rec as RequestRecord;
}

export async function runBench(input: unknown, deps: BenchDeps): Promise<BenchOutcome> {
  const { spec, prompts, levels } = prepareBench(input);
  const clock = deps.clock ?? monotonicClock;
  const runNonce = deps.runNonce ?? randomInt(2 ** 31);
  const workload = createWorkload(spec.workload, { seed: spec.seed, runNonce, ...(prompts ? { prompts } : {}) });
  const maxInflight = spec.driver.kind === 'concurrency' ? Math.max(...spec.driver.levels) : spec.driver.maxConcurrency;
  const dispatcher = createDispatcher(maxInflight + 2, spec.requestTimeoutMs);
  const target: HttpTarget = { baseUrl: deps.baseUrl, apiKey: deps.apiKey, dispatcher, clock, timeoutMs: spec.requestTimeoutMs };
  const points: BenchPoint[] = [];
  const outcome = (status: BenchOutcome['status'], error: BenchOutcome['error'] = null): BenchOutcome => ({ status, points, summary: summarize(points), error });
  let seq = 0;

  try {
    const ready = await readyCheck(target, spec, workload, runNonce, deps.signal);
    if (deps.signal.aborted) return outcome('cancelled');
    if (ready.errorKind !== null) return outcome('failed', { code: 'UPSTREAM_ERROR', message: `the model did not answer: ${ready.error ?? 'unknown error'}` });

    for (let index = 0; index < levels.length; index++) {
      const level = levels[index] as number;
      deps.onProgress?.({ type: 'point-started', index, level, of: levels.length });
      const records: RequestRecord[] = [];
      const startedAt = new Date();
      const start = clock.now();
      const warmupEnd = start + spec.window.warmupS * 1000;
      const repMs = (spec.window.measureS * 1000) / spec.repetitions;
      const windows = Array.from({ length: spec.repetitions }, (_, r) => [warmupEnd + r * repMs, warmupEnd + (r + 1) * repMs] as const);
      const measureEnd = warmupEnd + spec.window.measureS * 1000;
      const issueUntil = measureEnd + spec.window.cooldownS * 1000;
      let inflight = 0;
      let errors = 0;
      let shed = 0;

      const timers = phaseTimers(deps, index, clock.now(), warmupEnd, windows, measureEnd, issueUntil);
      const ticker = setInterval(() => deps.onProgress?.({ type: 'requests', index, done: records.length, errors, shed, inflight }), PROGRESS_EVERY_MS);
      const send = async (user: number, tSched: number, signal: AbortSignal): Promise<RequestRecord> => {
        const req = workload.next(user);
        inflight++;
        const tSent = clock.now();
        const rec = await sendStreaming(target, CHAT_PATH, requestBody(spec, workload, req.messages, req.maxTokens), { seq: seq++, user, turn: req.turn, maxTokens: req.maxTokens, tSched, tSent }, req.keepText, signal);
        inflight--;
        if (rec.errorKind === 'shed') shed++;
        else if (rec.errorKind !== null && rec.errorKind !== 'aborted') errors++;
        workload.done(user, req, rec);
        records.push(rec);
        return rec;
      };
      const isMeasured = (t: number) => t >= warmupEnd && t < measureEnd;
      try {
        const o = { clock, signal: deps.signal, issueUntil, isMeasured, send };
        if (spec.driver.kind === 'concurrency') await driveClosedLoop(level, o);
        else {
          const rng = new Rng((spec.seed ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
          await driveOpenLoop({ rate: level, burstiness: spec.driver.burstiness, maxConcurrency: spec.driver.maxConcurrency, rng, start }, o);
        }
      } finally {
        clearInterval(ticker);
        for (const t of timers) clearTimeout(t);
      }
      // a cancelled point is incomplete: it is dropped, the finished ones are kept
      if (deps.signal.aborted) return outcome('cancelled');

      const point = derivePoint({ index, level, driver: spec.driver.kind, startedAt, records, windows, spec, workload });
      points.push(point);
      await deps.onPoint?.(point, sampleRecords(records, windows, start, deps.maxSamplesPerPoint ?? 200));
      if (point.requests.succeeded === 0 && point.requests.errors > 0 && point.requests.shed === 0) {
        return outcome('failed', { code: 'UPSTREAM_ERROR', message: `every request of point ${index} failed: ${point.errorSamples[0] ?? 'unknown error'}` });
      }
    }
    return outcome('succeeded');
  } finally {
    await dispatcher.destroy();
  }
}

/** Phase progress events at the window boundaries. */
function phaseTimers(deps: BenchDeps, index: number, now: number, warmupEnd: number, windows: readonly (readonly [number, number])[], measureEnd: number, issueUntil: number): NodeJS.Timeout[] {
  const emit = (phase: 'warmup' | 'measure' | 'cooldown' | 'drain', rep: number | null) => deps.onProgress?.({ type: 'phase', index, phase, rep });
  const at = (t: number, f: () => void) => setTimeout(f, Math.max(0, t - now));
  if (warmupEnd > now) emit('warmup', null);
  return [
    ...windows.map(([a], rep) => at(a, () => emit('measure', rep))),
    at(measureEnd, () => emit('cooldown', null)),
    at(issueUntil, () => emit('drain', null)),
  ];
}
