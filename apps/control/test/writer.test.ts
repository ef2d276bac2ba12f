import { afterEach, describe, expect, it } from 'vitest';
import { ActivityRepo, type StoredActivity } from '../src/activity/activity.repo';
import type { Queryable } from '../src/db/db';
import { BoundedQueue } from '../src/fleet/bounded-queue';
import { PersistenceWriter, type WriteItem } from '../src/fleet/writer';
import { Counters } from '../src/lib/counters';
import { TransitionsRepo } from '../src/models/transitions.repo';
import { PerfRepo } from '../src/perf/perf.repo';
import { backends, type TestDb } from './helpers/db';
import { waitFor } from './helpers/fleet';

const item = (id: number, hostId = 'h'): WriteItem => ({
  kind: 'activity',
  row: {
    hostId,
    epoch: 0,
    rec: { upstreamId: id, ts: new Date(), model: 'm', path: '/p', status: 200, contentType: '', inputTokens: 1, outputTokens: 2, cacheTokens: -1, draftTokens: -1, draftAccTokens: -1, promptTps: null, genTps: 10, ttftMs: null, promptMs: null, durationMs: 5, error: null, hasCapture: false, metadata: null },
  },
});

describe('bounded queue', () => {
  it('drops the oldest when full and puts a failed batch back in front, dropping what no longer fits', () => {
    const q = new BoundedQueue<number>(4);
    expect([1, 2, 3, 4].map((n) => q.push(n))).toEqual([undefined, undefined, undefined, undefined]);
    expect(q.push(5)).toBe(1);
    const batch = q.take(3);
    expect(batch).toEqual([2, 3, 4]);
    q.push(6);
    q.push(7);
    expect(q.unshiftMany(batch)).toEqual([2, 3]); // room for one: the oldest of the batch go
    expect(q.take(10)).toEqual([4, 5, 6, 7]);
    expect(q.size).toBe(0);
  });
});

describe.each(backends())('persistence writer on $name', (backend) => {
  let t: TestDb | undefined;
  let writer: PersistenceWriter | undefined;
  afterEach(async () => {
    await writer?.stop(1000);
    writer = undefined;
    await t?.cleanup();
    t = undefined;
  });

  /** The real database behind a switch that makes every query fail, like a database outage. */
  function outageDb(db: Queryable) {
    const state = { down: false };
    const q: Queryable = {
      query: (sql, params) => (state.down ? Promise.reject(new Error('connect ECONNREFUSED (simulated outage)')) : db.query(sql, params)),
    };
    return { q, state };
  }

  function makeWriter(q: Queryable, counters: Counters, published: StoredActivity[], maxQueue = 1000) {
    return new PersistenceWriter({
      activity: new ActivityRepo(q),
      transitions: new TransitionsRepo(q),
      perf: new PerfRepo(q),
      onActivityStored: (rows) => published.push(...rows),
      count: (n, by) => counters.inc(n, by),
      gauge: (n, v) => counters.inc(n, v - counters.get(n)),
      log: { warn: () => undefined, info: () => undefined },
      maxQueue,
      maxBatch: 50,
      retryBaseMs: 50,
      retryMaxMs: 200,
    });
  }

  it('keeps rows queued through a database outage and writes each exactly once after it', async () => {
    t = await backend.create();
    const { q, state } = outageDb(t.db);
    const counters = new Counters();
    const published: StoredActivity[] = [];
    writer = makeWriter(q, counters, published);
    writer.start();
    writer.enqueueMany([1, 2, 3].map((i) => item(i)));
    await waitFor('first rows', () => published.length === 3);
    state.down = true;
    const t0 = Date.now();
    for (let i = 4; i <= 200; i++) writer.enqueue(item(i)); // never blocks, never throws
    expect(Date.now() - t0).toBeLessThan(200);
    await waitFor('errors counted', () => counters.get('writer.errors') >= 2);
    expect(writer.healthy).toBe(false);
    writer.enqueue(item(3)); // a duplicate, as a reconnect may produce
    state.down = false;
    await waitFor('all written', () => published.length === 200, 10_000);
    expect(published.map((r) => r.upstreamId)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(writer.healthy).toBe(true);
    const n = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM control_activity');
    expect(n.rows[0]!.n).toBe(200);
    expect(counters.get('writer.activity.duplicates')).toBe(1);
    expect(counters.get('writer.dropped.activity')).toBe(0);
  });

  it('when the queue is full, drops the oldest rows, counts them, and keeps the newest', async () => {
    t = await backend.create();
    const { q, state } = outageDb(t.db);
    const counters = new Counters();
    const published: StoredActivity[] = [];
    writer = makeWriter(q, counters, published, 100);
    state.down = true;
    writer.start();
    for (let i = 1; i <= 250; i++) writer.enqueue(item(i));
    await waitFor('a failed attempt', () => counters.get('writer.errors') >= 1);
    state.down = false;
    await waitFor('queue drained', () => writer!.pending === 0 && published.length > 0, 10_000);
    await writer.drain();
    const dropped = counters.get('writer.dropped.activity');
    expect(dropped + published.length).toBe(250);
    expect(dropped).toBeGreaterThanOrEqual(100);
    // the newest rows survived
    expect(published.map((r) => r.upstreamId).slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 151 + i));
  });
});
