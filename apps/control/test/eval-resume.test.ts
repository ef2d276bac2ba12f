// Cancel keeps the finished items; resume grades only the rest; the summary covers all of them.
// The run holds the host's fleet lease while it runs (a bench or second eval is refused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalRunSchema } from '@boocontrol/contracts';
import { demoScript } from '../src/evals/demo-answers';
import { backends, type Backend } from './helpers/db';
import { startEvalStack, type EvalStack } from './helpers/evals';
import { until } from './helpers/sim-events';

describe.each(backends())('eval cancel and resume on $name', (backend: Backend) => {
  let s: EvalStack;
  beforeAll(async () => {
    // slow generation: a reply takes about half a second, so a cancel lands mid-run
    s = await startEvalStack(backend, { 'qwen3-32b': { loadMs: 20, genTps: 20, promptTps: 100000, script: demoScript('qwen3-32b') } });
  }, 60_000);
  afterAll(() => s?.close());

  it('a cancelled run keeps its items and the lease is released; resume finishes it', async () => {
    const { runId } = (await s.post('evals/runs', { suite: 'utility', host: 'h1', model: 'qwen3-32b' })).json();
    const run = async () => EvalRunSchema.parse((await s.get(`evals/runs/${runId}?limit=1`)).json());
    await until(async () => (await run()).itemsDone >= 2, 'two items graded', 30_000);
    // while it runs, the host is leased for the eval: a second eval is refused
    const second = await s.post('evals/runs', { suite: 'utility', host: 'h1', model: 'qwen3-32b' });
    expect(second.json().error).toMatchObject({ code: 'LEASE_HELD', details: { purpose: 'eval' } });
    expect((await s.post(`evals/runs/${runId}/cancel`, {})).statusCode).toBe(200);
    await until(async () => (await run()).status === 'cancelled', 'the run to be cancelled', 15_000);
    const cancelled = await run();
    expect(cancelled.itemsDone).toBeGreaterThanOrEqual(2);
    expect(cancelled.itemsDone).toBeLessThan(18);
    expect(cancelled.error?.code).toBe('CANCELLED');
    expect((await s.get('leases')).json().leases).toEqual([]);

    const resumed = await s.post(`evals/runs/${runId}/resume`, {});
    expect(resumed.statusCode, resumed.body).toBe(202);
    const done = await s.finished(runId, 60_000);
    expect(done.status).toBe('succeeded');
    expect(done.itemsDone).toBe(18);
    expect(done.summary!.n).toBe(18);
    expect((await s.post(`evals/runs/${runId}/resume`, {})).json().error.code).toBe('CONFLICT');
  }, 120_000);
});
