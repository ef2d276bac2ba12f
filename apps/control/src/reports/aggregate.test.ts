import { describe, expect, it } from 'vitest';
import { UsageAggregator } from './aggregate';
import { dense, addSparse, fromValues, quantile, quantileDense, toSparse } from './histogram';
import type { CachedHost, CachedUsage } from './rollup-cache';

const usage = (i: number): CachedUsage => {
  const ttftHist = fromValues([10 + i, 200 + i * 3, 900]);
  const genHist = fromValues([20 + i]);
  return {
    bucket: new Date(Date.UTC(2025, 0, 1 + (i % 3))),
    hostId: `h${i % 2}`,
    model: `m${i % 3}`,
    consumer: ['', 'alice', 'bob'][i % 3]!,
    requests: 3,
    errors: i % 2,
    inputTokens: 100 * i,
    outputTokens: 10 * i,
    cacheTokens: 0,
    busyMs: 1000 + i,
    ttftHist,
    genHist,
    ttft: toSparse(ttftHist),
    gen: toSparse(genHist),
    day: `2025-01-0${1 + (i % 3)}`,
  };
};
const host = (i: number, model: string): CachedHost => ({ bucket: new Date(Date.UTC(2025, 0, 1 + (i % 3))), hostId: `h${i % 2}`, model, loads: i, failedStarts: i % 2, loadMs: 100 * i, gpuBusyS: i, energyWh: model === '' ? 10 * i : 3 * i, day: `2025-01-0${1 + (i % 3)}` });

describe('usage aggregation', () => {
  const U = Array.from({ length: 30 }, (_, i) => usage(i));
  const Hs = Array.from({ length: 12 }, (_, i) => [host(i, ''), host(i, `m${i % 3}`)]).flat();

  it.each(['host', 'model', 'consumer', 'day'] as const)('merging two halves equals aggregating all rows (%s)', (by) => {
    const all = new UsageAggregator(by).addUsage(U).addHost(Hs).finish();
    const merged = new UsageAggregator(by)
      .merge(new UsageAggregator(by).addUsage(U.slice(0, 11)).addHost(Hs.slice(0, 5)))
      .merge(new UsageAggregator(by).addUsage(U.slice(11)).addHost(Hs.slice(5)))
      .finish();
    expect(merged).toEqual(all);
    expect(all.totals.requests).toBe(90);
  });

  it('dense quantiles equal the sparse ones', () => {
    const h = fromValues(Array.from({ length: 500 }, (_, i) => 1 + i * 7));
    const d = dense();
    addSparse(d, toSparse(h));
    for (const q of [0.05, 0.5, 0.95]) expect(quantileDense(d, q)).toBeCloseTo(quantile(h, q)!, 9);
    expect(quantileDense(dense(), 0.5)).toBeNull();
  });
});
