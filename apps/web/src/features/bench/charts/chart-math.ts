/** Scales and ticks for the bench charts (plain SVG, no chart library). */

export interface Scale {
  (v: number): number;
  ticks: number[];
  domain: [number, number];
}

/** 1, 2, 2.5, 5 × 10^k steps so that about `count` ticks cover [0, max]. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) ticks.push(Math.round(t / step) * step);
  if ((ticks.at(-1) ?? 0) < max) ticks.push((ticks.at(-1) ?? 0) + step);
  return ticks;
}

/** A linear y scale from 0 to a nice top above `max`, mapped onto [bottom, top] pixels. */
export function linearY(max: number, bottom: number, top: number): Scale {
  const ticks = niceTicks(max);
  const hi = ticks.at(-1) ?? 1;
  const s = ((v: number) => bottom - (Math.max(0, v) / hi) * (bottom - top)) as Scale;
  s.ticks = ticks;
  s.domain = [0, hi];
  return s;
}

/**
 * The x scale of a sweep. Concurrency levels usually double (1, 2, 4, 8…), so the axis is
 * log-scaled when the levels span a factor of 4 or more (evenly spaced points, not a pile at the
 * left); otherwise linear from 0. Ticks are the measured levels themselves.
 */
export function levelX(levels: readonly number[], left: number, right: number): Scale & { log: boolean } {
  const xs = [...new Set(levels.filter((v) => Number.isFinite(v) && v > 0))].sort((a, b) => a - b);
  const lo = xs[0] ?? 1;
  const hi = xs.at(-1) ?? 1;
  const log = hi / lo >= 4;
  const pad = (right - left) * 0.06;
  let f: (v: number) => number;
  if (xs.length <= 1) f = () => (left + right) / 2;
  else if (log) f = (v) => left + pad + ((Math.log2(Math.max(v, 1e-9)) - Math.log2(lo)) / (Math.log2(hi) - Math.log2(lo))) * (right - left - 2 * pad);
  else f = (v) => left + pad + ((v - lo) / (hi - lo)) * (right - left - 2 * pad);
  const s = f as Scale & { log: boolean };
  s.ticks = xs;
  s.domain = [lo, hi];
  s.log = log;
  return s;
}

/** A linear x scale over [0, max] (seconds into a point, for the per-request scatter). */
export function linearX(max: number, left: number, right: number): Scale {
  const ticks = niceTicks(max, 6);
  const hi = ticks.at(-1) ?? 1;
  const s = ((v: number) => left + (v / hi) * (right - left)) as Scale;
  s.ticks = ticks;
  s.domain = [0, hi];
  return s;
}

/** Axis labels: 850 → "850", 2000 → "2k", 0.25 → "0.25". */
export function fmtTick(v: number): string {
  if (v >= 10_000) return `${Math.round(v / 1000)}k`;
  if (v >= 1000) return `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`;
  if (Number.isInteger(v)) return String(v);
  return v < 1 ? v.toFixed(2).replace(/0$/, '') : v.toFixed(1);
}
