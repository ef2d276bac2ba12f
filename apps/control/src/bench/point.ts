import type { BenchPoint, BenchSample, BenchSpec } from '@boocontrol/contracts';
import { dist, evaluateSlos, goodput, isNoisy, latencies, mean, percentile, repStat, tokensInWindow, zeroGapFraction } from './metrics';
import { succeeded, type RequestRecord } from './record';

/** A prompt cache serving more than this share of prompt tokens makes a "cold" point contaminated. */
export const CONTAMINATION_RATIO = 0.1;
/** Client token events may differ from the server's count by this much before we flag it (S4). */
export const TOKEN_DIVERGENCE = 0.01;
/** More zero-gap (< 0.1 ms) chunk gaps than this share means read coalescing (S2). */
export const COALESCED_SHARE = 0.01;

export interface PointInput {
  index: number;
  level: number;
  driver: BenchSpec['driver']['kind'];
  startedAt: Date;
  /** every record of the point, warmup and cooldown included (event-level throughput uses them) */
  records: readonly RequestRecord[];
  /** absolute [start, end) of each repetition's measured window */
  windows: readonly (readonly [number, number])[];
  spec: Pick<BenchSpec, 'slos' | 'maxErrorRate'>;
  workload: { defeatsCache: boolean; ignoreEos: boolean };
}

/** Which repetition window a scheduled time falls in, or null (warmup/cooldown). */
export function repOf(windows: PointInput['windows'], tSched: number): number | null {
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as readonly [number, number];
    if (tSched >= w[0] && tSched < w[1]) return i;
  }
  return null;
}

const ratio = (recs: readonly RequestRecord[]): number | null => {
  let cached = 0;
  let all = 0;
  for (const r of recs) {
    if (r.cacheN === null || r.promptN === null) continue;
    cached += r.cacheN;
    all += r.cacheN + r.promptN;
  }
  return all > 0 ? cached / all : null;
};

const timingRate = (t: Record<string, unknown> | null, n: string, ms: string): number | null => {
  const a = t?.[n];
  const b = t?.[ms];
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? (a / b) * 1000 : null;
};

/**
 * Derives one point's figures from its request records. Request-level figures use the requests
 * scheduled inside a measured window; throughput counts the tokens that arrived inside the
 * windows, whichever request they belong to (GuideLLM's event-level rule).
 */
