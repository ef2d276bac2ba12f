import { afterEach, describe, expect, it } from 'vitest';
import type { JobFrame } from '@boocontrol/contracts';
import { ActionQueue } from '../src/actions/queue';
import { JobsRepo } from '../src/actions/jobs.repo';
import { AppError } from '../src/lib/errors';
import { backends, type TestDb } from './helpers/db';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe.each(backends())('action queue on $name', (backend) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  async function setup(max = 8) {
    t = await backend.create();
    const frames: JobFrame[] = [];
    const repo = new JobsRepo(t.db);
    const queue = new ActionQueue({ repo, publish: (f) => frames.push(f), maxQueuedPerHost: max });
    return { repo, queue, frames };
  }

  it('runs one job at a time per host and hosts in parallel', async () => {
    const { queue } = await setup();
    const log: string[] = [];
    const job = (host: string, name: string) => ({
      hostId: host,
      jobType: 'test',
      params: { name },
      run: async () => {
        log.push(`start ${name}`);
        await tick(30);
        log.push(`end ${name}`);
      },
    });
    const jobs = await Promise.all([queue.enqueue(job('a', 'a1')), queue.enqueue(job('a', 'a2')), queue.enqueue(job('b', 'b1'))]);
    await Promise.all(jobs.map((j) => queue.wait(j.job.id, 10_000)));
    const a = log.filter((l) => l.includes(' a'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2']);
    // b ran while a1 was running
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('persists status, output tail and errors', async () => {
    const { queue, repo, frames } = await setup();
    const { job } = await queue.enqueue({
      hostId: 'h',
      jobType: 'test',
      params: {},
      run: async (ctx) => {
        ctx.log('hello\n');
        ctx.progress({ stage: 'loading' });
        throw new AppError('UPSTREAM_ERROR', 'model failed to load');
      },
    });
    const done = await queue.wait(job.id, 10_000);
    expect(done.status).toBe('failed');
    const stored = await repo.get(job.id);
    expect(stored).toMatchObject({ status: 'failed', outputTail: 'hello\n', error: { code: 'UPSTREAM_ERROR', message: 'model failed to load' }, detail: { stage: 'loading' } });
    expect(frames.map((f) => f.status)).toEqual(['queued', 'running', 'running', 'running', 'failed']);
    expect(frames.find((f) => f.line)?.line).toBe('hello\n');
  });

  it('returns the same job for a retried Idempotency-Key and runs it once', async () => {
    const { queue } = await setup();
    let runs = 0;
    const req = { hostId: 'h', jobType: 'switch', params: { model: 'm' }, idempotencyKey: 'agent-42', run: async () => void runs++ };
    const [a, b] = await Promise.all([queue.enqueue(req), queue.enqueue(req)]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    await queue.wait(a.job.id, 10_000);
    const c = await queue.enqueue(req);
    expect(c).toMatchObject({ created: false, job: { id: a.job.id, status: 'succeeded' } });
    expect(runs).toBe(1);
    await expect(queue.enqueue({ ...req, hostId: 'other' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('supersedes older queued switches, never the running one', async () => {
    const { queue } = await setup();
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sw = (model: string, wait?: Promise<void>) => ({
      hostId: 'h', jobType: 'switch', params: { model }, supersedeKey: 'switch',
      run: async () => { ran.push(model); await wait; },
    });
    const first = await queue.enqueue(sw('m1', gate));
    await expect.poll(() => ran.length).toBe(1);
    const second = await queue.enqueue(sw('m2'));
    const third = await queue.enqueue(sw('m3'));
    release();
    const [j1, j2, j3] = await Promise.all([first, second, third].map((j) => queue.wait(j.job.id, 10_000)));
    expect(j1?.status).toBe('succeeded');
    expect(j2).toMatchObject({ status: 'cancelled', detail: { supersededBy: third.job.id } });
    expect(j3?.status).toBe('succeeded');
    expect(ran).toEqual(['m1', 'm3']);
  });

  it('bounds the queue per host with BUSY, cancels queued and running jobs', async () => {
    const { queue } = await setup(1);
    const blocker = await queue.enqueue({ hostId: 'h', jobType: 't', params: {}, run: (ctx) => new Promise((_, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason))) });
    await expect.poll(async () => (await queue.get(blocker.job.id))?.status).toBe('running');
    const queued = await queue.enqueue({ hostId: 'h', jobType: 't', params: {}, run: async () => undefined });
    await expect(queue.enqueue({ hostId: 'h', jobType: 't', params: {}, run: async () => undefined })).rejects.toMatchObject({ code: 'BUSY' });
    expect((await queue.cancel(queued.job.id)).status).toBe('cancelled');
    expect((await queue.cancel(blocker.job.id)).status).toBe('cancelled');
  });

  it('marks jobs left running by a dead process as interrupted', async () => {
    const { repo } = await setup();
    await repo.insert({ id: 'j1', hostId: 'h', jobType: 'switch', params: {} });
    await repo.update('j1', { status: 'running', startedAt: new Date() });
    expect(await repo.interruptUnfinished(new Date())).toBe(1);
    expect((await repo.get('j1'))?.status).toBe('interrupted');
  });
});
