import type { BenchDist, BenchRepStat, BenchSlo } from '@boocontrol/contracts';
import { gapsOf, latencyOf, succeeded, type RequestRecord } from './record';

/**
 * Pure benchmark math. Percentiles interpolate linearly between order statistics, like
 * numpy.percentile (vLLM's choice), so our figures line up with `vllm bench serve` on the same
 * samples. Sample counts per point are thousands at most, so exact sorting beats a histogram.
 */

/** p in [0, 100] of an ascending array; null when empty. */
export function percentileSorted(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = ((n - 1) * p) / 100;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export const percentile = (xs: readonly number[], p: number): number | null => percentileSorted([...xs].sort((a, b) => a - b), p);

export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1), as llama-bench reports ± ; null below two values. */
export function sampleStd(xs: readonly number[]): number | null {
  const m = mean(xs);
  if (m === null || xs.length < 2) return null;
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

export function dist(xs: readonly number[]): BenchDist {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    mean: mean(s),
    std: sampleStd(s),
    min: s[0] ?? null,
    max: s[s.length - 1] ?? null,
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p95: percentileSorted(s, 95),
    p99: percentileSorted(s, 99),
  };
}

/** Mean ± std over repetitions; a repetition without a value (no request finished) is skipped. */
export function repStat(values: readonly (number | null)[]): BenchRepStat {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const m = mean(xs);
  const sd = sampleStd(xs);
  return { mean: m, std: sd, cv: m !== null && sd !== null && m !== 0 ? sd / Math.abs(m) : null, values: [...values] };
}

/** llama-bench style noise flag: any coefficient of variation above the threshold (5 %). */
export const NOISY_CV = 0.05;
export const isNoisy = (...stats: BenchRepStat[]): boolean => stats.some((s) => s.cv !== null && s.cv > NOISY_CV);

/** Pooled values of a latency metric over successful requests. */
export function latencies(records: readonly RequestRecord[], metric: BenchSlo['metric']): number[] {
  const out: number[] = [];
  for (const r of records) {
    if (!succeeded(r)) continue;
    if (metric === 'itl') out.push(...gapsOf(r));
    else {
      const v = latencyOf(r, metric);
      if (v !== null) out.push(v);
    }
  }
  return out;
}

/**
 * Whether one request met every SLO (vLLM --goodput): each request is held to maxMs itself.
 * A request with ≤ 1 output token has no TPOT and passes that bound, as in vLLM. For `itl` the
 * request's own gaps at the SLO's percentile are compared.
 */
export function requestMeetsSlos(r: RequestRecord, slos: readonly BenchSlo[]): boolean {
  if (!succeeded(r)) return false;
  for (const s of slos) {
    const v = s.metric === 'itl' ? percentile(gapsOf(r), s.percentile) : latencyOf(r, s.metric);
    if (v === null) {
      if (s.metric === 'tpot' || s.metric === 'itl') continue;
      return false;
    }
    if (v > s.maxMs) return false;
  }
  return true;
}

/** Goodput over a measured duration: requests that met all SLOs per second, and their share. */
export function goodput(records: readonly RequestRecord[], slos: readonly BenchSlo[], seconds: number): { rps: number; fraction: number } {
  let good = 0;
  for (const r of records) if (requestMeetsSlos(r, slos)) good++;
  return { rps: seconds > 0 ? good / seconds : 0, fraction: records.length > 0 ? good / records.length : 0 };
}

export interface SloVerdict {
  met: boolean;
  /** max over bounds of value/limit − 1 (≤ 0 means met); null when a bound had no value */
  margin: number | null;
  results: { metric: BenchSlo['metric']; percentile: BenchSlo['percentile']; maxMs: number; valueMs: number | null; met: boolean }[];
}

/**
 * A point's SLO verdict: every percentile bound holds and errors plus shed requests stay within
 * maxErrorRate. The margin is what the capacity search interpolates on.
 */
export function evaluateSlos(records: readonly RequestRecord[], slos: readonly BenchSlo[], failRate: number, maxErrorRate: number): SloVerdict {
  const results = slos.map((s) => {
    const v = percentile(latencies(records, s.metric), s.percentile);
    return { metric: s.metric, percentile: s.percentile, maxMs: s.maxMs, valueMs: v, met: v !== null && v <= s.maxMs };
  });
  // a zero error budget would make any failure an infinite miss; keep the margin finite
  let margin: number | null = maxErrorRate > 0 ? failRate / maxErrorRate - 1 : failRate > 0 ? 1 : -1;
  for (const r of results) margin = margin === null || r.valueMs === null ? null : Math.max(margin, r.valueMs / r.maxMs - 1);
  const met = results.every((r) => r.met) && failRate <= maxErrorRate && records.some(succeeded);
  return { met, margin, results };
}

/**
 * Output tokens that arrived inside [a, b): each request's server-counted tokens are spread
 * evenly over its token chunks (one chunk can carry several tokens), and only chunks that fall
 * in the window count — GuideLLM's event-level rule, so requests straddling a window edge
 * count only for the part inside it.
 */
export function tokensInWindow(records: readonly RequestRecord[], a: number, b: number): { output: number; prompt: number } {
  let output = 0;
  let prompt = 0;
  for (const r of records) {
    if (r.status !== 200 || r.chunkTimes.length === 0) continue;
    const n = r.outputTokens ?? r.clientTokens;
    const per = n / r.chunkTimes.length;
    for (const t of r.chunkTimes) if (t >= a && t < b) output += per;
    // the prompt is done when the first token arrives
    if (r.tFirstContent !== null && r.tFirstContent >= a && r.tFirstContent < b) prompt += r.promptTokens ?? 0;
  }
  return { output, prompt };
}

/** Share of inter-chunk gaps below 0.1 ms: read coalescing made them, not the server. */
export function zeroGapFraction(records: readonly RequestRecord[]): number {
  let zero = 0;
  let all = 0;
  for (const r of records) {
    for (const g of gapsOf(r)) {
      all++;
      if (g < 0.1) zero++;
    }
  }
  return all > 0 ? zero / all : 0;
}