export function derivePoint(p: PointInput): BenchPoint {
  const withRep = p.records.map((r) => ({ r, rep: repOf(p.windows, r.tSched) }));
  const measured = withRep.filter((x) => x.rep !== null && x.r.errorKind !== 'aborted');
  const mrecs = measured.map((x) => x.r);
  const ok = mrecs.filter(succeeded);
  const shed = mrecs.filter((r) => r.errorKind === 'shed').length;
  const errors = mrecs.length - ok.length - shed;
  const measuredS = p.windows.reduce((s, [a, b]) => s + (b - a), 0) / 1000;
  const n = Math.max(1, mrecs.length);
  const errorRate = mrecs.length ? errors / n : 0;
  const shedRate = mrecs.length ? shed / n : 0;

  const perRep = p.windows.map(([a, b], i) => {
    const s = (b - a) / 1000;
    const tok = tokensInWindow(p.records, a, b);
    const repOk = measured.filter((x) => x.rep === i && succeeded(x.r)).map((x) => x.r);
    const done = p.records.filter((r) => succeeded(r) && r.tDone !== null && r.tDone >= a && r.tDone < b).length;
    return {
      outputTps: tok.output / s,
      totalTps: (tok.output + tok.prompt) / s,
      requestRate: done / s,
      ttftP50: percentile(latencies(repOk, 'ttft'), 50),
      tpotP50: percentile(latencies(repOk, 'tpot'), 50),
    };
  });
  const outputTps = repStat(perRep.map((x) => x.outputTps));
  const ttftP50Ms = repStat(perRep.map((x) => x.ttftP50));
  const tpotP50Ms = repStat(perRep.map((x) => x.tpotP50));

  const serverCounted = ok.filter((r) => r.outputTokens !== null);
  const serverTokens = serverCounted.reduce((s, r) => s + (r.outputTokens as number), 0);
  const clientTokens = serverCounted.reduce((s, r) => s + r.clientTokens, 0);
  const cacheHitRatio = ratio(ok);
  const sources = new Set(ok.map((r) => r.tokenSource));
  const tokenSource = sources.has('none') || sources.size === 0 ? 'none' : sources.has('timings') ? 'timings' : 'usage';
  const slo = evaluateSlos(mrecs, p.spec.slos, errorRate + shedRate, p.spec.maxErrorRate);
  const nums = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);

  return {
    index: p.index,
    level: p.level,
    driver: p.driver,
    repetitions: p.windows.length,
    startedAt: p.startedAt.toISOString(),
    measuredS,
    requests: { measured: mrecs.length, succeeded: ok.length, errors, shed, sent: p.records.length },
    foreignRequests: 0,
    errorRate,
    shedRate,
    ttftMs: dist(latencies(ok, 'ttft')),
    ttftSchedMs: dist(latencies(ok, 'ttftSched')),
    ttfbMs: dist(nums(ok.map((r) => (r.tFirstByte === null ? null : r.tFirstByte - r.tSent)))),
    ttfoMs: dist(nums(ok.map((r) => (r.tFirstVisible === null ? null : r.tFirstVisible - r.tSent)))),
    tpotMs: dist(latencies(ok, 'tpot')),
    itlMs: dist(latencies(ok, 'itl')),
    e2eMs: dist(latencies(ok, 'e2e')),
    e2eSchedMs: dist(latencies(ok, 'e2eSched')),
    queueMs: dist(mrecs.map((r) => r.tSent - r.tSched)),
    outputTps,
    totalTps: repStat(perRep.map((x) => x.totalTps)),
    requestRate: repStat(perRep.map((x) => x.requestRate)),
    ttftP50Ms,
    tpotP50Ms,
    serverPromptTps: dist(nums(ok.map((r) => timingRate(r.timings, 'prompt_n', 'prompt_ms')))),
    serverGenTps: dist(nums(ok.map((r) => timingRate(r.timings, 'predicted_n', 'predicted_ms')))),
    inputTokensMean: mean(nums(ok.map((r) => r.promptTokens))),
    outputTokensMean: mean(nums(ok.map((r) => r.outputTokens))),
    cacheHitRatio,
    followUpCacheHitRatio: ratio(ok.filter((r) => r.turn !== null && r.turn >= 2)),
    tokenSource,
    goodput: goodput(mrecs, p.spec.slos, measuredS),
    slo,
    flags: {
      noisy: isNoisy(outputTps, ttftP50Ms, tpotP50Ms),
      contaminated: p.workload.defeatsCache && cacheHitRatio !== null && cacheHitRatio > CONTAMINATION_RATIO,
      tokenCountDivergent: serverTokens > 0 && Math.abs(clientTokens - serverTokens) / serverTokens > TOKEN_DIVERGENCE,
      ignoreEosIgnored: p.workload.ignoreEos && ok.some((r) => r.outputTokens !== null && r.outputTokens < r.maxTokens),
      coalescedChunks: zeroGapFraction(ok) > COALESCED_SHARE,
      shedding: shed > 0,
      // set by the bench job, which watches the host's traffic (the engine sees only its own)
      foreignTraffic: false,
    },
    errorSamples: [...new Set(mrecs.map((r) => r.error).filter((e): e is string => e !== null))].slice(0, 5),
  };
}

/**
 * A bounded, evenly spread sample of a point's measured requests for storage (every k-th one),
 * with times relative to the point's start so they read as "ms into the point".
 */
export function sampleRecords(records: readonly RequestRecord[], windows: PointInput['windows'], start: number, max: number): BenchSample[] {
  const measured = records.filter((r) => repOf(windows, r.tSched) !== null && r.errorKind !== 'aborted');
  const step = Math.max(1, measured.length / Math.max(1, max));
  const rel = (t: number | null) => (t === null ? null : t - start);
  const out: BenchSample[] = [];
  for (let i = 0; i < measured.length && out.length < max; i += step) {
    const r = measured[Math.floor(i)] as RequestRecord;
    out.push({
      seq: r.seq,
      rep: repOf(windows, r.tSched),
      user: r.user,
      turn: r.turn,
      tSched: r.tSched - start,
      tSent: r.tSent - start,
      tFirstByte: rel(r.tFirstByte),
      tFirstContent: rel(r.tFirstContent),
      tLastToken: rel(r.tLastToken),
      tDone: rel(r.tDone),
      chunkTimes: r.chunkTimes.map((t) => t - start),
      status: r.status,
      errorKind: r.errorKind,
      error: r.error,
      finishReason: r.finishReason,
      maxTokens: r.maxTokens,
      promptTokens: r.promptTokens,
      outputTokens: r.outputTokens,
      clientTokens: r.clientTokens,
      usage: r.usage,
      timings: r.timings,
    });
  }
  return out;
}
