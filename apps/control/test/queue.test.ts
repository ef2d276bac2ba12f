import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JobFrame } from '@boocontrol/contracts';
import { ActionQueue } from '../src/jobs/queue';
import { JobsRepo } from '../src/jobs/jobs.repo';
import { JobRegistry, type ActionContext } from '../src/jobs/registry';
import { createPgDb } from '../src/db/pg';
import { AppError } from '../src/lib/errors';
import { backends, type TestDb } from './helpers/db';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const untilAborted = (ctx: ActionContext) => new Promise<never>((_, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason)));

type Behaviour = (ctx: ActionContext, params: { name: string }) => Promise<Record<string, unknown> | void>;

/**
 * A registry whose `test` job runs the behaviour registered under its params.name: jobs stay
 * plain rows (type + params), the way every real job type is dispatched.
 */
function testRegistry() {
  const behaviours = new Map<string, Behaviour>();
  const registry = new JobRegistry();
  registry.register({
    jobType: 'test',
    params: z.object({ name: z.string() }),
    run: (ctx, p) => (behaviours.get(p.name) ?? (async () => undefined))(ctx, p),
  });
  registry.register({ jobType: 'switch', params: z.object({ model: z.string() }), run: async (ctx, p) => behaviours.get(`switch:${p.model}`)?.(ctx, { name: p.model }) });
  return { registry, on: (name: string, b: Behaviour) => behaviours.set(name, b) };
}

