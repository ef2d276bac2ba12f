import { afterEach, describe, expect, it } from 'vitest';
import { BenchPointSchema, BenchRunRequestSchema, BenchRunSchema, type BenchPoint, type BenchSample } from '@boocontrol/contracts';
import { JobsRepo } from '../src/jobs/jobs.repo';
import { BenchRepo } from '../src/bench/bench.repo';
import { backends, type TestDb } from './helpers/db';

const spec = (host: string, model: string) => BenchRunRequestSchema.parse({ host, model, driver: { kind: 'concurrency', levels: [1, 2] } });

const emptyDist = { n: 0, mean: null, std: null, min: null, max: null, p50: null, p90: null, p95: null, p99: null };
const rep = { mean: 10, std: 0.1, cv: 0.01, values: [9.9, 10.1] };
function point(index: number, level: number): BenchPoint {
  return BenchPointSchema.parse({
    index, level, driver: 'concurrency', repetitions: 2, startedAt: '2026-01-01T00:00:00.000Z', measuredS: 1,
    requests: { measured: 4, succeeded: 4, errors: 0, shed: 0 }, errorRate: 0, shedRate: 0,
    ttftMs: { ...emptyDist, n: 1, p50: 12 }, ttftSchedMs: emptyDist, ttfbMs: emptyDist, ttfoMs: emptyDist, tpotMs: emptyDist,
    itlMs: emptyDist, e2eMs: emptyDist, e2eSchedMs: emptyDist, queueMs: emptyDist,
    outputTps: rep, totalTps: rep, requestRate: rep, ttftP50Ms: rep, tpotP50Ms: rep,
    serverPromptTps: emptyDist, serverGenTps: emptyDist, inputTokensMean: 10, outputTokensMean: 5,
    cacheHitRatio: 0, followUpCacheHitRatio: null, tokenSource: 'usage', goodput: { rps: 4, fraction: 1 },
    slo: { met: true, margin: -0.5, results: [] },
    flags: { noisy: false, contaminated: false, tokenCountDivergent: false, ignoreEosIgnored: false, coalescedChunks: false, shedding: false },
    errorSamples: [],
  });
}
const sample = (seq: number): BenchSample => ({
  seq, rep: 0, user: 0, turn: null, tSched: 0, tSent: 1, tFirstByte: 5, tFirstContent: 11, tLastToken: 31, tDone: 32,
  chunkTimes: [11, 21, 31], status: 200, errorKind: null, error: null, finishReason: 'length', maxTokens: 3,
  promptTokens: 10, outputTokens: 3, clientTokens: 3, usage: { completion_tokens: 3 }, timings: null,
});

