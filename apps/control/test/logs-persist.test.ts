import { afterAll, describe, expect, it } from 'vitest';
import { LogHistorySchema, LogSearchResultSchema } from '@boocontrol/contracts';
import { LogsRepo } from '../src/logs/logs.repo';
import { backends } from './helpers/db';
import { FAST, services, startFleetControl, startSim, status, waitFor } from './helpers/fleet';

const fast = { ...FAST, logs: { flushEveryMs: 50, persistEveryMs: 100 } };

/** Host logs kept in Postgres: a crash's log survives a control restart, is searchable, and bounded. */
describe.each(backends())('persisted logs on $name', (backend) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('survives a restart (with the host gone), answers a search over a range, and is pruned to its budget', async () => {
    const testDb = await backend.create({ schema: false });
    cleanups.push(() => testDb.cleanup());
    const sim = await startSim({ name: 'a' });
    const providers = [{ id: 'ha', label: 'A', baseUrl: sim.url, kind: 'llama-swap' as const }];
    let control = await startFleetControl(testDb.db, providers, fast);
    await waitFor('online', () => status(control, 'ha') === 'online');
    sim.log('[INFO] model quick loading');
    sim.log('[ERROR] upstream exited: CUDA error: out of memory (crash 42)');
    const stored = async () => (await testDb.db.query<{ t: string }>(`SELECT string_agg(text, '' ORDER BY id) AS t FROM control_logs WHERE host_id = 'ha'`)).rows[0]?.t ?? '';
    await waitFor('persisted', async () => (await stored()).includes('crash 42'));
    await control.close();
    await sim.close();

    // Restarted with the host unreachable: the history is what the previous run stored.
    control = await startFleetControl(testDb.db, providers, fast);
    cleanups.push(() => control.close());
    const hist = LogHistorySchema.parse((await control.app.inject({ method: 'GET', url: '/api/control/hosts/ha/logs?source=proxy' })).json());
    expect(hist.text).toContain('out of memory (crash 42)');
    expect(hist.text.indexOf('model quick loading')).toBeLessThan(hist.text.indexOf('crash 42'));

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const found = LogSearchResultSchema.parse((await control.app.inject({ method: 'GET', url: `/api/control/hosts/ha/logs/search?q=CUDA%20ERROR&from=${from}` })).json());
    expect(found.lines).toEqual([expect.objectContaining({ source: 'proxy', line: '[ERROR] upstream exited: CUDA error: out of memory (crash 42)' })]);
    const before = LogSearchResultSchema.parse((await control.app.inject({ method: 'GET', url: `/api/control/hosts/ha/logs/search?q=crash&to=${from}` })).json());
    expect(before.lines).toEqual([]);
    const rev = (await control.app.inject({ method: 'GET', url: `/api/control/hosts/ha/logs/search?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z` })).json() as { error: { code: string } };
    expect(rev.error.code).toBe('BAD_RANGE');
    // a LIKE pattern character is a literal, not a wildcard
    expect(LogSearchResultSchema.parse((await control.app.inject({ method: 'GET', url: `/api/control/hosts/ha/logs/search?q=%25&from=${from}` })).json()).lines).toEqual([]);

    // Budget per host × source: the newest chunks are kept, whole.
    const repo = new LogsRepo(testDb.db);
    await repo.insertMany(Array.from({ length: 20 }, (_, i) => ({ hostId: 'hb', source: 'proxy', ts: new Date(), text: `${String(i).padStart(2, '0')}${'x'.repeat(98)}\n` })));
    await repo.enforceBudget(1000);
    const left = (await testDb.db.query<{ text: string }>(`SELECT text FROM control_logs WHERE host_id = 'hb' ORDER BY id`)).rows.map((r) => r.text.slice(0, 2));
    expect(left).toEqual(['11', '12', '13', '14', '15', '16', '17', '18', '19']);
    expect((await testDb.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM control_logs WHERE host_id = 'ha'`)).rows[0]!.n).toBeGreaterThan(0);
    expect(await services(control).logStore.prune()).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
