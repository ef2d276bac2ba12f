import { describe, expect, it } from 'vitest';
import { capacitySearch, findKnee } from '../src/bench/capacity';
import { dist, evaluateSlos, goodput, isNoisy, percentile, repStat, requestMeetsSlos, sampleStd, tokensInWindow, zeroGapFraction } from '../src/bench/metrics';
import { derivePoint } from '../src/bench/point';
import { latencyOf, tpotOf, type RequestRecord } from '../src/bench/record';
import { Rng, arrivals } from '../src/bench/rng';

/** A successful request: sent at tSent, first token at `first`, then one chunk every `gap` ms. */
function rec(o: Partial<RequestRecord> & { first?: number; gap?: number; chunks?: number } = {}): RequestRecord {
  const first = o.first ?? 110;
  const gap = o.gap ?? 10;
  const chunks = o.chunks ?? 5;
  const chunkTimes = o.chunkTimes ?? Array.from({ length: chunks }, (_, i) => first + i * gap);
  return {
    seq: 0, user: 0, turn: null, maxTokens: chunks, tSched: 0, tSent: 10, tFirstByte: first - 1, tFirstEvent: first, tFirstContent: first,
    tFirstVisible: first, tLastToken: chunkTimes[chunkTimes.length - 1] ?? null, tDone: (chunkTimes[chunkTimes.length - 1] ?? first) + 1,
    chunkTimes, status: 200, errorKind: null, error: null, retryAfterMs: null, finishReason: 'length', usage: null, timings: null,
    promptTokens: 100, outputTokens: chunks, cacheN: 0, promptN: 100, tokenSource: 'usage', clientTokens: chunks, text: null,
    ...o,
  };
}
const failed = (kind: RequestRecord['errorKind']): RequestRecord => ({ ...rec(), status: kind === 'shed' ? 429 : 500, errorKind: kind, error: 'x', chunkTimes: [], tFirstContent: null, tLastToken: null });

describe('percentiles and spread (numpy linear interpolation)', () => {
  it('interpolates between order statistics', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBeCloseTo(9.1, 12);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBeCloseTo(99.01, 12);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNull();
    expect(dist([3, 1, 2])).toEqual({ n: 3, mean: 2, std: 1, min: 1, max: 3, p50: 2, p90: 2.8, p95: 2.9, p99: expect.closeTo(2.98, 12) });
  });
  it('uses the sample standard deviation (n − 1), as llama-bench ±', () => {
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sampleStd([1])).toBeNull();
  });
  it('reports mean ± std per repetition and flags a CV above 5 %', () => {
    const s = repStat([10, 12, null]);
    expect(s).toMatchObject({ mean: 11, values: [10, 12, null] });
    expect(s.std).toBeCloseTo(Math.SQRT2, 12);
    expect(s.cv).toBeCloseTo(Math.SQRT2 / 11, 12);
    expect(isNoisy(s)).toBe(true);
    expect(isNoisy(repStat([100, 101]))).toBe(false);
    expect(repStat([7]).cv).toBeNull();
  });
});

describe('per-request latencies', () => {
  it('TPOT excludes the first token; latencies run from the send and from the schedule', () => {
    const r = rec({ tSched: 0, tSent: 10, first: 110, gap: 10, chunks: 5 });
    expect(latencyOf(r, 'ttft')).toBe(100);
    expect(latencyOf(r, 'ttftSched')).toBe(110);
    expect(tpotOf(r)).toBe(10);
    expect(latencyOf(r, 'e2e')).toBe(140);
    expect(latencyOf(r, 'e2eSched')).toBe(150);
  });
  it('TPOT uses the server token count when chunks carry several tokens', () => {
    // 5 chunks over 40 ms but the server generated 9 tokens: 40 / 8
    expect(tpotOf(rec({ chunks: 5, outputTokens: 9 }))).toBe(5);
    expect(tpotOf(rec({ chunks: 1, outputTokens: 1 }))).toBeNull();
  });
});

