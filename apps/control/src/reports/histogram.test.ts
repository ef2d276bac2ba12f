import { describe, expect, it } from 'vitest';
import { add, count, fromValues, quantile } from './histogram';

describe('log histograms', () => {
  it('merges exactly: two halves summed equal the whole', () => {
    const xs = Array.from({ length: 500 }, (_, i) => 1 + ((i * 7919) % 3000));
    const whole = fromValues(xs);
    const merged = add(fromValues(xs.slice(0, 200)), fromValues(xs.slice(200)));
    expect(merged).toEqual(whole);
    expect(count(merged)).toBe(500);
  });

  it('reads quantiles within 10 % of the exact order statistic', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => 5 + i * 3).sort((a, b) => a - b);
    const h = fromValues(xs);
    for (const q of [0.1, 0.5, 0.9, 0.95, 0.99]) {
      const exact = xs[Math.ceil(q * xs.length) - 1]!;
      expect(Math.abs(quantile(h, q)! / exact - 1)).toBeLessThan(0.1);
    }
  });

  it('answers null for no values and puts sub-unit values in the first bin', () => {
    expect(quantile({}, 0.5)).toBeNull();
    expect(quantile(fromValues([0.2, 0.5]), 0.5)).toBeGreaterThanOrEqual(1);
    expect(quantile(fromValues([0.2, 0.5]), 0.5)).toBeLessThan(1.1);
  });
});