describe.each(backends())('job queue on $name', (backend) => {
  let t: TestDb | undefined;
  const queues: ActionQueue[] = [];
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    await t?.cleanup();
    t = undefined;
  });

  async function setup(max = 8, heartbeatMs = 2_000) {
    t = await backend.create();
    const frames: JobFrame[] = [];
    const repo = new JobsRepo(t.db);
    const { registry, on } = testRegistry();
    const queue = new ActionQueue({ repo, registry, publish: (f) => frames.push(f), maxQueuedPerHost: max, heartbeatMs });
    queues.push(queue);
    return { repo, queue, frames, registry, on };
  }

  it('runs one job at a time per host and hosts in parallel', async () => {
    const { queue, on } = await setup();
    const log: string[] = [];
    for (const name of ['a1', 'a2', 'b1']) {
      on(name, async () => {
        log.push(`start ${name}`);
        await tick(30);
        log.push(`end ${name}`);
      });
    }
    const job = (host: string, name: string) => ({ hostId: host, jobType: 'test', params: { name } });
    const jobs = await Promise.all([queue.enqueue(job('a', 'a1')), queue.enqueue(job('a', 'a2')), queue.enqueue(job('b', 'b1'))]);
    await Promise.all(jobs.map((j) => queue.wait(j.job.id, 10_000)));
    const a = log.filter((l) => l.includes(' a'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2']);
    // b ran while a1 was running
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('refuses an unknown job type and bad params before a row is written', async () => {
    const { queue, repo } = await setup();
    await expect(queue.enqueue({ hostId: 'h', jobType: 'nope', params: {} })).rejects.toMatchObject({ code: 'VALIDATION', details: { known: ['switch', 'test'] } });
    await expect(queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 7 } })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await repo.list({ limit: 10 })).toEqual([]);
  });

  it('persists status, output tail and typed errors', async () => {
    const { queue, repo, frames, on } = await setup();
    on('fail', async (ctx) => {
      ctx.log('hello\n');
      ctx.progress({ stage: 'loading' });
      throw new AppError('UPSTREAM_ERROR', 'model failed to load');
    });
    const { job } = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'fail' } });
    const done = await queue.wait(job.id, 10_000);
    expect(done.status).toBe('failed');
    const stored = await repo.get(job.id);
    expect(stored).toMatchObject({ status: 'failed', outputTail: 'hello\n', error: { code: 'UPSTREAM_ERROR', message: 'model failed to load' }, detail: { stage: 'loading' } });
    expect(frames.map((f) => f.status)).toEqual(['queued', 'running', 'running', 'running', 'failed']);
    expect(frames.find((f) => f.line)?.line).toBe('hello\n');
  });

  it('returns the same job for a retried Idempotency-Key and runs it once', async () => {
    const { queue, on } = await setup();
    let runs = 0;
    on('switch:m', async () => void runs++);
    const req = { hostId: 'h', jobType: 'switch', params: { model: 'm' }, idempotencyKey: 'agent-42' };
    const [a, b] = await Promise.all([queue.enqueue(req), queue.enqueue(req)]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    await queue.wait(a.job.id, 10_000);
    const c = await queue.enqueue(req);
    expect(c).toMatchObject({ created: false, job: { id: a.job.id, status: 'succeeded' } });
    expect(runs).toBe(1);
    await expect(queue.enqueue({ ...req, hostId: 'other' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('supersedes older queued switches with SUPERSEDED, never the running one', async () => {
    const { queue, on } = await setup();
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    for (const m of ['m1', 'm2', 'm3']) {
      on(`switch:${m}`, async () => {
        ran.push(m);
        if (m === 'm1') await gate;
      });
    }
    const sw = (model: string) => ({ hostId: 'h', jobType: 'switch', params: { model }, supersedeKey: 'switch' });
    const first = await queue.enqueue(sw('m1'));
    await expect.poll(() => ran.length).toBe(1);
    const second = await queue.enqueue(sw('m2'));
    const third = await queue.enqueue(sw('m3'));
    release();
    const [j1, j2, j3] = await Promise.all([first, second, third].map((j) => queue.wait(j.job.id, 10_000)));
    expect(j1?.status).toBe('succeeded');
    expect(j2).toMatchObject({ status: 'cancelled', detail: { supersededBy: third.job.id }, error: { code: 'SUPERSEDED' } });
    expect(j3?.status).toBe('succeeded');
    expect(ran).toEqual(['m1', 'm3']);
  });

  it('bounds the queue per host with BUSY, cancels queued and running jobs', async () => {
    const { queue, on } = await setup(1);
    on('block', untilAborted);
    const blocker = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'block' } });
    await expect.poll(async () => (await queue.get(blocker.job.id))?.status).toBe('running');
    const queued = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'x' } });
    await expect(queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'y' } })).rejects.toMatchObject({ code: 'BUSY' });
    expect((await queue.cancel(queued.job.id)).status).toBe('cancelled');
    expect((await queue.cancel(blocker.job.id)).status).toBe('cancelled');
  });

  it('a job runs a child job on its own lane and awaits it without deadlock', async () => {
    const { queue, repo, on } = await setup();
    const order: string[] = [];
    on('parent', async (ctx) => {
      order.push('parent start');
      const child = await ctx.child({ jobType: 'switch', params: { model: 'm' } });
      order.push(`parent saw child ${child.status}`);
      return { childId: child.id };
    });
    on('switch:m', async () => void order.push('child ran'));
    on('after', async () => void order.push('next job'));
    const parent = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'parent' } });
    const after = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'after' } });
    const done = await queue.wait(parent.job.id, 5_000);
    await queue.wait(after.job.id, 5_000);
    expect(done.status).toBe('succeeded');
    // The child ran inside the parent's slot; the next job on the lane waited for both.
    expect(order).toEqual(['parent start', 'child ran', 'parent saw child succeeded', 'next job']);
    const child = await repo.get(String(done.detail.childId));
    expect(child).toMatchObject({ parentId: parent.job.id, jobType: 'switch', status: 'succeeded', hostId: 'h' });
  });

  it('cancelling a parent cancels its running child; a failed child fails the parent with its code', async () => {
    const { queue, repo, on } = await setup();
    let childId = '';
    on('switch:hang', async (ctx) => {
      childId = ctx.job.id;
      await untilAborted(ctx);
    });
    on('parent', async (ctx) => void (await ctx.child({ jobType: 'switch', params: { model: 'hang' } })));
    const p = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'parent' } });
    await expect.poll(() => childId).not.toBe('');
    expect((await queue.cancel(p.job.id)).status).toBe('cancelled');
    await expect.poll(async () => (await repo.get(childId))?.status).toBe('cancelled');

    on('switch:bad', async () => {
      throw new AppError('SSH_FAILED', 'no route');
    });
    on('parent2', async (ctx) => void (await ctx.child({ jobType: 'switch', params: { model: 'bad' } })));
    const p2 = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'parent2' } });
    expect(await queue.wait(p2.job.id, 5_000)).toMatchObject({ status: 'failed', error: { code: 'SSH_FAILED' } });
  });

  it('a lane configured wider runs that many jobs at once', async () => {
    const { queue, on } = await setup();
    queue.setLaneConcurrency('pool', 3);
    let running = 0;
    let peak = 0;
    on('work', async () => {
      running++;
      peak = Math.max(peak, running);
      await tick(40);
      running--;
    });
    const jobs = await Promise.all(Array.from({ length: 7 }, () => queue.enqueue({ hostId: null, jobType: 'test', params: { name: 'work' }, lane: 'pool' })));
    await Promise.all(jobs.map((j) => queue.wait(j.job.id, 5_000)));
    expect(peak).toBe(3);
  });

  it('runs a stored job again from its row (type, host, params)', async () => {
    const { queue, on } = await setup();
    const seen: string[] = [];
    on('switch:again', async (ctx) => void seen.push(ctx.job.id));
    const first = await queue.enqueue({ hostId: 'h', jobType: 'switch', params: { model: 'again' } });
    await queue.wait(first.job.id, 5_000);
    const retry = await queue.retry(first.job.id);
    const done = await queue.wait(retry.id, 5_000);
    expect(done).toMatchObject({ status: 'succeeded', jobType: 'switch', hostId: 'h', params: { model: 'again' }, detail: { retryOf: first.job.id } });
    expect(seen).toEqual([first.job.id, retry.id]);
  });

  it('interrupts unfinished jobs whose owner stopped beating, not live ones', async () => {
    const { repo, queue, on } = await setup(8, 50);
    await repo.insert({ id: 'dead', hostId: 'h', jobType: 'switch', params: {} });
    await repo.update('dead', { status: 'running', startedAt: new Date() });
    on('live', untilAborted);
    const live = await queue.enqueue({ hostId: 'h2', jobType: 'test', params: { name: 'live' } });
    // The dead job's heartbeat is its insert time; the live one beats every 50 ms.
    await expect.poll(async () => (await repo.get('dead'))?.status, { timeout: 5_000 }).toBe('interrupted');
    expect((await repo.get('dead'))?.error?.code).toBe('INTERRUPTED');
    await tick(300);
    expect((await repo.get(live.job.id))?.status).toBe('running');
  });

  // Two processes need two connections to one database: Postgres only (PGlite is in-process).
  if (backend.name === 'postgres') it('a second control process cancels a job through its row', async () => {
    const { queue, on } = await setup(8, 50);
    on('long', untilAborted);
    const { job } = await queue.enqueue({ hostId: 'h', jobType: 'test', params: { name: 'long' } });
    await expect.poll(async () => (await queue.get(job.id))?.status).toBe('running');
    // Process B: its own pool on the same database, its own queue that owns nothing.
    const otherDb = createPgDb({ connectionString: t!.url!, max: 2 });
    try {
      const other = new ActionQueue({ repo: new JobsRepo(otherDb), registry: testRegistry().registry, publish: () => undefined, maxQueuedPerHost: 8, heartbeatMs: 50 });
      queues.push(other);
      const asked = await other.cancel(job.id);
      expect(asked.status).toBe('running');
      const done = await queue.wait(job.id, 5_000);
      expect(done).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
      expect((await other.get(job.id))?.status).toBe('cancelled');
    } finally {
      await otherDb.close();
    }
  });
});