describe('goodput and SLO verdicts', () => {
  const slos = [
    { metric: 'ttft' as const, percentile: 99 as const, maxMs: 105 },
    { metric: 'tpot' as const, percentile: 50 as const, maxMs: 12 },
  ];
  it('counts requests that meet every bound themselves (vLLM --goodput)', () => {
    const good = rec();
    const slowStart = rec({ first: 210 });
    const slowDecode = rec({ gap: 20 });
    const oneToken = rec({ chunks: 1, outputTokens: 1 });
    expect(requestMeetsSlos(good, slos)).toBe(true);
    expect(requestMeetsSlos(slowStart, slos)).toBe(false);
    expect(requestMeetsSlos(slowDecode, slos)).toBe(false);
    // no TPOT with one token: that bound cannot fail (as in vLLM)
    expect(requestMeetsSlos(oneToken, slos)).toBe(true);
    expect(requestMeetsSlos(failed('http'), slos)).toBe(false);
    expect(goodput([good, slowStart, failed('http'), oneToken], slos, 2)).toEqual({ rps: 1, fraction: 0.5 });
  });
  it('judges a point by its percentiles and its error budget, with a margin', () => {
    const recs = [rec(), rec({ first: 210 })];
    const v = evaluateSlos(recs, slos, 0, 0.01);
    // p99 of TTFT [100, 200] = 199 ms
    expect(v.results[0]).toEqual({ metric: 'ttft', percentile: 99, maxMs: 105, valueMs: 199, met: false });
    expect(v.results[1]).toMatchObject({ valueMs: 10, met: true });
    expect(v.met).toBe(false);
    expect(v.margin).toBeCloseTo(199 / 105 - 1, 12);
    const ok = evaluateSlos([rec(), rec()], slos, 0, 0.01);
    expect(ok.met).toBe(true);
    // the tightest bound sets the margin: TTFT 100 of 105 ms, against TPOT 10 of 12 ms
    expect(ok.margin).toBeCloseTo(100 / 105 - 1, 12);
    // 2 % failures against a 1 % budget fail the point even with fast requests
    expect(evaluateSlos([rec()], slos, 0.02, 0.01)).toMatchObject({ met: false, margin: expect.closeTo(1, 12) });
    expect(evaluateSlos([failed('http')], slos, 1, 0.01)).toMatchObject({ met: false, margin: null });
  });
});

describe('event-level throughput', () => {
  it('counts only the tokens whose chunks arrived inside the window', () => {
    // 5 chunks at 110..150 carrying 10 server tokens: 2 each
    const r = rec({ chunks: 5, outputTokens: 10 });
    expect(tokensInWindow([r], 115, 145)).toEqual({ output: 6, prompt: 0 });
    expect(tokensInWindow([r], 100, 200)).toEqual({ output: 10, prompt: 100 });
    expect(tokensInWindow([failed('http')], 0, 1000)).toEqual({ output: 0, prompt: 0 });
  });
  it('measures the share of coalesced (< 0.1 ms) gaps', () => {
    expect(zeroGapFraction([rec({ chunkTimes: [1, 1.05, 11, 21, 21] })])).toBe(0.5);
  });
  it('derives a point: windows, shed apart from errors, flags', () => {
    const recs = [
      rec({ tSched: 100, tSent: 100, first: 150, gap: 10, chunks: 4 }),
      rec({ tSched: 1100, tSent: 1100, first: 1150, gap: 10, chunks: 4, outputTokens: 4, cacheN: 80, promptN: 20 }),
      { ...failed('shed'), tSched: 1200, tSent: 1200 },
      { ...failed('http'), tSched: 1300, tSent: 1300 },
      rec({ tSched: 2500, tSent: 2500, first: 2550 }), // cooldown: not measured
    ];
    const p = derivePoint({
      index: 0, level: 1, driver: 'concurrency', startedAt: new Date(0), records: recs, windows: [[0, 1000], [1000, 2000]],
      spec: { slos: [{ metric: 'ttft', percentile: 50, maxMs: 100 }], maxErrorRate: 0.5 }, workload: { defeatsCache: true, ignoreEos: true },
    });
    expect(p.requests).toEqual({ measured: 4, succeeded: 2, errors: 1, shed: 1, sent: 5 });
    expect(p.errorRate).toBe(0.25);
    expect(p.shedRate).toBe(0.25);
    expect(p.ttftMs.p50).toBe(50);
    expect(p.tpotMs.p50).toBe(10);
    expect(p.outputTps.values).toEqual([4, 4]);
    expect(p.cacheHitRatio).toBeCloseTo(80 / 200, 12);
    expect(p.flags).toMatchObject({ contaminated: true, shedding: true, ignoreEosIgnored: false, tokenCountDivergent: false, noisy: false, foreignTraffic: false });
    expect(p.goodput).toEqual({ rps: 1, fraction: 0.5 });
    expect(p.slo.met).toBe(true);
  });
});

