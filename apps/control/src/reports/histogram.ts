/**
 * Mergeable log histograms for report percentiles. A rollup keeps, per hour or day, how many
 * values fell in each bin; bins are powers of RATIO, so summing two histograms is exact and a
 * percentile read back is within one bin (±5 % with geometric interpolation inside the bin).
 * Stored sparse ({ bin: count }) in jsonb: a model's TTFTs span a few dozen bins at most.
 */
export const RATIO = 1.1;
const LN_RATIO = Math.log(RATIO);

export type Hist = Record<string, number>;

/** The bin of a value; values below 1 share bin 0 (sub-millisecond TTFT, < 1 tok/s). */
export function binOf(v: number): number {
  return Math.floor(Math.log(Math.max(v, 1)) / LN_RATIO);
}

/** The same formula in SQL (both backends), for rollups computed in the database. */
export const binSql = (expr: string) => `floor(ln(GREATEST(${expr}, 1)) / ln(${RATIO}))::int`;

export function add(into: Hist, from: Hist): Hist {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  return into;
}

export function fromValues(values: readonly number[]): Hist {
  const h: Hist = {};
  for (const v of values) {
    const b = String(binOf(v));
    h[b] = (h[b] ?? 0) + 1;
  }
  return h;
}

export function count(h: Hist): number {
  let n = 0;
  for (const c of Object.values(h)) n += c;
  return n;
}

/**
 * The q-quantile (0..1): the bin holding the rank, interpolated geometrically by where the rank
 * falls inside it. null for an empty histogram.
 */
export function quantile(h: Hist, q: number): number | null {
  const bins = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [b, n] of bins) {
    if (seen + n >= rank) {
      const frac = n === 0 ? 0 : Math.min(1, Math.max(0, (rank - seen) / n));
      // Bin 0 also holds everything below 1: report it from 1 up.
      return Math.pow(RATIO, b + frac);
    }
    seen += n;
  }
  const last = bins[bins.length - 1]![0];
  return Math.pow(RATIO, last + 1);
}

/**
 * Dense accumulation for reports: a row's sparse histogram is turned once into parallel arrays
 * (cached with the row), and merged into a Float64Array per group without allocating. Bins at
 * or above MAX_BINS (1.1^256 ≈ 4e10) are clamped into the last one.
 */
export const MAX_BINS = 256;

export interface SparseHist {
  bins: Uint16Array;
  counts: Float64Array;
}

export function toSparse(h: Hist): SparseHist {
  const keys = Object.keys(h);
  const bins = new Uint16Array(keys.length);
  const counts = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    bins[i] = Math.min(MAX_BINS - 1, Math.max(0, Number(k)));
    counts[i] = h[k]!;
  });
  return { bins, counts };
}

export const dense = (): Float64Array => new Float64Array(MAX_BINS);

export function addSparse(into: Float64Array, s: SparseHist): void {
  for (let i = 0; i < s.bins.length; i++) {
    const b = s.bins[i]!;
    into[b] = (into[b] ?? 0) + s.counts[i]!;
  }
}

/** quantile() over a dense histogram. */
export function quantileDense(h: Float64Array, q: number): number | null {
  let total = 0;
  for (let i = 0; i < h.length; i++) total += h[i]!;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let b = 0; b < h.length; b++) {
    const n = h[b]!;
    if (n === 0) continue;
    if (seen + n >= rank) return Math.pow(RATIO, b + Math.min(1, Math.max(0, (rank - seen) / n)));
    seen += n;
  }
  return null;
}
