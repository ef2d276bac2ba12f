import { afterEach, describe, expect, it } from 'vitest';
import type { SimHost } from '@boocontrol/sim';
import type { Control } from '../src/control';
import { backends, type TestDb } from './helpers/db';
import { chat, chatMany, services, settled, startFleetControl, startSim, status, storedRows, waitFor, FAST } from './helpers/fleet';

/**
 * Exactly-once ingestion against simulated llama-swap hosts, whatever the simulator does:
 * restarts that reset ids, dropped event streams, config reloads, silently dropped events and
 * control restarts. Every test counts rows in the database, keyed (host, epoch, upstream id).
 */
describe.each(backends())('fleet ingestion on $name', (backend) => {
  let testDb: TestDb | undefined;
  const sims: SimHost[] = [];
  const controls: Control[] = [];

  afterEach(async () => {
    for (const c of controls.splice(0)) await c.close().catch(() => undefined);
    for (const s of sims.splice(0)) await s.close().catch(() => undefined);
    await testDb?.cleanup().catch(() => undefined);
    testDb = undefined;
  });

  async function setup(simOpts: Parameters<typeof startSim>[0] = {}, fleetOpts = FAST) {
    testDb = await backend.create({ schema: false });
    const sim = await startSim(simOpts);
    sims.push(sim);
    const control = await startFleetControl(testDb.db, [{ id: 'h1', label: 'H1', baseUrl: sim.url, kind: 'llama-swap' }], fleetOpts);
    controls.push(control);
    await waitFor('host online', () => status(control, 'h1') === 'online');
    return { sim, control, db: testDb.db };
  }

  const rowsReach = (db: TestDb['db'], n: number) => waitFor(`${n} stored rows`, async () => (await storedRows(db, 'h1')).length >= n);

  it('stores every completed request exactly once', async () => {
    const { sim, control, db } = await setup();
    expect(await chatMany(sim, 25, 5)).toBe(25);
    await rowsReach(db, 25);
    // nothing more may arrive (no duplicates via reconciliation)
    await settled(control);
    const rows = await storedRows(db, 'h1');
    expect(rows.map((r) => r.upstream_id)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.epoch))).toEqual(new Set([0]));
  });

  it('a bus consumer subscribed in one line sees every stored row exactly once', async () => {
    const { sim, control, db } = await setup();
    const perHost = new Map<string, number[]>();
    control.ctx.bus.on('activity.stored', (e) => e.rows.forEach((r) => perHost.set(r.hostId, [...(perHost.get(r.hostId) ?? []), r.upstreamId])));
    expect(await chatMany(sim, 12, 4)).toBe(12);
    await rowsReach(db, 12);
    await waitFor('consumer saw 12 rows', () => (perHost.get('h1')?.length ?? 0) >= 12);
    await settled(control);
    expect([...(perHost.get('h1') ?? [])].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect([...perHost.keys()]).toEqual(['h1']);
  });

  it('starts a new epoch when the simulator restarts and its ids reset', async () => {
    const { sim, control, db } = await setup();
    await chatMany(sim, 5, 2);
    await rowsReach(db, 5);
    await sim.faults.restart({ downMs: 300 });
    await waitFor('host back online', () => status(control, 'h1') === 'online');
    await chatMany(sim, 7, 2);
    await rowsReach(db, 12);
    await settled(control);
    const rows = await storedRows(db, 'h1');
    expect(rows.filter((r) => r.epoch === 0).map((r) => r.upstream_id)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.filter((r) => r.epoch === 1).map((r) => r.upstream_id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows).toHaveLength(12);
    expect(control.ctx.fleet.get('h1')?.epoch).toBe(1);
    expect(control.ctx.counters.get('connector.restarts')).toBe(1);
  });

  it('survives dropped event streams and config reloads without losing or repeating a request', async () => {
    const { sim, control, db } = await setup();
    await chatMany(sim, 4, 2);
    sim.faults.dropEventStreams('destroy');
    await chatMany(sim, 4, 2); // while the connector reconnects
    await rowsReach(db, 8);
    await sim.faults.reload();
    await chatMany(sim, 4, 2);
    sim.faults.dropEventStreams('end');
    await chatMany(sim, 4, 2);
    await rowsReach(db, 16);
    await waitFor('host online', () => status(control, 'h1') === 'online');
    await settled(control);
    const rows = await storedRows(db, 'h1');
    // a reload keeps the activity store: ids continue, same epoch
    expect(rows.map((r) => `${r.epoch}:${r.upstream_id}`)).toEqual(Array.from({ length: 16 }, (_, i) => `0:${i + 1}`));
    expect(control.ctx.counters.get('connector.restarts')).toBe(0);
  });

  it('recovers events the host dropped silently, by reconciliation', async () => {
    // The probe must outlast the freeze below: this test is about drops, not about going offline.
    const { sim, control, db } = await setup({}, { ...FAST, timings: { ...FAST.timings, probeTimeoutMs: 4000 } });
    await chatMany(sim, 3, 1);
    await rowsReach(db, 3);
    // Requests in flight, then a frozen stream whose per-connection buffer (1024 frames)
    // overflows with log lines: the `activity` events of the requests that finish meanwhile are
    // dropped on the floor, as llama-swap does with a slow client.
    sim.faults.slowTokens(8, 'quick');
    const inflight = Array.from({ length: 4 }, () => chat(sim, 'quick', { maxTokens: 200 }));
    await waitFor('requests admitted', () => sim.models().some((m) => m.inflight + m.queued > 0), 5000, 5);
    sim.faults.freeze();
    for (let i = 0; i < 1200; i++) sim.log(`flood ${i}`);
    await new Promise((r) => setTimeout(r, 1500));
    sim.faults.unfreeze();
    sim.faults.slowTokens(1);
    expect(await Promise.all(inflight)).toEqual([200, 200, 200, 200]);
    await rowsReach(db, 7);
    await waitFor('drop detected and re-synced', () => control.ctx.counters.get('connector.resyncs') >= 1, 15_000);
    const logs = services(control).logs.history('h1', 'proxy');
    expect(logs.match(/flood \d+/g)!.length).toBeLessThan(1200); // frames really were dropped
    // the re-sync replaced in-flight entries whose `remove` events were dropped
    await waitFor('stale in-flight entries cleared', () => control.ctx.fleet.get('h1')?.inflight.length === 0);
    expect(status(control, 'h1')).toBe('online');
    const rows = await storedRows(db, 'h1');
    expect(rows.map((r) => r.upstream_id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('resumes after a control restart without duplicates, including requests made while it was down', async () => {
    const { sim, control, db } = await setup();
    await chatMany(sim, 5, 2);
    await rowsReach(db, 5);
    await control.close();
    controls.splice(controls.indexOf(control), 1);
    await chatMany(sim, 6, 2); // control is down
    const again = await startFleetControl(db, [{ id: 'h1', label: 'H1', baseUrl: sim.url, kind: 'llama-swap' }]);
    controls.push(again);
    await rowsReach(db, 11);
    await chatMany(sim, 2, 2);
    await rowsReach(db, 13);
    await settled(again);
    const rows = await storedRows(db, 'h1');
    expect(rows.map((r) => r.upstream_id)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(again.ctx.counters.get('connector.restarts')).toBe(0);
    expect(again.ctx.counters.get('writer.activity.duplicates')).toBe(0);
  });

  it('counts and logs malformed payloads; the connector stays up', async () => {
    const { sim, control, db } = await setup();
    for (const kind of ['envelope', 'inner', 'unknownType', 'truncated'] as const) sim.faults.malformedEvent(kind);
    await waitFor('invalid payloads counted', () => control.ctx.counters.get('connector.invalidPayloads') >= 3);
    expect(control.ctx.counters.get('connector.unknownEventTypes')).toBeGreaterThanOrEqual(1);
    expect(status(control, 'h1')).toBe('online');
    await chatMany(sim, 3, 1);
    await rowsReach(db, 3);
    const health = (await control.app.inject({ method: 'GET', url: '/api/control/health' })).json() as { counters: Record<string, number> };
    expect(health.counters['connector.invalidPayloads']).toBeGreaterThanOrEqual(3);
  });

  it('reads log lines over 1 MiB, and skips (counts) events over the cap without dropping the connection', async () => {
    // a log buffer big enough to hold the long line whole, so the test can see all of it
    const { sim, control, db } = await setup({}, { ...FAST, timings: { ...FAST.timings, maxEventBytes: 3 * 1024 * 1024 }, logs: { ...FAST.logs, maxChars: 4 * 1024 * 1024 } });
    sim.faults.longLogLine(1.5 * 1024 * 1024);
    await waitFor('long line in the log', () => services(control).logs.history('h1', 'proxy').includes(`long line ${'x'.repeat(1.5 * 1024 * 1024)}\n`));
    sim.faults.longLogLine(4 * 1024 * 1024);
    await waitFor('oversized event counted', () => control.ctx.counters.get('connector.oversizedEvents') === 1);
    sim.log('after the big one');
    await waitFor('stream still flowing', () => services(control).logs.history('h1', 'proxy', 10_000).includes('after the big one'));
    expect(control.ctx.counters.get('connector.reconnects')).toBe(0);
    await chatMany(sim, 2, 1);
    await rowsReach(db, 2);
  });
});
