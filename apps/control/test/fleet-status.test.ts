import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimHost, SimHostOptions } from '@boocontrol/sim';
import type { Control } from '../src/control';
import { DEFAULT_TIMINGS } from '../src/connectors';
import { backends, type TestDb } from './helpers/db';
import { chat, chatMany, services, startFleetControl, startSim, status, storedRows, waitFor, FAST, type Provider } from './helpers/fleet';

/** Host status, versions, auth and kinds. Not about storage, so PGlite only. */
describe.each(backends())('host connectors on $name', (backend) => {
  let testDb: TestDb | undefined;
  const sims: SimHost[] = [];
  let control: Control | undefined;
  let secrets: string | undefined;

  afterEach(async () => {
    await control?.close().catch(() => undefined);
    control = undefined;
    for (const s of sims.splice(0)) await s.close().catch(() => undefined);
    await testDb?.cleanup().catch(() => undefined);
    testDb = undefined;
    if (secrets) await rm(secrets, { recursive: true, force: true });
    secrets = undefined;
  });

  async function start(providers: (sim: SimHost[]) => Provider[], simOpts: SimHostOptions[] = [{}], opts = FAST, env: Record<string, string> = {}) {
    testDb = await backend.create({ schema: false });
    for (const o of simOpts) sims.push(await startSim(o));
    control = await startFleetControl(testDb.db, providers(sims), opts, env);
    return control;
  }

  it('with the default timings, a frozen host turns offline within 5 s and back online after it recovers', async () => {
    const c = await start((s) => [{ id: 'h1', label: 'H1', baseUrl: s[0]!.url, kind: 'llama-swap' }], [{}], { timings: DEFAULT_TIMINGS, retention: { disabled: true } });
    await waitFor('online', () => status(c, 'h1') === 'online');
    expect(c.ctx.fleet.get('h1')).toMatchObject({ version: 'v250', wire: 'head', statusReason: null });
    const sim = sims[0]!;
    sim.faults.freeze();
    const frozenAt = Date.now();
    await waitFor('offline', () => status(c, 'h1') === 'offline', 5000, 20);
    expect(Date.now() - frozenAt).toBeLessThan(5000);
    expect(c.ctx.fleet.get('h1')?.statusReason).toMatch(/not answering/);
    expect(c.ctx.fleet.get('h1')?.lastError).toMatch(/timed out/);
    sim.faults.unfreeze();
    await waitFor('online again', () => status(c, 'h1') === 'online', 10_000, 20);
    expect(c.ctx.fleet.get('h1')?.statusReason).toBeNull();
  });

  it('reports an unreachable host as offline with the reason, and connects when it appears', async () => {
    const sim = await startSim();
    const url = sim.url;
    const port = sim.port;
    await sim.close();
    const c = await start(() => [{ id: 'h1', label: 'H1', baseUrl: url, kind: 'llama-swap' }], []);
    await waitFor('offline', () => status(c, 'h1') === 'offline');
    expect(c.ctx.fleet.get('h1')?.statusReason).toMatch(/unreachable: connection refused/);
    sims.push(await startSim({ port }));
    await waitFor('online', () => status(c, 'h1') === 'online', 10_000);
  });

  it('speaks the v235 generation: legacy metrics array, {total} in-flight, restart detection', async () => {
    const c = await start((s) => [{ id: 'old', label: 'Old', baseUrl: s[0]!.url, kind: 'llama-swap' }], [{ wire: 'v235' }]);
    await waitFor('online', () => status(c, 'old') === 'online');
    expect(c.ctx.fleet.get('old')).toMatchObject({ version: 'v235', wire: 'v235' });
    const sim = sims[0]!;
    await chatMany(sim, 6, 2);
    await waitFor('6 rows', async () => (await storedRows(testDb!.db, 'old')).length === 6);
    await sim.faults.restart({ downMs: 200 });
    await waitFor('online', () => status(c, 'old') === 'online');
    await chatMany(sim, 3, 1);
    await waitFor('9 rows', async () => (await storedRows(testDb!.db, 'old')).length === 9);
    await new Promise((r) => setTimeout(r, 2000));
    const rows = await storedRows(testDb!.db, 'old');
    // the legacy store numbers from 0
    expect(rows.map((r) => `${r.epoch}:${r.upstream_id}`)).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '0:5', '1:0', '1:1', '1:2']);
    expect(c.ctx.fleet.get('old')?.inflightTotal).toBe(0);
  });

  it('authenticates with a Bearer key from secrets/, and says so when the key is wrong', async () => {
    secrets = await mkdtemp(join(tmpdir(), 'boo-secrets-'));
    await writeFile(join(secrets, 'good.key'), 'sk-good-key-123\n');
    await writeFile(join(secrets, 'bad.key'), 'wrong');
    const c = await start(() => [], [{ config: { apiKeys: ['sk-good-key-123'], models: { quick: { loadMs: 50, genTps: 4000 } } } }], FAST, { SECRETS_DIR: secrets });
    const sim = sims[0]!;
    const add = await c.app.inject({ method: 'POST', url: '/api/control/hosts', payload: { id: 'locked', label: 'Locked', baseUrl: sim.url, apiKeyRef: 'good.key' } });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ config: { source: 'ui', apiKeyRef: 'good.key', hasApiKey: true, editable: true } });
    expect(add.body).not.toContain('sk-good-key-123');
    await waitFor('online', () => status(c, 'locked') === 'online');
    expect(await chat(sim, 'quick', { apiKey: 'sk-good-key-123' })).toBe(200);
    await waitFor('row stored', async () => (await storedRows(testDb!.db, 'locked')).length === 1);
    const put = await c.app.inject({ method: 'PUT', url: '/api/control/hosts/locked', payload: { label: 'Locked', baseUrl: sim.url, apiKeyRef: 'bad.key' } });
    expect(put.statusCode).toBe(200);
    await waitFor('offline', () => status(c, 'locked') === 'offline');
    expect(c.ctx.fleet.get('locked')?.statusReason).toMatch(/refused our credentials/);
    const missing = await c.app.inject({ method: 'POST', url: '/api/control/hosts', payload: { id: 'nokey', label: 'x', baseUrl: sim.url, apiKeyRef: 'absent.key' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toMatch(/secrets\/absent.key/);
  });

  it('watches a plain OpenAI-compatible endpoint: served models, ready, then down', async () => {
    const c = await start((s) => [{ id: 'plain', label: 'Plain', baseUrl: s[0]!.url, kind: 'openai' }]);
    await waitFor('online', () => status(c, 'plain') === 'online');
    await waitFor('models', () => c.ctx.fleet.get('plain')?.models.length === 2);
    expect(c.ctx.fleet.get('plain')?.models.map((m) => [m.id, m.state])).toEqual([
      ['other', 'ready'],
      ['quick', 'ready'],
    ]);
    await sims[0]!.close();
    await waitFor('offline', () => status(c, 'plain') === 'offline', 10_000);
    expect(c.ctx.fleet.get('plain')?.models.every((m) => m.state === 'stopped')).toBe(true);
  });

  it('stops watching a removed host and refuses to remove or edit a configured one', async () => {
    const c = await start((s) => [{ id: 'conf', label: 'Conf', baseUrl: s[0]!.url, kind: 'llama-swap' }], [{}, {}]);
    const sim2 = sims[1]!;
    expect((await c.app.inject({ method: 'DELETE', url: '/api/control/hosts/conf' })).statusCode).toBe(409);
    expect((await c.app.inject({ method: 'PUT', url: '/api/control/hosts/conf', payload: { label: 'x', baseUrl: sim2.url } })).statusCode).toBe(409);
    expect((await c.app.inject({ method: 'POST', url: '/api/control/hosts', payload: { id: 'conf', label: 'dup', baseUrl: sim2.url } })).statusCode).toBe(409);
    expect((await c.app.inject({ method: 'POST', url: '/api/control/hosts', payload: { id: 'Bad Id', label: 'x', baseUrl: sim2.url } })).statusCode).toBe(400);
    await c.app.inject({ method: 'POST', url: '/api/control/hosts', payload: { id: 'extra', label: 'Extra', baseUrl: sim2.url } });
    await waitFor('online', () => status(c, 'extra') === 'online');
    const list = (await c.app.inject({ method: 'GET', url: '/api/control/hosts' })).json() as { hosts: Array<{ id: string }> };
    expect(list.hosts.map((h) => h.id)).toEqual(['conf', 'extra']);
    expect((await c.app.inject({ method: 'DELETE', url: '/api/control/hosts/extra' })).statusCode).toBe(200);
    expect(c.ctx.fleet.get('extra')).toBeUndefined();
    await waitFor('stream closed', () => sim2.eventStreams() === 0);
    expect((await c.app.inject({ method: 'GET', url: '/api/control/hosts/extra' })).statusCode).toBe(404);
    expect(services(c).registry.has('extra')).toBe(false);
  });
});
