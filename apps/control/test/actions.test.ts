import { afterEach, describe, expect, it } from 'vitest';
import { startSimHost, type SimConfig, type SimHost } from '@boocontrol/sim';
import { JobSchema, ServerFrameSchema, type Job, type ServerFrame } from '@boocontrol/contracts';
import type { Db } from '../src/db/db';
import { createControl } from '../src/control';
import { backends, type Backend } from './helpers/db';
import { silentLogger, startTestControl, testConfig } from './helpers/control';
import { TransitionRecorder, until } from './helpers/sim-events';

type Started = Awaited<ReturnType<typeof startTestControl>>;

const MODELS: SimConfig = {
  models: {
    alpha: { loadMs: 250, name: 'Alpha', description: 'first', aliases: ['al'] },
    beta: { loadMs: 250, name: 'Beta' },
    gamma: { loadMs: 250 },
    slow: { loadMs: 4000 },
    broken: { loadMs: 150, failLoad: true },
    'org/with-slash:q4': { loadMs: 100 },
    medium: { loadMs: 1500, aliases: ['med'] },
  },
};

describe.each(backends())('actions against simulated hosts on $name', (backend: Backend) => {
  const sims: SimHost[] = [];
  const recorders: TransitionRecorder[] = [];
  let t: Started | undefined;

  afterEach(async () => {
    for (const r of recorders.splice(0)) r.close();
    await t?.close();
    t = undefined;
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });

  async function setup(configs: SimConfig[] = [MODELS]): Promise<{ t: Started; sims: SimHost[]; rec: TransitionRecorder[] }> {
    const started = await Promise.all(configs.map((config, i) => startSimHost({ config, seed: 7 + i, perfEveryMs: 1000 })));
    sims.push(...started);
    const rec = started.map((s) => new TransitionRecorder(s.url));
    recorders.push(...rec);
    await Promise.all(rec.map((r) => r.ready));
    const providers = started.map((s, i) => ({ id: `h${i + 1}`, label: `Host ${i + 1}`, baseUrl: s.url, kind: 'llama-swap' }));
    t = await startTestControl(backend, { LLAMA_PROVIDERS: JSON.stringify(providers) });
    const fleet = t.control.ctx.fleet;
    await until(() => providers.every((p) => (fleet.get(p.id)?.models.length ?? 0) > 0), 'the fleet to list the models');
    return { t, sims: started, rec };
  }

  const post = (path: string, payload: unknown, headers: Record<string, string> = {}) =>
    t!.control.app.inject({ method: 'POST', url: `/api/control/${path}`, payload: payload as object, headers });
  const job = async (id: string): Promise<Job> => JobSchema.parse((await t!.control.app.inject({ method: 'GET', url: `/api/control/jobs/${id}` })).json());
  const state = (sim: SimHost, model: string) => sim.models().find((m) => m.id === model)?.state;

  it('switch returns only when the model is ready, with stages and load time; at once when already ready', async () => {
    const { sims: [sim] } = await setup();
    const frames: ServerFrame[] = [];
    const conn = t!.control.hub.connect({ send: (d) => frames.push(ServerFrameSchema.parse(JSON.parse(d))), bufferedAmount: 0, close() {} });
    conn.onMessage(JSON.stringify({ type: 'hello', protocol: 1 }));
    conn.onMessage(JSON.stringify({ type: 'subscribe', topics: ['jobs'] }));

    const res = await post('switch', { model: 'medium', host: 'h1' });
    expect(res.statusCode).toBe(200);
    expect(state(sim!, 'medium')).toBe('ready');
    const body = res.json();
    expect(body.job.status).toBe('succeeded');
    expect(body.alreadyReady).toBe(false);
    expect(body.loadMs).toBeGreaterThanOrEqual(1400);
    expect(body.job.detail.stage).toBe('ready');
    expect(body.job.outputTail).toContain('--- switching to medium ---');

    const stages = frames
      .flatMap((f) => (f.type === 'event' && f.topic === 'jobs' ? [(f.data as { job: { jobId: string; detail: { stage?: string } } }).job] : []))
      .filter((j) => j.jobId === body.job.id)
      .map((j) => j.detail.stage);
    const distinct = stages.filter((s, i) => s !== stages[i - 1]);
    expect(distinct[0]).toBe('queued');
    expect(distinct.at(-1)).toBe('ready');
    const order = ['queued', 'stopping', 'starting', 'loading', 'ready'];
    expect(distinct.map((s) => order.indexOf(s!))).toEqual([...distinct.map((s) => order.indexOf(s!))].sort((a, b) => a - b));
    expect(distinct).toContain('loading');

    const again = await post('switch', { model: 'med' }); // alias, host omitted: one host has it
    expect(again.statusCode).toBe(200);
    expect(again.json().alreadyReady).toBe(true);
    expect(again.json().model).toBe('medium');
    conn.onClose();

    // a client that subscribes after the jobs ended still learns how they ended (snapshot)
    const late: ServerFrame[] = [];
    const lateConn = t!.control.hub.connect({ send: (d) => late.push(ServerFrameSchema.parse(JSON.parse(d))), bufferedAmount: 0, close() {} });
    lateConn.onMessage(JSON.stringify({ type: 'hello', protocol: 1 }));
    lateConn.onMessage(JSON.stringify({ type: 'subscribe', topics: ['jobs'] }));
    const snap = await until(() => late.find((f) => f.type === 'snapshot' && f.topic === 'jobs'), 'the jobs snapshot');
    const listed = (snap as { data: { jobs: Job[] } }).data.jobs;
    expect(listed.find((j) => j.id === body.job.id)?.status).toBe('succeeded');
    expect(listed.find((j) => j.id === again.json().job.id)?.status).toBe('succeeded');
    lateConn.onClose();
  });

  it('concurrent switches on one host never interleave; a newer switch supersedes a queued one', async () => {
    const { sims: [sim], rec: [rec] } = await setup();
    const queue = t!.control.ctx.queue;
    const a = post('switch', { model: 'alpha', host: 'h1', exclusive: true });
    await until(() => queue.laneOf('h1').running?.params.model === 'alpha', 'switch alpha to run');
    const b = post('switch', { model: 'beta', host: 'h1', exclusive: true });
    await until(() => queue.laneOf('h1').queued.length === 1, 'switch beta to queue');
    const c = post('switch', { model: 'gamma', host: 'h1', exclusive: true });
    // Concurrent requests are ordered by when their job row is written, not by when they were
    // sent; wait for gamma to take beta's place so the warm below queues behind it.
    await until(() => queue.laneOf('h1').queued.map((j) => j.params.model).join() === 'gamma', 'switch gamma to supersede beta');
    const w = post('warm', { model: 'beta', host: 'h1' });
    const [ra, rb, rc, rw] = await Promise.all([a, b, c, w]);
    expect(ra.statusCode).toBe(200);
    expect(rb.statusCode).toBe(409);
    expect(rb.json().error.code).toBe('CANCELLED');
    expect(rb.json().error.details.supersededBy).toBe(rc.json().job.id);
    expect(rc.statusCode).toBe(200);
    expect(rw.statusCode).toBe(200);
    expect(state(sim!, 'beta')).toBe('ready');

    // The host's own record of process states: each model is fully up before anything else moves.
    const trail = rec!.trail();
    expect(trail).toEqual(['alpha:starting', 'alpha:ready', 'alpha:stopping', 'alpha:stopped', 'gamma:starting', 'gamma:ready', 'gamma:stopping', 'gamma:stopped', 'beta:starting', 'beta:ready']);
    // And the jobs' windows never overlap.
    const jobs = await Promise.all([ra, rc, rw].map((r) => job(r.json().job.id)));
    for (let i = 1; i < jobs.length; i++) expect(Date.parse(jobs[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(jobs[i - 1]!.finishedAt!));
  });

  it('a burst of concurrent warms runs one at a time per host, hosts in parallel', async () => {
    const { rec } = await setup([MODELS, MODELS]);
    const calls = ['alpha', 'beta', 'gamma'].flatMap((m) => ['h1', 'h2'].map((h) => post('warm', { model: m, host: h })));
    const res = await Promise.all(calls);
    for (const r of res) expect(r.statusCode).toBe(200);
    for (const r of rec) {
      const trail = r.transitions.filter((x) => x.to === 'starting' || x.to === 'ready');
      // starting/ready strictly alternate, each pair for the same model
      for (let i = 0; i < trail.length; i += 2) {
        expect(trail[i]!.to).toBe('starting');
        expect(trail[i + 1]).toMatchObject({ to: 'ready', model: trail[i]!.model });
      }
      expect(trail).toHaveLength(6);
    }
    const jobs = await Promise.all(res.map((r) => job(r.json().job.id)));
    const h1 = jobs.filter((j) => j.hostId === 'h1').sort((x, y) => Date.parse(x.startedAt!) - Date.parse(y.startedAt!));
    const h2 = jobs.filter((j) => j.hostId === 'h2');
    for (let i = 1; i < h1.length; i++) expect(Date.parse(h1[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(h1[i - 1]!.finishedAt!));
    // hosts in parallel: some h2 job ran while the first h1 job was running
    expect(h2.some((j) => Date.parse(j.startedAt!) < Date.parse(h1[0]!.finishedAt!))).toBe(true);
  });

  it('a wait that times out answers 504 with the job id; the job carries on to ready', async () => {
    const { sims: [sim] } = await setup();
    const res = await post('switch', { model: 'slow', host: 'h1', timeoutMs: 300 });
    expect(res.statusCode).toBe(504);
    const err = res.json().error;
    expect(err.code).toBe('TIMEOUT');
    expect(err.details.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.details.status).toBe('running');
    const done = await until(async () => {
      const j = await job(err.details.jobId);
      return j.status === 'succeeded' ? j : undefined;
    }, 'the slow switch to finish');
    expect(done.detail.stage).toBe('ready');
    expect(state(sim!, 'slow')).toBe('ready');
  });

  it('an idempotent retry returns the same job and does not enqueue twice', async () => {
    await setup();
    const headers = { 'idempotency-key': 'agent-42-switch-beta' };
    const [r1, r2] = await Promise.all([post('switch', { model: 'beta', host: 'h1' }, headers), post('switch', { model: 'beta', host: 'h1' }, headers)]);
    expect(r1.statusCode).toBe(200);
    expect(r2.statusCode).toBe(200);
    expect(r1.json().job.id).toBe(r2.json().job.id);
    expect([r1.json().replayed, r2.json().replayed].sort()).toEqual([false, true]);
    const r3 = await post('switch', { model: 'beta', host: 'h1' }, headers);
    expect(r3.json().job.id).toBe(r1.json().job.id);
    expect(r3.json().replayed).toBe(true);
    const list = (await t!.control.app.inject({ method: 'GET', url: '/api/control/jobs?host=h1&type=switch' })).json();
    expect(list.jobs).toHaveLength(1);
    const other = await post('unload', { host: 'h1' }, headers);
    expect(other.statusCode).toBe(409);
  });

  it('a switch to a model whose load fails reports the failure', async () => {
    const { sims: [sim] } = await setup();
    const res = await post('switch', { model: 'broken', host: 'h1' });
    expect(res.statusCode).toBe(502);
    const err = res.json().error;
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.message).toMatch(/broken/);
    expect(err.details.job.status).toBe('failed');
    expect(err.details.job.detail.stage).toBe('failed');
    expect(state(sim!, 'broken')).toBe('stopped');
    const stored = await job(err.details.jobId);
    expect(stored.status).toBe('failed');
    expect(stored.error?.code).toBe('UPSTREAM_ERROR');
  });

  it('resolves models across hosts: unknown 404, ambiguous 409 with candidates, ids with slashes work', async () => {
    await setup([MODELS, { models: { alpha: { loadMs: 50 }, solo: { loadMs: 50 } } }]);
    const amb = await post('switch', { model: 'alpha' });
    expect(amb.statusCode).toBe(409);
    expect(amb.json().error.code).toBe('AMBIGUOUS_MODEL');
    expect(amb.json().error.details.candidates.map((c: { host: string }) => c.host).sort()).toEqual(['h1', 'h2']);
    expect((await post('switch', { model: 'nope' })).statusCode).toBe(404);
    const solo = await post('warm', { model: 'solo' });
    expect(solo.statusCode).toBe(200);
    expect(solo.json().host).toBe('h2');
    const slash = await post('switch', { model: 'org/with-slash:q4' });
    expect(slash.statusCode).toBe(200);
    expect(state(sims[0]!, 'org/with-slash:q4')).toBe('ready');
    const un = await post('unload', { host: 'h1', model: 'org/with-slash:q4' });
    expect(un.statusCode).toBe(200);
    expect(state(sims[0]!, 'org/with-slash:q4')).toBe('stopped');
    expect((await post('switch', { model: 'ghost', host: 'h1' })).statusCode).toBe(404);
  });

  it('rejects hostile model names, host ids and keys before anything is queued', async () => {
    await setup();
    for (const model of ['a;rm -rf /', '$(id)', '`id`', 'a b', '../x', 'a\nb', "x'y", '-rf', '']) {
      const r = await post('switch', { model, host: 'h1' });
      expect(r.statusCode, model).toBe(400);
      expect(r.json().error.code).toBe('VALIDATION');
    }
    for (const host of ['H1', 'h1;x', '../h1', 'h 1']) expect((await post('switch', { model: 'alpha', host })).statusCode, host).toBe(400);
    expect((await post('switch', { model: 'alpha', host: 'h1' }, { 'idempotency-key': 'bad key\u0007' })).statusCode).toBe(400);
    expect((await post('switch', { model: 'alpha', host: 'h1', extra: 1 })).statusCode).toBe(400);
    const list = (await t!.control.app.inject({ method: 'GET', url: '/api/control/jobs' })).json();
    expect(list.jobs).toHaveLength(0);
  });

  it('unloads one model or all, and reports status per host', async () => {
    const { sims: [sim] } = await setup();
    expect((await post('warm', { model: 'alpha', host: 'h1' })).statusCode).toBe(200);
    await until(() => t!.control.ctx.fleet.get('h1')?.models.find((m) => m.id === 'alpha')?.state === 'ready', 'the fleet to see alpha ready');
    const status = (await t!.control.app.inject({ method: 'GET', url: '/api/control/status' })).json();
    const h1 = status.hosts.find((h: { id: string }) => h.id === 'h1');
    expect(h1.loaded).toEqual([expect.objectContaining({ id: 'alpha', state: 'ready' })]);
    expect(h1.status).toBe('online');
    expect(h1.activeJob).toBeNull();
    const all = await post('unload', { host: 'h1' });
    expect(all.statusCode).toBe(200);
    expect(all.json().job.detail.stage).toBe('stopped');
    expect(state(sim!, 'alpha')).toBe('stopped');
    const queued = await post('warm', { model: 'beta', host: 'h1', wait: false });
    expect(queued.statusCode).toBe(202);
    expect(['queued', 'running']).toContain(queued.json().job.status);
  });

  it('cancels an in-flight request on the host', async () => {
    const { sims: [sim] } = await setup();
    expect((await post('warm', { model: 'alpha', host: 'h1' })).statusCode).toBe(200);
    sim!.faults.slowTokens(50, 'alpha');
    const ac = new AbortController();
    const chat = fetch(`${sim!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'alpha', stream: true, max_tokens: 2000, messages: [{ role: 'user', content: 'tell me a long story' }] }),
      signal: ac.signal,
    }).then(async (r) => {
      await r.text().catch(() => undefined);
      return 'ended';
    }).catch(() => 'ended');
    const reqId = await until(() => t!.control.ctx.fleet.get('h1')?.inflight[0]?.id, 'the request to be in flight');
    const res = await post(`hosts/h1/inflight/${reqId}/cancel`, {});
    expect(res.statusCode).toBe(200);
    expect(await chat).toBe('ended');
    const gone = await post(`hosts/h1/inflight/${reqId}/cancel`, {});
    expect(gone.statusCode).toBe(404);
    expect((await post('hosts/h1/inflight/1;x/cancel', {})).statusCode).toBe(400);
    ac.abort();
  });

  it('a crash mid-job leaves the job interrupted after the restart', async () => {
    await setup();
    // Control #1 runs a slow switch; then it "dies": its database handle stops answering.
    let dead = false;
    const db = t!.testDb.db;
    const gone = () => Promise.reject(new Error('process is dead'));
    const view = (isDead: () => boolean): Db => ({
      backend: db.backend,
      query: (sql, params) => (isDead() ? gone() : db.query(sql, params)),
      exec: (sql) => (isDead() ? gone() : db.exec(sql)),
      tx: (fn) => (isDead() ? gone() : db.tx(fn)),
      close: async () => undefined, // the test owns the real database
    });
    const providers = [{ id: 'h1', label: 'Host 1', baseUrl: sims[0]!.url, kind: 'llama-swap' }];
    const cfg = { LLAMA_PROVIDERS: JSON.stringify(providers), JOB_HEARTBEAT_MS: '100' };
    const first = await createControl(testConfig(cfg), { db: view(() => dead), logger: silentLogger() });
    await first.start();
    await until(() => (first.ctx.fleet.get('h1')?.models.length ?? 0) > 0, 'control #1 to see the host');
    const r = await first.app.inject({ method: 'POST', url: '/api/control/switch', payload: { model: 'slow', host: 'h1', wait: false } });
    expect(r.statusCode).toBe(202);
    const id = r.json().job.id as string;
    await until(async () => (await db.query<{ status: string }>('SELECT status FROM control_jobs WHERE id = $1', [id])).rows[0]?.status === 'running', 'the job to be running');
    dead = true;
    // Control #2 starts on the same database; #1's job stops beating, so #2 sweeps it.
    const second = await createControl(testConfig(cfg), { db: view(() => false), logger: silentLogger() });
    await second.start();
    const jobOf = async () => JobSchema.parse((await second.app.inject({ method: 'GET', url: `/api/control/jobs/${id}` })).json());
    await until(async () => (await jobOf()).status === 'interrupted', 'control #2 to interrupt the dead job');
    const after = await jobOf();
    expect(after.error?.code).toBe('INTERRUPTED');
    await first.close();
    await second.close();
  });
});
