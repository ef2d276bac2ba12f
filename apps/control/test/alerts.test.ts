import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertWebhookBodySchema, DeliveryListSchema, parseTopicData, PROTOCOL_VERSION, ServerFrameSchema, type Alert, type ServerFrame } from '@boocontrol/contracts';
import type { SimHost } from '@boocontrol/sim';
import { createControl, type Control } from '../src/control';
import { parseAlertsFile } from '../src/alerts/rules';
import { backends, type TestDb } from './helpers/db';
import { silentLogger, testConfig } from './helpers/control';
import { chat, FAST, startSim, status, waitFor } from './helpers/fleet';

interface Received {
  event: 'firing' | 'resolved';
  alert: Alert;
}

/** A webhook receiver on port 0 that answers 500 to its first `failFirst` requests. */
async function receiver(failFirst: number): Promise<{ url: string; got: Received[]; hits: () => number; close(): Promise<void> }> {
  const got: Received[] = [];
  let hits = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits++;
      if (hits <= failFirst) {
        res.writeHead(500).end('not yet');
        return;
      }
      got.push(AlertWebhookBodySchema.parse(JSON.parse(body)));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Every default rule kind fires on a scripted simulator fault and resolves when it clears, with
 * windows shortened by an alerts file. One notification per firing; the webhook's first two
 * answers are 500s, so the first notification arrives by retry.
 */
describe('alerts on simulated faults', () => {
  let testDb: TestDb;
  let sim: SimHost;
  let control: Control;
  let hook: Awaited<ReturnType<typeof receiver>>;
  const firing = (rule: string) => control.alerts!.engine.firing().find((a) => a.rule === rule);
  const notified = (id: string, event: 'firing' | 'resolved') => hook.got.filter((g) => g.alert.id === id && g.event === event).length;

  beforeAll(async () => {
    testDb = await backends()[0]!.create({ schema: false });
    sim = await startSim({ name: 'a', gpus: { count: 1 } });
    hook = await receiver(2);
    const config = parseAlertsFile(
      [
        'defaults: false',
        'rules:',
        '  - { id: host-offline, kind: host_offline, severity: critical, forS: 1 }',
        '  - { id: crash-loop, kind: crash_loop, failures: 3, windowS: 3 }',
        '  - { id: swap-storm, kind: swap_storm, swaps: 4, windowS: 3 }',
        '  - { id: gpu-hot, kind: gpu_temp, aboveC: 90, forS: 1 }',
        '  - { id: ttft-regression, kind: ttft_regression, factor: 1.5, windowS: 60, minRequests: 3 }',
        'notify:',
        `  - { kind: webhook, name: test-hook, url: "${hook.url}", headers: { authorization: "Bearer s3cret" } }`,
        'delivery: { attempts: 5, backoffMs: 50 }',
      ].join('\n'),
      'test-alerts.yaml',
    );
    control = await createControl(testConfig({ LLAMA_PROVIDERS: JSON.stringify([{ id: 'ha', label: 'Host A', baseUrl: sim.url, kind: 'llama-swap' }]) }), {
      db: testDb.db,
      logger: silentLogger(),
      features: ['health', 'fleet', 'alerts'],
      fleet: FAST,
      metrics: { processMetrics: false },
      alerts: { config, evalEveryMs: 100, pollMs: 50 },
    });
    await control.app.ready();
    await control.start();
    await waitFor('online', () => status(control, 'ha') === 'online');
  }, 60_000);

  afterAll(async () => {
    await control?.close();
    await sim?.close();
    await hook?.close();
    // control.close() closed the database already
    await testDb?.cleanup().catch(() => undefined);
  });

  it('host offline: fires once the host is gone past forS, notifies once (after two failed attempts), resolves when it is back', async () => {
    const ws = await control.app.injectWS('/api/control/ws');
    const frames: ServerFrame[] = [];
    ws.on('message', (raw: Buffer) => frames.push(ServerFrameSchema.parse(JSON.parse(raw.toString()))));
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['alerts'] }));
    await waitFor('alerts snapshot', () => frames.some((f) => f.type === 'snapshot' && f.topic === 'alerts'));

    sim.faults.freeze();
    const a = await waitFor('offline alert', () => firing('host-offline'), 20_000);
    expect(a).toMatchObject({ hostId: 'ha', severity: 'critical', state: 'firing', silenced: false });
    await waitFor('webhook got it', () => notified(a.id, 'firing') === 1);
    await new Promise((r) => setTimeout(r, 500)); // more evaluations while it keeps firing
    expect(notified(a.id, 'firing')).toBe(1);
    const d = DeliveryListSchema.parse((await control.app.inject({ method: 'GET', url: `/api/control/alerts/${a.id}/deliveries` })).json());
    expect(d.deliveries).toEqual([expect.objectContaining({ channel: 'test-hook', event: 'firing', status: 'sent', attempts: 3, lastError: null })]);
    const ev = frames.find((f) => f.type === 'event' && f.topic === 'alerts');
    expect(parseTopicData('alerts', 'event', (ev as { data: unknown }).data)).toMatchObject({ kind: 'alert', alert: { id: a.id, state: 'firing' } });

    sim.faults.unfreeze();
    await waitFor('resolved', () => notified(a.id, 'resolved') === 1, 20_000);
    expect(firing('host-offline')).toBeUndefined();
    const hist = (await control.app.inject({ method: 'GET', url: '/api/control/alerts?state=all' })).json() as { alerts: Alert[] };
    expect(hist.alerts.find((x) => x.id === a.id)).toMatchObject({ state: 'resolved', resolvedAt: expect.any(String) });
    ws.terminate();
  });

  it('crash loop: three failed starts of a model in the window fire it; it resolves once the window passes', async () => {
    sim.faults.failLoad('other');
    for (let i = 0; i < 3; i++) expect(await chat(sim, 'other')).not.toBe(200);
    const a = await waitFor('crash-loop alert', () => firing('crash-loop'), 10_000);
    expect(a).toMatchObject({ hostId: 'ha', subject: 'other', value: 3 });
    sim.faults.clear();
    await waitFor('crash loop resolved', () => notified(a.id, 'resolved') === 1, 15_000);
    expect(notified(a.id, 'firing')).toBe(1);
  });

  it('swap storm: four loads on a host in the window', async () => {
    await waitFor('previous storms over', () => !firing('swap-storm'), 15_000);
    for (const m of ['quick', 'other', 'quick', 'other']) expect(await chat(sim, m)).toBe(200);
    const a = await waitFor('swap-storm alert', () => firing('swap-storm'), 10_000);
    expect(a.hostId).toBe('ha');
    expect(a.value).toBeGreaterThanOrEqual(4);
    await waitFor('swap storm resolved', () => notified(a.id, 'resolved') === 1, 15_000);
    expect(notified(a.id, 'firing')).toBe(1);
  });

  it('GPU temperature: above the threshold for forS fires; cooling down resolves', async () => {
    sim.faults.heatGpus(95);
    const a = await waitFor('gpu-hot alert', () => firing('gpu-hot'), 15_000);
    expect(a).toMatchObject({ hostId: 'ha', subject: '0', value: 95 });
    sim.faults.heatGpus(null);
    await waitFor('gpu-hot resolved', () => notified(a.id, 'resolved') === 1, 15_000);
  });

  it('TTFT regression: p95 above factor × the last benchmark fires; a slower new baseline resolves it', async () => {
    const bench = async (id: string, p95: number, at: string) => {
      await testDb.db.query(`INSERT INTO control_bench_runs (id, host_id, model, status, created_at, finished_at) VALUES ($1, 'ha', 'quick', 'succeeded', $2, $2)`, [id, at]);
      await testDb.db.query(`INSERT INTO control_bench_points (run_id, idx, level, point) VALUES ($1, 0, 1, $2)`, [id, JSON.stringify({ level: 1, ttftMs: { p50: p95 / 2, p95 } })]);
      await control.alerts!.engine.refreshBaselines();
    };
    await bench('run-fast', 0.001, new Date(Date.now() - 60_000).toISOString());
    for (let i = 0; i < 3; i++) expect(await chat(sim, 'quick')).toBe(200);
    const a = await waitFor('ttft alert', () => firing('ttft-regression'), 10_000);
    expect(a).toMatchObject({ hostId: 'ha', subject: 'quick' });
    await bench('run-slow', 1_000_000, new Date().toISOString());
    await waitFor('ttft resolved', () => notified(a.id, 'resolved') === 1, 10_000);
  });

  it('a silence records the alert without notifying; the rules endpoint hides the webhook secrets', async () => {
    const s = await control.app.inject({ method: 'POST', url: '/api/control/alerts/silences', payload: { rule: 'gpu-hot', durationS: 600, comment: 'fan swap' } });
    expect(s.statusCode).toBe(201);
    sim.faults.heatGpus(99);
    const a = await waitFor('silenced gpu alert', () => firing('gpu-hot'), 15_000);
    expect(a.silenced).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(notified(a.id, 'firing')).toBe(0);
    sim.faults.heatGpus(null);
    const rules = (await control.app.inject({ method: 'GET', url: '/api/control/alerts/rules' })).body;
    expect(rules).toContain('test-hook');
    expect(rules).not.toContain('s3cret');
    expect(rules).not.toContain(hook.url);
    const bad = await control.app.inject({ method: 'POST', url: '/api/control/alerts/silences', payload: { rule: 'nope' } });
    expect(bad.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('refuses an invalid rules file with ALERTS_FILE_INVALID and the offending path', () => {
    expect(() => parseAlertsFile('rules:\n  - { id: x, kind: gpu_temp, aboveC: "hot" }\n', 'bad.yaml')).toThrow(/ALERTS|rules\.0\.aboveC/);
    try {
      parseAlertsFile('rules: [ { id: Bad Id, kind: nope } ]', 'bad.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('ALERTS_FILE_INVALID');
    }
    expect(() => parseAlertsFile('rules: [', 'bad.yaml')).toThrow(/not valid YAML/);
  });
});
