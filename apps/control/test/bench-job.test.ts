import { afterEach, describe, expect, it } from 'vitest';
import { startSimHost, type SimHost } from '@boocontrol/sim';
import { BenchRunSchema, JobSchema } from '@boocontrol/contracts';
import { createControl, type Control } from '../src/control';
import { backends, type TestDb } from './helpers/db';
import { FAST, waitFor } from './helpers/fleet';
import { silentLogger, testConfig } from './helpers/control';

/**
 * The bench as a user starts it: over REST, on a control watching a simulated host. Checks the
 * whole path the engine tests do not: validation before anything runs, the lease, the warm child
 * job, HOST_BUSY under live traffic and takeover, foreign traffic flagged per point, cancel.
 */
describe.each(backends())('bench runs on $name', (backend) => {
  let t: TestDb | undefined;
  let sim: SimHost | undefined;
  let control: Control | undefined;
  afterEach(async () => {
    await control?.close();
    await sim?.close();
    await t?.cleanup();
    control = undefined;
    sim = undefined;
    t = undefined;
  });

  async function setup() {
    t = await backend.create();
    sim = await startSimHost({
      seed: 5,
      perfEveryMs: 1000,
      config: {
        // both resident at once: the foreign traffic on `other` must not swap the benched model out
        groups: { all: { swap: false, exclusive: false, members: ['paced', 'other'] } },
        models: { paced: { loadMs: 200, promptTps: 5000, genTps: 200 }, other: { loadMs: 30, genTps: 400 } },
      },
    });
    const providers = [{ id: 'gpu', label: 'GPU', baseUrl: sim.url, kind: 'llama-swap' }];
    const db = t.db;
    // control.close() closes its database; the test's cleanup owns it.
    const keepOpen = { backend: db.backend, query: db.query.bind(db), exec: db.exec.bind(db), tx: db.tx.bind(db), close: async () => undefined };
    control = await createControl(testConfig({ LLAMA_PROVIDERS: JSON.stringify(providers) }), {
      db: keepOpen,
      logger: silentLogger(),
      features: ['health', 'jobs', 'fleet', 'actions', 'bench'],
      fleet: FAST,
      bench: { settleMs: 400 },
    });
    await control.start();
    await waitFor('the host online with models', () => (control!.ctx.fleet.get('gpu')?.models.length ?? 0) > 0);
    const c = control;
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const r = await c.app.inject({ method, url: `/api/control/${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return { status: r.statusCode, body: String(r.headers['content-type'] ?? '').includes('json') ? r.json() : r.body };
    };
    return { call, c };
  }

  const spec = (extra: Record<string, unknown> = {}) => ({
    host: 'gpu',
    model: 'paced',
    driver: { kind: 'concurrency', levels: [1, 2] },
    workload: { kind: 'synthetic', inputTokens: 20, outputTokens: 8 },
    window: { warmupS: 0.2, measureS: 1, cooldownS: 0.1 },
    repetitions: 1,
    ...extra,
  });

  it('refuses bad input with typed errors before a run or a job exists', async () => {
    const { call } = await setup();
    expect((await call('POST', 'bench/runs', spec({ host: 'nope' }))).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await call('POST', 'bench/runs', spec({ model: 'missing' }))).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await call('POST', 'bench/runs', spec({ driver: { kind: 'concurrency', levels: [0] } }))).status).toBe(400);
    expect((await call('POST', 'bench/runs', spec({ driver: { kind: 'concurrency', levels: [100000] } }))).status).toBe(400);
    const jsonl = await call('POST', 'bench/runs', spec({ workload: { kind: 'jsonl', jsonl: '{"prompt":"hi"}\nnot json\n' } }));
    expect(jsonl).toMatchObject({ status: 400, body: { error: { code: 'BENCH_BAD_JSONL' } } });
    expect((await call('GET', 'bench/runs')).body.runs).toEqual([]);
    expect((await call('GET', 'jobs')).body.jobs).toEqual([]);
  });

  it('runs a sweep under the lease after warming the model as a child job; points in order, figures from the sim', async () => {
    const { call } = await setup();
    const started = await call('POST', 'bench/runs', spec());
    expect(started.status).toBe(202);
    const { runId, job } = started.body as { runId: string; job: { id: string } };
    // While it runs, the host is leased for the bench.
    await waitFor('the lease', async () => ((await call('GET', 'leases')).body.leases as Array<{ hostId: string; purpose: string }>).find((l) => l.hostId === 'gpu' && l.purpose === 'bench'));
    const second = await call('POST', 'bench/runs', spec());
    expect(second.body).toMatchObject({ error: { code: 'LEASE_HELD' } });
    const done = await waitFor('the bench job to finish', async () => {
      const j = JobSchema.parse((await call('GET', `jobs/${job.id}`)).body);
      return j.status === 'running' || j.status === 'queued' ? undefined : j;
    }, 30_000);
    expect(done.status).toBe('succeeded');
    const run = BenchRunSchema.parse((await call('GET', `bench/runs/${runId}`)).body);
    expect(run.status).toBe('succeeded');
    expect(run.points.map((p) => p.level)).toEqual([1, 2]);
    for (const p of run.points) {
      expect(p.requests.succeeded).toBeGreaterThan(0);
      // 200 tok/s on the sim: 5 ms per token (TPOT), within loaded-machine slack
      expect(p.tpotMs.p50!).toBeGreaterThan(4);
      expect(p.tpotMs.p50!).toBeLessThan(9);
      expect(p.flags.foreignTraffic).toBe(false);
    }
    // The warm ran first, as a child of the bench job on the host's lane.
    const jobs = (await call('GET', 'jobs?host=gpu')).body.jobs as Array<{ jobType: string; parentId?: string | null; status: string }>;
    expect(jobs.find((j) => j.jobType === 'warm')).toMatchObject({ parentId: job.id, status: 'succeeded' });
    // The lease is gone once the run ends.
    expect((await call('GET', 'leases')).body.leases).toEqual([]);
    const csv = await call('GET', `bench/runs/${runId}?format=csv`);
    expect(String(csv.body).trim().split('\n')).toHaveLength(3);
  });

  it('refuses with HOST_BUSY under live traffic; with takeover it runs and flags the points that saw foreign requests', async () => {
    const { call, c } = await setup();
    // Someone else's requests on the same host (another model, so they are certainly not ours).
    const foreign = new AbortController();
    const load = (async () => {
      while (!foreign.signal.aborted) {
        await fetch(`${sim!.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'other', messages: [{ role: 'user', content: 'someone else here' }], max_tokens: 4 }), signal: foreign.signal }).then((r) => r.text()).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await waitFor('control to see the traffic', () => c.fleet!.activity.recentRows().some((r) => r.hostId === 'gpu'));
    const refused = await call('POST', 'bench/runs', spec());
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'HOST_BUSY' } } });
    const started = await call('POST', 'bench/runs', spec({ takeover: true, driver: { kind: 'concurrency', levels: [1] } }));
    expect(started.status).toBe(202);
    const runId = (started.body as { runId: string }).runId;
    const run = await waitFor('the run to end', async () => {
      const r = BenchRunSchema.parse((await call('GET', `bench/runs/${runId}`)).body);
      return r.status === 'running' || r.status === 'queued' ? undefined : r;
    }, 30_000);
    foreign.abort();
    await load;
    expect(run.status).toBe('succeeded');
    expect(run.points[0]!.flags).toMatchObject({ foreignTraffic: true, contaminated: true });
    expect(run.points[0]!.foreignRequests).toBeGreaterThan(0);
  });

  it('cancel stops the run and keeps the points already measured', async () => {
    const { call } = await setup();
    const started = await call('POST', 'bench/runs', spec({ driver: { kind: 'concurrency', levels: [1, 2, 4, 8] }, window: { warmupS: 0.1, measureS: 1.5, cooldownS: 0.1 } }));
    const runId = (started.body as { runId: string }).runId;
    await waitFor('the first point', async () => (BenchRunSchema.parse((await call('GET', `bench/runs/${runId}`)).body).points.length >= 1 ? true : undefined), 30_000);
    await call('POST', `bench/runs/${runId}/cancel`);
    const run = await waitFor('the run to end', async () => {
      const r = BenchRunSchema.parse((await call('GET', `bench/runs/${runId}`)).body);
      return r.status === 'running' || r.status === 'queued' ? undefined : r;
    }, 10_000);
    expect(run.status).toBe('cancelled');
    expect(run.points.length).toBeGreaterThanOrEqual(1);
    expect(run.points.length).toBeLessThan(4);
    expect((await call('GET', 'leases')).body.leases).toEqual([]);
  });
});