describe.each(backends())('bench repo on $name', (backend) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('creates a run, updates its status, appends points in order and reads it back whole', async () => {
    t = await backend.create();
    const repo = new BenchRepo(t.db);
    const created = await repo.createRun({ id: 'b1', spec: spec('desk', 'qwen') });
    expect(created).toMatchObject({ id: 'b1', status: 'queued', hostId: 'desk', model: 'qwen', points: [], jobId: null });
    await repo.update('b1', { status: 'running', startedAt: new Date('2026-01-01T00:00:00Z') });
    expect(await repo.appendPoint('b1', point(1, 2))).toBe(true);
    expect(await repo.appendPoint('b1', point(0, 1))).toBe(true);
    // the database dedups a repeated index: the first write wins
    expect(await repo.appendPoint('b1', { ...point(0, 1), level: 99 })).toBe(false);
    const summary = { knee: { status: 'no_knee' as const, reason: 'few', knee: null, saturationLevel: null, breakpointLevel: null, slopeRatio: null, fitImprovement: null, throughputFraction: null }, capacity: { maxLevel: 2, firstFailingLevel: null, interpolatedLevel: null }, peakOutputTps: 10 };
    await repo.update('b1', { status: 'succeeded', summary, finishedAt: new Date('2026-01-01T00:01:00Z'), error: null });
    const run = await repo.get('b1');
    expect(BenchRunSchema.parse(run)).toEqual(run);
    expect(run?.points.map((p) => [p.index, p.level])).toEqual([[0, 1], [1, 2]]);
    expect(run).toMatchObject({ status: 'succeeded', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', summary });
    expect(run?.spec).toEqual(spec('desk', 'qwen'));
    expect(await repo.get('nope')).toBeUndefined();
  });

  it('keeps at most the cap of samples per point, across batches', async () => {
    t = await backend.create();
    const repo = new BenchRepo(t.db);
    await repo.createRun({ id: 'b1', spec: spec('desk', 'qwen') });
    expect(await repo.appendSamples('b1', 0, [sample(1), sample(2), sample(3)], 4)).toBe(3);
    expect(await repo.appendSamples('b1', 0, [sample(4), sample(5), sample(6)], 4)).toBe(1);
    expect(await repo.appendSamples('b1', 1, [sample(1)], 4)).toBe(1);
    const s = await repo.samples('b1', 0);
    expect(s.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
    expect(s[0]).toEqual(sample(1));
    const cols = await t.db.query<{ ttft_ms: number; e2e_ms: number; output_tokens: number }>(
      'SELECT ttft_ms, e2e_ms, output_tokens FROM control_bench_samples WHERE run_id = $1 AND point_idx = 0 AND seq = 1',
      ['b1'],
    );
    expect(cols.rows[0]).toEqual({ ttft_ms: 10, e2e_ms: 30, output_tokens: 3 });
  });

  it('lists runs filtered by host and model, newest first, with point counts', async () => {
    t = await backend.create();
    const repo = new BenchRepo(t.db);
    await repo.createRun({ id: 'a', spec: spec('desk', 'qwen') });
    await repo.createRun({ id: 'b', spec: spec('desk', 'gemma') });
    await repo.createRun({ id: 'c', spec: spec('spark', 'qwen') });
    await repo.appendPoint('a', point(0, 1));
    expect((await repo.list({ hostId: 'desk', limit: 10 })).map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect((await repo.list({ model: 'qwen', limit: 10 })).map((r) => r.id).sort()).toEqual(['a', 'c']);
    const one = await repo.list({ hostId: 'desk', model: 'qwen', limit: 10 });
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ id: 'a', pointCount: 1 });
    expect(one[0]).not.toHaveProperty('points');
    expect(await repo.list({ limit: 2 })).toHaveLength(2);
  });

  it('marks runs whose job has ended interrupted, keeping their points; a live job keeps its run', async () => {
    t = await backend.create();
    const repo = new BenchRepo(t.db);
    const jobs = new JobsRepo(t.db);
    await jobs.insert({ id: 'live-job', hostId: 'desk', jobType: 'bench', params: {} });
    await repo.createRun({ id: 'alive', jobId: 'live-job', spec: spec('desk', 'qwen') });
    await repo.createRun({ id: 'q', spec: spec('desk', 'qwen') });
    await repo.createRun({ id: 'r', spec: spec('desk', 'qwen') });
    await repo.createRun({ id: 'd', spec: spec('desk', 'qwen') });
    await repo.update('r', { status: 'running' });
    await repo.update('d', { status: 'succeeded' });
    await repo.appendPoint('r', point(0, 1));
    // a run younger than a few seconds may be between its row and its job: left alone
    expect(await repo.interruptUnfinished(new Date())).toBe(0);
    expect(await repo.interruptUnfinished(new Date(Date.now() + 10_000))).toBe(2);
    expect((await repo.get('alive'))?.status).toBe('queued');
    const r = await repo.get('r');
    expect(r).toMatchObject({ status: 'interrupted', error: { code: 'INTERRUPTED' } });
    expect(r?.points).toHaveLength(1);
    expect((await repo.get('d'))?.status).toBe('succeeded');
    expect((await repo.list({ status: 'interrupted', limit: 10 })).map((x) => x.id).sort()).toEqual(['q', 'r']);
  });
});