describe('knee detection (GuideLLM rules)', () => {
  const C = [1, 10, 20, 30, 40, 50, 60];
  it('finds a clear plateau', () => {
    const k = findKnee(C, [1, 10, 20, 30, 30, 30, 30]);
    expect(k).toMatchObject({ status: 'ok', breakpointLevel: 30, saturationLevel: 30 });
    expect(k.knee).toBeCloseTo(30, 9);
    expect(k.slopeRatio).toBeCloseTo(0, 9);
  });
  it('allows a small tail gain and puts the knee where the lines cross', () => {
    const k = findKnee(C, [1, 10, 20, 30, 31, 32, 33]);
    expect(k.status).toBe('ok');
    expect(k.knee).toBeCloseTo(30, 9);
    expect(k.slopeRatio).toBeCloseTo(0.1, 9);
  });
  it('sees the plateau through tail noise', () => {
    const k = findKnee(C, [1, 10, 20, 30, 31, 29, 30]);
    expect(k).toMatchObject({ status: 'ok', breakpointLevel: 30, saturationLevel: 40 });
    expect(k.knee).toBeCloseTo(30.29, 2);
  });
  it('rejects linear curves, too few points and curves still rising', () => {
    expect(findKnee(C, C)).toMatchObject({ status: 'no_knee', reason: expect.stringContaining('linear') });
    expect(findKnee([1, 2, 3, 4], [10, 20, 20, 20])).toMatchObject({ status: 'no_knee', reason: expect.stringContaining('at least 5') });
    const rising = findKnee([1, 2, 5, 10, 25, 50, 75, 100, 200, 300], [209.63, 419.93, 843.22, 1411.77, 2911.77, 4488.2, 5400.58, 6190.11, 7829.66, 8328.99]);
    expect(rising).toMatchObject({ status: 'no_knee', reason: expect.stringContaining('thresholds') });
  });
  it('averages duplicate levels and skips missing throughput', () => {
    expect(findKnee([1, 10, 20, 30, 30, 40, 50, 60], [1, 10, 20, 29, 31, 30, 30, 30]).breakpointLevel).toBe(30);
    expect(findKnee([...C, 70], [1, 10, 20, 30, 30, 30, 30, null]).breakpointLevel).toBe(30);
  });
});

describe('capacity search under SLOs', () => {
  it('takes the highest level with every lower level passing, and roots the margin between', () => {
    const c = capacitySearch([
      { level: 1, met: true, margin: -0.5 },
      { level: 2, met: true, margin: -0.2 },
      { level: 4, met: false, margin: 0.3 },
      { level: 8, met: true, margin: -0.1 }, // a lucky point above a failure does not count
    ]);
    expect(c.maxLevel).toBe(2);
    expect(c.firstFailingLevel).toBe(4);
    expect(c.interpolatedLevel).toBeCloseTo(2.8, 12);
  });
  it('handles all-pass and first-fail sweeps', () => {
    expect(capacitySearch([{ level: 1, met: true, margin: -1 }, { level: 2, met: true, margin: -0.5 }])).toEqual({ maxLevel: 2, firstFailingLevel: null, interpolatedLevel: null });
    expect(capacitySearch([{ level: 1, met: false, margin: 2 }])).toEqual({ maxLevel: null, firstFailingLevel: 1, interpolatedLevel: null });
  });
});

describe('arrival processes', () => {
  const gaps = (xs: number[]) => xs.slice(1).map((x, i) => x - (xs[i] as number));
  const cv = (xs: number[]) => (sampleStd(xs) as number) / (xs.reduce((a, b) => a + b, 0) / xs.length);
  it('Poisson (burstiness 1) has the asked mean rate and gap CV ≈ 1', () => {
    const a = arrivals(new Rng(7), 10, 1, 200_000);
    // 2000 expected; a Poisson count's σ is √2000 ≈ 45
    expect(a.length).toBeGreaterThan(1850);
    expect(a.length).toBeLessThan(2150);
    expect(cv(gaps(a))).toBeGreaterThan(0.9);
    expect(cv(gaps(a))).toBeLessThan(1.1);
  });
  it('burstiness is the gamma shape: CV = 1/√shape, same mean', () => {
    const even = arrivals(new Rng(7), 10, 4, 200_000);
    const bursty = arrivals(new Rng(7), 10, 0.25, 200_000);
    expect(even.length).toBeGreaterThan(1900);
    expect(even.length).toBeLessThan(2100);
    expect(cv(gaps(even))).toBeCloseTo(0.5, 1);
    expect(cv(gaps(bursty))).toBeGreaterThan(1.6);
    expect(arrivals(new Rng(7), 10, 1, 5000)).toEqual(arrivals(new Rng(7), 10, 1, 5000));
  });
});
