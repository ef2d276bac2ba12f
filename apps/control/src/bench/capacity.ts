import type { BenchCapacity, BenchKnee } from '@boocontrol/contracts';

/**
 * Across-point analysis: GuideLLM's throughput knee and a capacity search under the SLOs.
 * Pure functions over (level, value) pairs so they are tested on fixed inputs.
 */

const MIN_POINTS = 5;
const MAX_TAIL_SLOPE_RATIO = 0.25;
const MIN_FIT_IMPROVEMENT = 0.5;
const MIN_THROUGHPUT_FRACTION = 0.85;
const EPS = 1e-12;

interface Line {
  intercept: number;
  slope: number;
  sse: number;
}

/** Ordinary least squares line and its squared error. */
export function fitLine(xs: readonly number[], ys: readonly number[]): Line {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] as number;
    my += ys[i] as number;
  }
  mx /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  const slope = den ? num / den : 0;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - (intercept + slope * (xs[i] as number))) ** 2;
  return { intercept, slope, sse };
}

const noKnee = (reason: string): BenchKnee => ({
  status: 'no_knee',
  reason,
  knee: null,
  saturationLevel: null,
  breakpointLevel: null,
  slopeRatio: null,
  fitImprovement: null,
  throughputFraction: null,
});

/**
 * The knee of output throughput over concurrency (GuideLLM `find_throughput_knee`, methodology
 * §1.3): normalize both axes, fit one line and, for each eligible breakpoint, a rising line up
 * to it and a tail line from it. Accept a breakpoint when the rising slope is positive, the tail
 * slope is ≤ 25 % of it, the two lines cut the squared error by ≥ 50 % and throughput at the
 * breakpoint is ≥ 85 % of the peak; take the accepted fit with the least error and report where
 * its lines cross (the breakpoint itself when they cross outside its neighbours). Duplicate
 * levels are averaged; null throughputs are skipped.
 */
export function findKnee(levels: readonly number[], throughputs: readonly (number | null)[]): BenchKnee {
  const by = new Map<number, number[]>();
  levels.forEach((x, i) => {
    const y = throughputs[i];
    if (y === null || y === undefined || !Number.isFinite(y)) return;
    by.set(x, [...(by.get(x) ?? []), y]);
  });
  const xs = [...by.keys()].sort((a, b) => a - b);
  const ys = xs.map((x) => {
    const v = by.get(x) as number[];
    return v.reduce((s, y) => s + y, 0) / v.length;
  });
  if (xs.length < MIN_POINTS) return noKnee(`needs at least ${MIN_POINTS} distinct levels with throughput; found ${xs.length}`);
  const x0 = xs[0] as number;
  const x1 = xs[xs.length - 1] as number;
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  if (x1 === x0 || y1 === y0) return noKnee('the throughput curve has no usable range');
  const nx = xs.map((x) => (x - x0) / (x1 - x0));
  const ny = ys.map((y) => (y - y0) / (y1 - y0));
  const single = fitLine(nx, ny).sse;
  if (single <= EPS) return noKnee('the throughput curve is approximately linear');

  let best: { sse: number; i: number; pre: Line; tail: Line; ratio: number; improvement: number; fraction: number } | null = null;
  // the tail keeps at least three points, except with exactly five points where two must do
  const stop = xs.length === MIN_POINTS ? xs.length - 1 : xs.length - 2;
  for (let i = 2; i < stop; i++) {
    const pre = fitLine(nx.slice(0, i + 1), ny.slice(0, i + 1));
    const tail = fitLine(nx.slice(i), ny.slice(i));
    if (pre.slope <= 0) continue;
    const sse = pre.sse + tail.sse;
    const ratio = tail.slope / pre.slope;
    const improvement = 1 - sse / single;
    const fraction = (ys[i] as number) / y1;
    if (ratio > MAX_TAIL_SLOPE_RATIO || improvement < MIN_FIT_IMPROVEMENT || fraction < MIN_THROUGHPUT_FRACTION) continue;
    if (!best || sse < best.sse) best = { sse, i, pre, tail, ratio, improvement, fraction };
  }
  if (!best) return noKnee('no breakpoint satisfied the saturation thresholds');

  const { i, pre, tail } = best;
  const dSlope = pre.slope - tail.slope;
  let kn = Math.abs(dSlope) > EPS ? (tail.intercept - pre.intercept) / dSlope : (nx[i] as number);
  if (!((nx[i - 1] as number) <= kn && kn <= (nx[i + 1] as number))) kn = nx[i] as number;
  const knee = x0 + kn * (x1 - x0);
  const eps = (x1 - x0) * 1e-9;
  return {
    status: 'ok',
    reason: 'a rising segment followed by a substantially flatter tail',
    knee,
    saturationLevel: xs.find((x) => x >= knee - eps) ?? x1,
    breakpointLevel: xs[i] as number,
    slopeRatio: best.ratio,
    fitImprovement: best.improvement,
    throughputFraction: best.fraction,
  };
}

export interface CapacityInput {
  level: number;
  met: boolean;
  /** SLO margin: ≤ 0 met, > 0 missed; null when unknown (nothing succeeded) */
  margin: number | null;
}

/**
 * The highest load that meets the SLOs. Conservative on purpose: a level counts only if every
 * lower level met them too, so one lucky point above a failure does not raise the answer (S8:
 * reproducible within one sweep step). The interpolated level is the linear root of the margin
 * between the last passing and the first failing level (vLLM serve_sla roots a PCHIP of the same
 * margin; with two bracketing points the two agree to first order).
 */
export function capacitySearch(points: readonly CapacityInput[]): BenchCapacity {
  const sorted = [...points].sort((a, b) => a.level - b.level);
  let lastOk: CapacityInput | null = null;
  let firstBad: CapacityInput | null = null;
  for (const p of sorted) {
    if (p.met) lastOk = p;
    else {
      firstBad = p;
      break;
    }
  }
  let interpolatedLevel: number | null = null;
  if (lastOk && firstBad && lastOk.margin !== null && firstBad.margin !== null && firstBad.margin > lastOk.margin) {
    const f = (0 - lastOk.margin) / (firstBad.margin - lastOk.margin);
    interpolatedLevel = lastOk.level + Math.min(1, Math.max(0, f)) * (firstBad.level - lastOk.level);
  }
  return { maxLevel: lastOk?.level ?? null, firstFailingLevel: firstBad?.level ?? null, interpolatedLevel };
}
