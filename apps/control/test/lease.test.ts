import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/bus';
import type { DomainEvent } from '../src/events/domain-events';
import { createPgDb } from '../src/db/pg';
import { LeaseRepo } from '../src/lease/lease.repo';
import { LeaseService } from '../src/lease/lease.service';
import { backends, type TestDb } from './helpers/db';

describe.each(backends())('fleet lease on $name', (backend) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('two acquirers: one wins, the other is refused with the holder; release hands it on with a larger token', async () => {
    t = await backend.create();
    const events: DomainEvent[] = [];
    const bus = new EventBus();
    bus.on('lease.changed', (e) => void events.push(e));
    const a = new LeaseService(new LeaseRepo(t.db), bus);
    const b = new LeaseService(new LeaseRepo(t.db), bus);
    const results = await Promise.allSettled([a.acquire('gpu', { holder: 'job-a', purpose: 'bench' }), b.acquire('gpu', { holder: 'job-b', purpose: 'eval' })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'LEASE_HELD' });
    const first = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<LeaseService['acquire']>>>).value;
    expect((await a.list()).map((l) => l.hostId)).toEqual(['gpu']);
    await first.release();
    expect(await a.holder('gpu')).toBeUndefined();
    const second = await b.acquire('gpu', { holder: 'job-c', purpose: 'eval' });
    expect(second.token).toBeGreaterThan(first.token);
    await second.release();
    expect(events.map((e) => (e.type === 'lease.changed' ? e.lease !== null : null))).toEqual([true, false, true, false]);
  });

  it('a holder that stops renewing loses the lease at expiry; the next holder gets it and the old one sees its signal', async () => {
    t = await backend.create();
    const repo = new LeaseRepo(t.db);
    // A "dead" holder: granted directly, never renewed.
    const dead = await repo.tryAcquire('gpu', 'gone/job', 'bench', 200);
    expect(dead).toBeDefined();
    const svc = new LeaseService(repo, new EventBus());
    await expect(svc.acquire('gpu', { holder: 'x', purpose: 'bench' })).rejects.toMatchObject({ code: 'LEASE_HELD', details: { purpose: 'bench' } });
    await new Promise((r) => setTimeout(r, 300));
    const next = await svc.acquire('gpu', { holder: 'x', purpose: 'bench', ttlMs: 300 });
    expect(next.token).toBeGreaterThan(dead!.token);
    // The old holder's renewal must fail now: its token is stale.
    expect(await repo.renew('gpu', 'gone/job', dead!.token, 1000)).toBe(false);
    // A live holder keeps it past its ttl by renewing.
    await new Promise((r) => setTimeout(r, 700));
    expect((await svc.holder('gpu'))?.token).toBe(next.token);
    expect(next.signal.aborted).toBe(false);
    // Someone steals it (simulating expiry + a new grant): the renewal fails and the signal fires.
    await t.db.query(`UPDATE control_leases SET owner = 'thief', token = token + 1000 WHERE host_id = 'gpu'`);
    await expect.poll(() => next.signal.aborted, { timeout: 3_000 }).toBe(true);
  });

  // Two processes on one database: Postgres only (PGlite is in-process).
  if (backend.name === 'postgres') it('two control processes on one database never both hold a host', async () => {
    t = await backend.create();
    const other = createPgDb({ connectionString: t.url!, max: 4 });
    try {
      const a = new LeaseService(new LeaseRepo(t.db), new EventBus());
      const b = new LeaseService(new LeaseRepo(other), new EventBus());
      for (let round = 0; round < 5; round++) {
        const tries = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).acquire('gpu', { holder: `r${round}-${i}`, purpose: 'bench' })));
        const won = tries.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<LeaseService['acquire']>>> => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        await won[0]!.value.release();
      }
    } finally {
      await other.close();
    }
  });
});
