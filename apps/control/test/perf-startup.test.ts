import { afterEach, describe, expect, it } from 'vitest';
import { PerfResponseSchema } from '@boocontrol/contracts';
import type { SimHost } from '@boocontrol/sim';
import type { Control } from '../src/control';
import { backends, type TestDb } from './helpers/db';
import { startFleetControl, startSim, status, waitFor } from './helpers/fleet';

/**
 * A freshly started llama-swap answers /api/performance with `sys_stats: null` until its first
 * sample, and a host without a GPU tool keeps `gpu_stats: null`. The connector must treat that as
 * "nothing yet" — online, nothing rejected — and pick the samples up once they come.
 */
describe.each(backends().flatMap((backend) => (['head', 'v235'] as const).map((wire) => ({ backend, wire, name: `${wire} on ${backend.name}` }))))('performance right after a host starts ($name)', ({ backend, wire }) => {
  let testDb: TestDb | undefined;
  let sim: SimHost | undefined;
  let control: Control | undefined;

  afterEach(async () => {
    await control?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await testDb?.cleanup().catch(() => undefined);
    control = sim = testDb = undefined;
  });

  it('is online on null sample lists, rejects nothing, then stores the first samples', async () => {
    testDb = await backend.create({ schema: false });
    // long enough that control connects and polls several times before the first sample
    sim = await startSim({ wire, gpus: { count: 0 }, perfEveryMs: 2500 });
    const started = Date.now();
    control = await startFleetControl(testDb.db, [{ id: 'h1', label: 'H1', baseUrl: sim.url, kind: 'llama-swap' }]);
    await waitFor('online', () => status(control!, 'h1') === 'online');
    // the host is still inside its first interval, so every poll so far saw nulls
    const early = (await (await fetch(`${sim.url}/api/performance`)).json()) as Record<string, unknown>;
    expect(Date.now() - started).toBeLessThan(2500);
    expect(early).toEqual({ enabled: true, sys_stats: null, gpu_stats: null });
    const perf = async () => PerfResponseSchema.parse((await control!.app.inject({ method: 'GET', url: '/api/control/hosts/h1/perf' })).json());
    expect((await perf()).series.every((s) => s.points.length === 0)).toBe(true);
    expect(control.ctx.counters.get('connector.invalidPayloads')).toBe(0);
    expect(control.ctx.fleet.get('h1')?.statusReason).toBeNull();

    const cpu = await waitFor('first cpu sample stored', async () => {
      const r = await perf();
      return r.series.find((s) => s.metric === 'cpu_pct' && s.points.length > 0);
    });
    expect(cpu.points.length).toBeGreaterThanOrEqual(1);
    // gpu_stats stays null on a host without GPUs: no GPU series, and still nothing rejected
    expect((await perf()).series.filter((s) => s.metric.startsWith('gpu_') && s.points.length > 0)).toEqual([]);
    expect(control.ctx.counters.get('connector.invalidPayloads')).toBe(0);
    expect(status(control, 'h1')).toBe('online');
  });
});
