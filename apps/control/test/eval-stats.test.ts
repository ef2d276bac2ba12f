import { describe, expect, it } from 'vitest';
import { Rng } from '../src/bench/rng';
import { bootstrapCi, cohenKappa, effectiveContextLength, lengthControlledWinRate, pairedDifference, passAtK, wilsonCi } from '../src/evals/stats';

const comb = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

describe('eval statistics', () => {
  it('pass@k equals c/n at k = 1 and 1 − C(n−c,k)/C(n,k) otherwise', () => {
    for (const [n, c] of [[1, 0], [1, 1], [5, 2], [10, 3], [20, 19], [200, 37]] as const) expect(passAtK(n, c, 1)).toBeCloseTo(c / n, 12);
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - comb(7, 5) / comb(10, 5), 12);
    expect(passAtK(20, 4, 10)).toBeCloseTo(1 - comb(16, 10) / comb(20, 10), 12);
    expect(passAtK(10, 8, 5)).toBe(1); // fewer than k failures
    expect(passAtK(100, 0, 10)).toBe(0);
    expect(() => passAtK(3, 1, 5)).toThrow(RangeError);
  });

  it('the bootstrap 95 % CI covers the true mean about 95 % of the time (synthetic Bernoulli data)', () => {
    const rng = new Rng(99);
    const p = 0.6;
    let covered = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 80 }, () => (rng.next() < p ? 1 : 0));
      const ci = bootstrapCi(xs, { seed: t, resamples: 600 });
      if (ci.low <= p && p <= ci.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThan(0.99);
    const w = wilsonCi(60, 100);
    expect(w.low).toBeCloseTo(0.502, 2);
    expect(w.high).toBeCloseTo(0.691, 2);
  });

  it('a paired test finds a real difference and not a fake one', () => {
    const a = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const better = a.map((x, i) => (i < 30 ? 1 : x));
    expect(pairedDifference(a, better).real).toBe(true);
    const same = a.map((x, i) => (i === 0 ? 0 : i === 1 ? 1 : x));
    const r = pairedDifference(a, same);
    expect(r.real).toBe(false);
    expect(r.pValue).toBeGreaterThan(0.5);
  });

  it('effective context length: the longest length with mean score ≥ 85.6 %, stopping at the first drop', () => {
    const grid = [1000, 2000, 4000, 8000, 16000].flatMap((length) =>
      Array.from({ length: 10 }, (_, d) => ({ length, depth: d * 10, score: length <= 4000 ? 1 : length === 8000 ? (d < 8 ? 1 : 0) : 0 })),
    );
    expect(effectiveContextLength(grid)).toBe(4000); // 8000 scores 0.8 < 0.856
    expect(effectiveContextLength(grid.map((g) => ({ ...g, score: 0 })))).toBeNull();
  });

  it("Cohen's κ and length-controlled win rate", () => {
    expect(cohenKappa([['A', 'A'], ['B', 'B'], ['A', 'A'], ['B', 'B']])).toBeCloseTo(1);
    expect(cohenKappa([['A', 'B'], ['B', 'A'], ['A', 'B'], ['B', 'A']])).toBeCloseTo(-1);
    // wins come only from being longer: controlling for length pulls the rate towards 0.5
    const rows = Array.from({ length: 60 }, (_, i) => ({ lenDiff: i < 40 ? 200 : -200, win: i < 36 ? 1 : i < 40 ? 0 : i < 44 ? 1 : 0 }));
    const raw = rows.reduce((s, r) => s + r.win, 0) / rows.length;
    const lc = lengthControlledWinRate(rows);
    expect(Math.abs(lc - 0.5)).toBeLessThan(Math.abs(raw - 0.5) + 0.2);
    expect(lengthControlledWinRate(rows.map((r) => ({ ...r, lenDiff: 0 })))).toBeCloseTo(raw);
  });
});
