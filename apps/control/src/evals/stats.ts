// The statistics of the eval engine (methodology §2.5, §2.2, §2.4, §2.6; targets E1, E2, E5, E7,
// E8). Pure functions, seeded where random, so a stored run's CI can be recomputed exactly.
import type { EvalCi } from '@boocontrol/contracts';
import { Rng } from '../bench/rng';

/**
 * Unbiased pass@k (HumanEval `estimate_pass_at_k`): 1 − C(n−c, k) / C(n, k), computed as
 * 1 − ∏_{i=n−c+1..n} (1 − k/i) so large n never overflows; 1 when fewer than k samples failed.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (n < 1 || c < 0 || c > n || k < 1) throw new RangeError(`pass@k needs 0 ≤ c ≤ n, n ≥ 1, k ≥ 1 (n=${n}, c=${c}, k=${k})`);
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples (n=${n})`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

export const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Linear-interpolated percentile, p in [0, 100]. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const r = (p / 100) * (s.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (r - lo);
}

/** Percentile bootstrap CI of the mean over items (E5), seeded for reproducibility. */
export function bootstrapCi(xs: readonly number[], opts: { resamples?: number; level?: number; seed?: number } = {}): EvalCi {
  const level = opts.level ?? 0.95;
  if (xs.length === 0) return { low: 0, high: 0, level, method: 'bootstrap' };
  const rng = new Rng(opts.seed ?? 12_345);
  const b = opts.resamples ?? 2000;
  const means: number[] = [];
  for (let r = 0; r < b; r++) {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[rng.int(xs.length)] as number;
    means.push(sum / xs.length);
  }
  const a = (1 - level) / 2;
  return { low: percentile(means, a * 100), high: percentile(means, (1 - a) * 100), level, method: 'bootstrap' };
}

/** Wilson score interval for a proportion (used for rates of independent calls, e.g. schema-valid). */
export function wilsonCi(successes: number, n: number, level = 0.95): EvalCi {
  if (n === 0) return { low: 0, high: 0, level, method: 'wilson' };
  const z = level === 0.95 ? 1.959964 : level === 0.99 ? 2.575829 : 1.644854;
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { low: Math.max(0, c - h), high: Math.min(1, c + h), level, method: 'wilson' };
}

/** Two CIs that do not overlap: the only case the UI calls "separable" (E5). */
export const separable = (a: EvalCi, b: EvalCi): boolean => a.high < b.low || b.high < a.low;

/**
 * Is the difference between two runs on the same items real? The mean paired difference (b − a),
 * its bootstrap CI, and a two-sided sign-flip permutation p-value (exact for ≤ 16 pairs).
 */
export function pairedDifference(a: readonly number[], b: readonly number[], seed = 7): { mean: number; ci: EvalCi; pValue: number; n: number; real: boolean } {
  if (a.length !== b.length) throw new RangeError('paired test needs the same items in both runs');
  const d = a.map((x, i) => (b[i] as number) - x);
  const m = mean(d);
  const ci = bootstrapCi(d, { seed });
  const obs = Math.abs(m);
  let extreme = 0;
  let total = 0;
  const nonZero = d.filter((x) => x !== 0);
  if (nonZero.length === 0) return { mean: 0, ci, pValue: 1, n: d.length, real: false };
  if (nonZero.length <= 16) {
    for (let mask = 0; mask < 1 << nonZero.length; mask++) {
      let s = 0;
      nonZero.forEach((x, i) => (s += mask & (1 << i) ? -x : x));
      if (Math.abs(s / d.length) >= obs - 1e-12) extreme++;
      total++;
    }
  } else {
    const rng = new Rng(seed);
    for (let r = 0; r < 10_000; r++) {
      let s = 0;
      for (const x of nonZero) s += rng.next() < 0.5 ? -x : x;
      if (Math.abs(s / d.length) >= obs - 1e-12) extreme++;
      total++;
    }
  }
  const pValue = extreme / total;
  return { mean: m, ci, pValue, n: d.length, real: pValue < 0.05 && (ci.low > 0 || ci.high < 0) };
}

/** Cohen's κ of two raters over the same items (E2: report κ, not only % agreement). */
export function cohenKappa(pairs: ReadonlyArray<readonly [string, string]>): number | null {
  if (pairs.length === 0) return null;
  const labels = [...new Set(pairs.flat())];
  const po = pairs.filter(([x, y]) => x === y).length / pairs.length;
  let pe = 0;
  for (const l of labels) pe += (pairs.filter(([x]) => x === l).length / pairs.length) * (pairs.filter(([, y]) => y === l).length / pairs.length);
  return pe === 1 ? null : (po - pe) / (1 - pe);
}

/** RULER's threshold for "effective" context: the Llama-2-7B score at 4K (§2.6). */
export const EFFECTIVE_CONTEXT_THRESHOLD = 0.856;

/** The longest length whose mean score (over depths) is ≥ the threshold, counting up from the shortest
 * and stopping at the first length that falls below (a later recovery does not extend it). */
export function effectiveContextLength(grid: ReadonlyArray<{ length: number; depth: number; score: number }>, threshold = EFFECTIVE_CONTEXT_THRESHOLD): number | null {
  const lengths = [...new Set(grid.map((g) => g.length))].sort((x, y) => x - y);
  let best: number | null = null;
  for (const L of lengths) {
    if (mean(grid.filter((g) => g.length === L).map((g) => g.score)) < threshold) break;
    best = L;
  }
  return best;
}

/**
 * Length-controlled win rate (AlpacaEval 2.0 idea, §2.3): a logistic fit of win ~ b0 + b1·tanh(Δlen/σ),
 * then the predicted win rate at Δlen = 0. Ties count as half a win. Falls back to the raw rate
 * when lengths do not vary.
 */
export function lengthControlledWinRate(rows: ReadonlyArray<{ win: number; lenDiff: number }>): number {
  if (rows.length === 0) return 0;
  const raw = mean(rows.map((r) => r.win));
  const sd = Math.sqrt(mean(rows.map((r) => r.lenDiff * r.lenDiff))) || 0;
  if (sd === 0) return raw;
  const x = rows.map((r) => Math.tanh(r.lenDiff / sd));
  let b0 = 0;
  let b1 = 0;
  // a few hundred steps of gradient ascent with a small ridge: stable on separable data
  for (let it = 0; it < 500; it++) {
    let g0 = 0;
    let g1 = -0.01 * b1;
    rows.forEach((r, i) => {
      const p = 1 / (1 + Math.exp(-(b0 + b1 * (x[i] as number))));
      g0 += r.win - p;
      g1 += (r.win - p) * (x[i] as number);
    });
    b0 += (0.5 * g0) / rows.length;
    b1 += (0.5 * g1) / rows.length;
  }
  return 1 / (1 + Math.exp(-b0));
}
