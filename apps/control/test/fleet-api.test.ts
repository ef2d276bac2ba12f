import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActivityPageSchema,
  ActivityStatsSchema,
  CaptureSchema,
  LogHistorySchema,
  ModelListSchema,
  PerfResponseSchema,
  PROTOCOL_VERSION,
  ServerFrameSchema,
  TransitionListSchema,
  type ActivityRow,
  type ServerFrame,
} from '@boocontrol/contracts';
import type { SimHost } from '@boocontrol/sim';
import type { Control } from '../src/control';
import { backends, type TestDb } from './helpers/db';
import { chat, chatMany, services, startFleetControl, startSim, status, storedRows, waitFor } from './helpers/fleet';

/**
 * The REST API and live topics over two simulated hosts with real traffic. One control per
 * backend; tests read what the traffic in beforeAll stored.
 */
describe.each(backends())('fleet API on $name', (backend) => {
  let testDb: TestDb;
  let a: SimHost;
  let b: SimHost;
  let control: Control;
  const get = async (url: string) => {
    const r = await control.app.inject({ method: 'GET', url });
    return { status: r.statusCode, json: r.json() as unknown, body: r.body };
  };

  beforeAll(async () => {
    testDb = await backend.create({ schema: false });
    a = await startSim({ name: 'a' });
    b = await startSim({ name: 'b', seed: 7 });
    control = await startFleetControl(testDb.db, [
      { id: 'ha', label: 'Host A', baseUrl: a.url, kind: 'llama-swap' },
      { id: 'hb', label: 'Host B', baseUrl: b.url, kind: 'llama-swap' },
    ]);
    await waitFor('both online', () => status(control, 'ha') === 'online' && status(control, 'hb') === 'online');
    await chatMany(a, 6, 2, 'quick');
    await chatMany(b, 4, 2, 'other');
    b.faults.errorBurst(2, 503, 'simulated overload');
    expect(await chat(b, 'other')).toBe(503);
    expect(await chat(b, 'other')).toBe(503);
    await waitFor('12 rows', async () => (await storedRows(testDb.db, 'ha')).length + (await storedRows(testDb.db, 'hb')).length === 12);
  }, 120_000);

  afterAll(async () => {
    await control?.close();
    await a?.close();
    await b?.close();
    await testDb?.cleanup();
  });

  it('lists activity with filters, sorting and cursor pagination that visits every row once', async () => {
    const all = ActivityPageSchema.parse((await get('/api/control/activity?limit=500')).json);
    expect(all.rows).toHaveLength(12);
    expect(all.nextCursor).toBeNull();
    const ts = all.rows.map((r) => r.ts);
    expect([...ts].sort().reverse()).toEqual(ts); // newest first by default

    expect(ActivityPageSchema.parse((await get('/api/control/activity?host=hb')).json).rows).toHaveLength(6);
    expect(ActivityPageSchema.parse((await get('/api/control/activity?host=ha,hb&model=other')).json).rows).toHaveLength(6);
    const errors = ActivityPageSchema.parse((await get('/api/control/activity?status=error')).json).rows;
    expect(errors.map((r) => [r.hostId, r.status, r.error])).toEqual([
      ['hb', 503, 'simulated overload'],
      ['hb', 503, 'simulated overload'],
    ]);
    expect(ActivityPageSchema.parse((await get('/api/control/activity?status=503')).json).rows).toHaveLength(2);
    expect(ActivityPageSchema.parse((await get('/api/control/activity?q=overload')).json).rows).toHaveLength(2);
    expect(ActivityPageSchema.parse((await get(`/api/control/activity?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json).rows).toHaveLength(0);

    const seen: ActivityRow[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = ActivityPageSchema.parse((await get(`/api/control/activity?sort=duration&order=asc&limit=5${cursor ? `&cursor=${cursor}` : ''}`)).json);
      seen.push(...page.rows);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen.map((r) => r.id)).size).toBe(12);
    const durations = seen.map((r) => r.durationMs);
    expect([...durations].sort((x, y) => x - y)).toEqual(durations);

    expect((await get('/api/control/activity?cursor=garbage')).status).toBe(400);
    expect((await get('/api/control/activity?sort=nope')).status).toBe(400);
    const one = all.rows[0]!;
    expect((await get(`/api/control/activity/${one.id}`)).json).toMatchObject({ id: one.id, hostId: one.hostId });
    expect((await get('/api/control/activity/999999')).status).toBe(404);

    // TTFT: from the sim's llama-server timings on every completed chat; unknown on the errors
    for (const r of all.rows.filter((x) => x.status === 200)) {
      expect(r.promptMs, `row ${r.id}`).toBeGreaterThan(0);
      expect(r.ttftMs!).toBeGreaterThanOrEqual(r.promptMs!);
      expect(r.ttftMs!).toBeLessThanOrEqual(r.durationMs);
    }
    for (const r of errors) expect([r.ttftMs, r.promptMs]).toEqual([null, null]);
    // the same prompt again reuses a slot's KV cache (the sim keeps llama.cpp's longest-prefix reuse)
    expect(all.rows.filter((r) => r.cacheTokens > 0).length).toBeGreaterThan(0);
    const byTtft = ActivityPageSchema.parse((await get('/api/control/activity?sort=ttft&order=desc&limit=500')).json).rows.map((r) => r.ttftMs ?? -1);
    expect([...byTtft].sort((x, y) => y - x)).toEqual(byTtft);
  });

  it('summarizes per host and model with p50/p95 speeds', async () => {
    const stats = ActivityStatsSchema.parse((await get('/api/control/activity/stats')).json);
    const byKey = Object.fromEntries(stats.groups.map((g) => [`${g.hostId}/${g.model}`, g]));
    expect(byKey['ha/quick']).toMatchObject({ count: 6, errors: 0 });
    expect(byKey['hb/other']).toMatchObject({ count: 6, errors: 2 });
    const g = byKey['ha/quick']!;
    expect(g.outputTokens).toBe(6 * 8);
    expect(g.genTps!.p50).toBeGreaterThan(0);
    expect(g.genTps!.p95).toBeGreaterThanOrEqual(g.genTps!.p50);
    expect(g.ttftMs!.p50).toBeGreaterThan(0);
    expect(g.ttftMs!.p95).toBeGreaterThanOrEqual(g.ttftMs!.p50);
    expect(g.cacheHits).toBeGreaterThan(0);
    expect(g.cacheTokens).toBeGreaterThanOrEqual(g.cacheHits);
    // the two 503s have no timings: the group's TTFT comes from its four completed requests
    expect(byKey['hb/other']!.ttftMs).not.toBeNull();
  });

  it('lists every model of the fleet with usage and load times, and the transitions behind them', async () => {
    const list = ModelListSchema.parse((await get('/api/control/models')).json);
    expect(list.models.map((m) => m.key)).toEqual(['ha/other', 'ha/quick', 'hb/other', 'hb/quick']);
    const quick = list.models.find((m) => m.key === 'ha/quick')!;
    expect(quick).toMatchObject({ hostLabel: 'Host A', state: 'ready', requests: 6, errors: 0 });
    expect(quick.lastUsedAt).not.toBeNull();
    expect(quick.medianGenTps).toBeGreaterThan(0);
    expect(quick.medianLoadMs).toBeGreaterThanOrEqual(0);
    expect(list.models.find((m) => m.key === 'ha/other')).toMatchObject({ state: 'stopped', requests: 0, lastUsedAt: null });
    const tr = TransitionListSchema.parse((await get('/api/control/hosts/ha/transitions?model=quick')).json);
    expect(tr.transitions.map((t) => `${t.from}>${t.to}`).reverse()).toEqual(['stopped>starting', 'starting>ready']);
    expect(tr.transitions[0]!.loadMs).toBeGreaterThanOrEqual(0);
    expect((await get('/api/control/hosts/nope/transitions')).status).toBe(404);
  });

  it('serves perf history raw for short ranges and from rollups for long ones', async () => {
    await waitFor('a few perf samples', async () => {
      const r = PerfResponseSchema.parse((await get('/api/control/hosts/ha/perf?metric=cpu_pct')).json);
      return (r.series[0]?.points.length ?? 0) >= 2;
    });
    const raw = PerfResponseSchema.parse((await get('/api/control/hosts/ha/perf')).json);
    expect(raw.source).toBe('raw');
    expect(raw.stepS).toBe(5);
    expect(new Set(raw.series.map((s) => s.metric))).toEqual(new Set(['cpu_pct', 'mem_used_mb', 'mem_total_mb', 'gpu_util_pct', 'gpu_mem_used_mb', 'gpu_mem_total_mb', 'gpu_temp_c', 'gpu_power_w']));
    await services(control).retention.rollup();
    const from = encodeURIComponent(new Date(Date.now() - 48 * 3600_000).toISOString());
    const long = PerfResponseSchema.parse((await get(`/api/control/hosts/ha/perf?from=${from}&metric=gpu_util_pct,cpu_pct`)).json);
    expect(long.source).toBe('rollup');
    expect(long.stepS).toBe(300);
    expect(long.series.map((s) => s.metric).sort()).toEqual(['cpu_pct', 'gpu_util_pct']);
    expect(long.series[0]!.points.length).toBeGreaterThanOrEqual(1);
    expect((await get('/api/control/hosts/ha/perf?metric=bogus')).status).toBe(400);
    expect((await get('/api/control/hosts/zz/perf')).status).toBe(404);
  });

  it('fetches a capture on demand, redacts secrets, and keeps it after the host forgot it', async () => {
    const res = await fetch(`${a.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-live-abcdefghijklmnopqrstuvwx', 'x-session-token': 's3cr3t' },
      body: JSON.stringify({ model: 'quick', api_key: 'hunter2', max_tokens: 4, messages: [{ role: 'user', content: 'my key is sk-abcdefghijklmnopqrstuvwxyz123' }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const row = await waitFor('row with capture', async () => {
      const p = ActivityPageSchema.parse((await get('/api/control/activity?host=ha&limit=1')).json);
      return p.rows[0]?.upstreamId === 7 ? p.rows[0] : undefined;
    });
    expect(row.hasCapture).toBe(true);
    const cap = CaptureSchema.parse((await get(`/api/control/activity/${row.id}/capture`)).json);
    expect(cap.reqPath).toBe('/v1/chat/completions');
    expect(cap.reqBody).toContain('"max_tokens": 4');
    expect(cap.reqBody).toContain('"api_key": "[REDACTED]"');
    const everything = JSON.stringify(cap);
    for (const secret of ['hunter2', 'sk-abcdefghijklmnopqrstuvwxyz123', 'sk-live-abcdefghijklmnopqrstuvwx', 's3cr3t']) expect(everything).not.toContain(secret);
    expect(cap.respBody).toContain('choices');
    await a.faults.restart({ downMs: 50 }); // the host's capture buffer is gone now
    await waitFor('online', () => status(control, 'ha') === 'online');
    expect(CaptureSchema.parse((await get(`/api/control/activity/${row.id}/capture`)).json).reqBody).toBe(cap.reqBody);
    // an older request of that host was never opened: its capture died with the restart
    const old = ActivityPageSchema.parse((await get('/api/control/activity?host=ha&sort=ts&order=asc&limit=1')).json).rows[0]!;
    const missing = await get(`/api/control/activity/${old.id}/capture`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/restarted|no longer has this capture/);
  });

  it('keeps recent logs per host and source', async () => {
    b.log('a line worth finding');
    await waitFor('log line', async () => LogHistorySchema.parse((await get('/api/control/hosts/hb/logs?source=proxy')).json).text.includes('a line worth finding'));
    const h = LogHistorySchema.parse((await get('/api/control/hosts/hb/logs?source=proxy&tail=100')).json);
    expect(h.text.length).toBeLessThanOrEqual(100);
    expect(h.sources).toEqual(expect.arrayContaining(['proxy', 'upstream']));
    expect((await get('/api/control/hosts/zz/logs')).status).toBe(404);
  });

  it('streams live: activity rows once each, host changes, and log appends', async () => {
    await control.app.ready();
    const ws = await control.app.injectWS('/api/control/ws');
    const frames: ServerFrame[] = [];
    ws.on('message', (raw: Buffer) => frames.push(ServerFrameSchema.parse(JSON.parse(raw.toString()))));
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    await waitFor('welcome', () => frames.length >= 1);
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['activity', 'host:hb', 'logs:hb:proxy', 'fleet'] }));
    await waitFor('4 snapshots', () => frames.filter((f) => f.type === 'snapshot').length === 4);
    const snap = frames.find((f) => f.type === 'snapshot' && f.topic === 'activity') as { data: { rows: unknown[] } };
    expect(snap.data.rows.length).toBeGreaterThanOrEqual(12);
    const sent = Date.now();
    expect(await chat(b, 'quick')).toBe(200);
    const ev = await waitFor('activity event', () => frames.find((f) => f.type === 'event' && f.topic === 'activity'));
    expect(Date.now() - sent).toBeLessThan(5000);
    const rows = (ev as unknown as { data: { rows: Array<{ hostId: string; model: string }> } }).data.rows;
    expect(rows).toEqual([expect.objectContaining({ hostId: 'hb', model: 'quick' })]);
    await waitFor('host:hb update with the loaded model', () =>
      frames.some((f) => f.type === 'event' && f.topic === 'host:hb' && ((f as { data: unknown }).data as { host?: { models: Array<{ id: string; state: string }> } }).host?.models.some((m) => m.id === 'quick' && m.state === 'ready')),
    );
    b.log('live tail line');
    await waitFor('log append', () => frames.some((f) => f.type === 'event' && f.topic === 'logs:hb:proxy' && ((f as { data: unknown }).data as { text: string }).text.includes('live tail line')));
    // no second activity frame for that one request, even after a reconciliation period
    await new Promise((r) => setTimeout(r, 2000));
    const activityRows = frames.filter((f) => f.type === 'event' && f.topic === 'activity').flatMap((f) => ((f as { data: unknown }).data as { rows: unknown[] }).rows);
    expect(activityRows).toHaveLength(1);
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['logs:zz:proxy', 'logs:hb:nonsense'] }));
    await waitFor('errors', () => frames.filter((f) => f.type === 'error').length === 2);
    ws.terminate();
  });
});
