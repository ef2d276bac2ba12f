import { describe, expect, it } from 'vitest';
import { BenchRunRequestSchema, type BenchSample } from '@boocontrol/contracts';
import { fmtTick, levelX, niceTicks } from '../src/features/bench/charts/chart-math';
import { DEFAULT_FORM, estimateSeconds, parseList, toRequest } from '../src/features/bench/launch-spec';
import { sampleValue } from '../src/features/bench/SampleScatter';

/** The Benchmarks view's pure parts: the form's request, the chart scales, per-request metrics. */
describe('bench view helpers', () => {
  it('builds a valid request from the defaults, with the contract SLOs, and refuses a bad sweep', () => {
    const r = toRequest({ ...DEFAULT_FORM, host: 'h1', model: 'm' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const parsed = BenchRunRequestSchema.parse(r.body);
    expect(parsed.driver).toEqual({ kind: 'concurrency', levels: [1, 2, 4, 8] });
    expect(parsed.slos).toEqual([
      { metric: 'ttft', percentile: 99, maxMs: 2000 },
      { metric: 'tpot', percentile: 50, maxMs: 100 },
    ]);
    expect(parsed.takeover).toBe(false);
    expect(toRequest({ ...DEFAULT_FORM, host: 'h1', model: 'm' }, true)).toMatchObject({ ok: true, body: { takeover: true } });
    expect(toRequest({ ...DEFAULT_FORM, host: 'h1', model: 'm', levels: '4, 2' })).toMatchObject({ ok: false, error: expect.stringContaining('strictly ascending') });
    expect(toRequest({ ...DEFAULT_FORM, host: 'h1', model: 'm', levels: '0' }).ok).toBe(false);
    expect(toRequest({ ...DEFAULT_FORM, host: 'h1', model: 'm', measureS: Number.NaN }).ok).toBe(false);
    expect(toRequest({ ...DEFAULT_FORM, host: '', model: 'm' })).toEqual({ ok: false, error: 'pick a host' });
    // an SLO set to 0 is left out
    const noTpot = toRequest({ ...DEFAULT_FORM, host: 'h1', model: 'm', tpotP50Ms: 0 });
    expect(noTpot.ok && noTpot.body.slos).toEqual([{ metric: 'ttft', percentile: 99, maxMs: 2000 }]);
    expect(parseList('1, 2,4  8')).toEqual([1, 2, 4, 8]);
    expect(estimateSeconds({ ...DEFAULT_FORM, levels: '1,2', warmupS: 1, measureS: 10, cooldownS: 1 })).toBe(2 * 14);
  });

  it('scales: nice ticks, a log axis for doubling levels, a linear one otherwise', () => {
    expect(niceTicks(659)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(15.8)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(0)).toEqual([0, 1]);
    const log = levelX([1, 2, 4, 8], 0, 100);
    expect(log.log).toBe(true);
    // evenly spaced on a log axis
    expect(log(2) - log(1)).toBeCloseTo(log(8) - log(4), 6);
    const lin = levelX([1, 2, 3], 0, 100);
    expect(lin.log).toBe(false);
    expect(lin(2)).toBeCloseTo(50, 6);
    expect(levelX([4], 0, 100)(4)).toBe(50);
    expect([fmtTick(2000), fmtTick(1500), fmtTick(0.25), fmtTick(12)]).toEqual(['2k', '1.5k', '0.25', '12']);
  });

  it('per-request TTFT, E2E and vLLM TPOT from the recorded times', () => {
    const s = { tSent: 100, tFirstContent: 150, tLastToken: 250, tDone: 260, outputTokens: 11, clientTokens: 11 } as BenchSample;
    expect(sampleValue(s, 'ttft')).toBe(50);
    expect(sampleValue(s, 'e2e')).toBe(150);
    expect(sampleValue(s, 'tpot')).toBe(10); // (250 − 150) / (11 − 1)
    expect(sampleValue({ ...s, outputTokens: 1, clientTokens: 1 }, 'tpot')).toBeNull();
    expect(sampleValue({ ...s, tFirstContent: null }, 'ttft')).toBeNull();
  });
});
