import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResidencyReportSchema, StoredReportListSchema, UsageReportSchema, type UsageReport } from '@boocontrol/contracts';
import { ActivityRepo } from '../src/activity/activity.repo';
import type { ActivityRecord } from '../src/connectors/types';
import { TransitionsRepo, type TransitionInsert } from '../src/models/transitions.repo';
import { PerfRepo, type PerfSampleInsert } from '../src/perf/perf.repo';
import { backends } from './helpers/db';
import { startTestControl } from './helpers/control';

const NOW = new Date('2025-06-01T12:30:00Z');
const T = (iso: string) => new Date(`2025-05-${iso}Z`);

const rec = (i: number, o: Partial<ActivityRecord>): ActivityRecord => ({
  upstreamId: i,
  ts: new Date(0),
  model: 'a',
  path: '/v1/chat/completions',
  status: 200,
  contentType: 'application/json',
  inputTokens: 100,
  outputTokens: 200,
  cacheTokens: 0,
  draftTokens: -1,
  draftAccTokens: -1,
  promptTps: 1000,
  genTps: 50,
  ttftMs: 100,
  promptMs: 50,
  durationMs: 1000,
  error: null,
  hasCapture: false,
  metadata: null,
  ...o,
});

/**
 * Report math on a constructed history: two hosts, two models, consumers from metadata, GPU power
 * samples, loads and a failed start. Every figure is checked against what the history implies.
 */
describe.each(backends())('reports on $name', (backend) => {
  let ctl: Awaited<ReturnType<typeof startTestControl>>;
  // Receives scheduled reports; its first answer is a 503 (the post is retried).
  let hookServer: Server;
  const posted: Array<{ report: UsageReport }> = [];
  let hookHits = 0;
  const get = async (url: string) => {
    const r = await ctl.control.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.body, json: () => r.json() as unknown, headers: r.headers };
  };
  const usage = async (q: string): Promise<UsageReport> => {
    const r = await get(`/api/control/reports/usage?${q}`);
    expect(r.status, r.body).toBe(200);
    return UsageReportSchema.parse(r.json());
  };

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (++hookHits === 1) return void res.writeHead(503).end();
        posted.push(JSON.parse(body) as { report: UsageReport });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/reports`;
    ctl = await startTestControl(backend, { REPORTS_WEBHOOK_URL: hookUrl }, { features: ['reports'], reports: { manual: true, now: () => NOW, retryMs: 20 } });
    const db = ctl.testDb.db;
    const activity = new ActivityRepo(db);
    // h1 model a: 100 requests from 10:15:00, one a second; TTFT 10..1000 ms, 20..119 tok/s; every 10th a 500.
    await activity.insertMany(
      Array.from({ length: 100 }, (_, i) => ({
        hostId: 'h1',
        epoch: 0,
        rec: rec(i + 1, { ts: new Date(T('20T10:15:00').getTime() + i * 1000), ttftMs: 10 * (i + 1), genTps: 20 + i, status: i % 10 === 0 ? 500 : 200 }),
      })),
    );
    // h1 model b: 5 requests for alice, 3 s each; h2 model a: 4 for bob, late on the 21st.
    await activity.insertMany(Array.from({ length: 5 }, (_, i) => ({ hostId: 'h1', epoch: 0, rec: rec(200 + i, { model: 'b', ts: T(`20T10:40:0${i}`), durationMs: 3000, ttftMs: 500, metadata: { consumer: 'alice' } }) })));
    await activity.insertMany(Array.from({ length: 4 }, (_, i) => ({ hostId: 'h2', epoch: 0, rec: rec(300 + i, { ts: T(`21T23:50:0${i}`), durationMs: 500, inputTokens: 10, outputTokens: 20, metadata: { consumer: 'bob' } }) })));
    // GPU 0 of h1 draws 200 W at 50 % every 10 s from 10:00:00 to 11:00:00 inclusive: 200 Wh and 1800 GPU-busy seconds in hour 10.
    const perf: PerfSampleInsert[] = [];
    for (let s = 0; s <= 360; s++) {
      const ts = new Date(T('20T10:00:00').getTime() + s * 10_000);
      perf.push({ hostId: 'h1', ts, metric: 'gpu_power_w', series: '0', value: 200 }, { hostId: 'h1', ts, metric: 'gpu_util_pct', series: '0', value: 50 });
    }
    await new PerfRepo(db).insertSamples(perf);
    const tr = (model: string, from: TransitionInsert['from'], to: TransitionInsert['to'], at: string, loadMs: number | null = null): TransitionInsert => ({ hostId: 'h1', epoch: 0, model, from, to, at: T(at), loadMs });
    await new TransitionsRepo(db).insertMany([
      tr('a', 'stopped', 'starting', '20T10:14:00'),
      tr('a', 'starting', 'ready', '20T10:14:05', 5000),
      tr('a', 'ready', 'stopping', '20T10:39:00'),
      tr('a', 'stopping', 'stopped', '20T10:39:01'),
      tr('b', 'stopped', 'starting', '20T10:39:00'),
      tr('b', 'starting', 'ready', '20T10:39:02', 2000),
      tr('b', 'ready', 'stopping', '20T10:45:00'),
      tr('b', 'stopping', 'stopped', '20T10:45:01'),
      tr('b', 'stopped', 'starting', '20T10:50:00'),
      tr('b', 'starting', 'stopped', '20T10:50:10'),
    ]);
    // The first load of a was asked for on the action queue.
    await db.query(
      `INSERT INTO control_jobs (id, host_id, job_type, status, started_at, finished_at) VALUES ('job-warm-a', 'h1', 'warm', 'succeeded', $1, $2)`,
      [T('20T10:13:59'), T('20T10:14:06')],
    );
    const rollups = ctl.control.reports!.rollups;
    rollups.markRange(T('01T00:00:00'), NOW);
    await rollups.runOnce();
  }, 60_000);

  afterAll(async () => {
    await ctl?.close();
    await new Promise((r) => hookServer?.close(r));
  });

  it('groups by host: counts, tokens, errors, swaps, load time, energy and GPU time', async () => {
    const r = await usage('range=30d&groupBy=host');
    expect(r.source).toBe('rollups');
    const h1 = r.rows.find((x) => x.key === 'h1')!;
    const h2 = r.rows.find((x) => x.key === 'h2')!;
    expect(h1).toMatchObject({ requests: 105, errors: 10, inputTokens: 10_500, outputTokens: 21_000, swaps: 3, failedStarts: 1, loadS: 7, busyS: 115 });
    expect(h1.energyWh).toBeCloseTo(200, 3);
    expect(h1.gpuBusyS).toBeCloseTo(1800, 3);
    expect(h1.whPer1kTokens).toBeCloseTo((200 / 31_500) * 1000, 3);
    expect(h2).toMatchObject({ requests: 4, errors: 0, inputTokens: 40, outputTokens: 80, energyWh: 0, whPer1kTokens: null, swaps: 0 });
    expect(r.totals).toMatchObject({ requests: 109, errors: 10, swaps: 3 });
    expect(r.idleEnergyWh).toBe(0);
  });

  it('reads percentiles from mergeable histograms within 10 % of the exact values', async () => {
    const r = await usage('range=30d&groupBy=model&host=h1');
    const a = r.rows.find((x) => x.key === 'a')!;
    // exact (linear interpolation) over TTFT 10..1000 ms: p50 505, p95 950.5; speeds 20..119: p50 69.5, p95 114.05
    expect(a.ttftP50Ms! / 505).toBeGreaterThan(0.9);
    expect(a.ttftP50Ms! / 505).toBeLessThan(1.1);
    expect(a.ttftP95Ms! / 950.5).toBeGreaterThan(0.9);
    expect(a.ttftP95Ms! / 950.5).toBeLessThan(1.1);
    expect(a.genP50Tps! / 69.5).toBeGreaterThan(0.9);
    expect(a.genP50Tps! / 69.5).toBeLessThan(1.1);
    expect(a.genP95Tps! / 114.05).toBeGreaterThan(0.9);
    expect(a.genP95Tps! / 114.05).toBeLessThan(1.1);
  });

  it('attributes energy to models and consumers by their share of request time', async () => {
    const byModel = await usage('range=30d&groupBy=model&host=h1');
    expect(byModel.rows.find((x) => x.key === 'a')!.energyWh).toBeCloseTo((200 * 100) / 115, 2);
    expect(byModel.rows.find((x) => x.key === 'b')!).toMatchObject({ requests: 5, swaps: 2, failedStarts: 1, loadS: 2 });
    expect(byModel.rows.find((x) => x.key === 'b')!.energyWh).toBeCloseTo((200 * 15) / 115, 2);
    const byConsumer = await usage('range=30d&groupBy=consumer');
    expect(byConsumer.rows.map((x) => x.key)).toEqual(['', 'alice', 'bob']);
    expect(byConsumer.rows[1]).toMatchObject({ requests: 5, swaps: null, loadS: null });
    expect(byConsumer.rows[1]!.energyWh).toBeCloseTo((200 * 15) / 115, 2);
    expect(byConsumer.rows[0]!.energyWh).toBeCloseTo((200 * 100) / 115, 2);
  });

  it('groups by UTC day, and an hour-sized custom range reads hour rollups only', async () => {
    const byDay = await usage('range=30d&groupBy=day');
    expect(byDay.rows.map((x) => [x.key, x.requests])).toEqual([
      ['2025-05-20', 105],
      ['2025-05-21', 4],
    ]);
    const hour = await usage(`from=2025-05-20T10:00:00Z&to=2025-05-20T11:00:00Z&groupBy=host`);
    expect(hour.rollupRows.day).toBe(0);
    expect(hour.rollupRows.hour).toBeGreaterThan(0);
    expect(hour.rows.map((x) => [x.key, x.requests])).toEqual([['h1', 105]]);
  });

  it('exports the same numbers as CSV and Markdown', async () => {
    const json = await usage('range=30d&groupBy=host');
    const csv = await get('/api/control/reports/usage?range=30d&groupBy=host&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="usage-host-.*\.csv"/);
    const lines = csv.body.trim().split('\r\n').map((l) => l.split(','));
    const head = lines[0]!;
    expect(head.slice(0, 3)).toEqual(['host', 'requests', 'errors']);
    const h1 = lines.find((l) => l[0] === 'h1')!;
    expect(Number(h1[head.indexOf('requests')])).toBe(json.rows.find((x) => x.key === 'h1')!.requests);
    expect(Number(h1[head.indexOf('energyWh')])).toBe(json.rows.find((x) => x.key === 'h1')!.energyWh);
    expect(lines.at(-1)![0]).toBe('total');
    const md = await get('/api/control/reports/usage?range=30d&groupBy=host&format=md');
    expect(md.body).toMatch(/^# BooControl usage report/);
    expect(md.body).toContain('| h1 | 105 | 10 |');
  });

  it('refuses reversed and overlong ranges with BAD_RANGE', async () => {
    const rev = await get('/api/control/reports/usage?from=2025-05-21T00:00:00Z&to=2025-05-20T00:00:00Z');
    expect(rev.status).toBe(400);
    expect((rev.json() as { error: { code: string } }).error.code).toBe('BAD_RANGE');
    const long = await get('/api/control/reports/usage?range=5000d');
    expect((long.json() as { error: { code: string } }).error.code).toBe('BAD_RANGE');
    const bad = await get('/api/control/reports/usage?groupBy=planet');
    expect((bad.json() as { error: { code: string } }).error.code).toBe('VALIDATION');
  });

  it('builds the residency timeline with load durations and who triggered each swap', async () => {
    const r = await get('/api/control/reports/residency?from=2025-05-20T00:00:00Z&to=2025-05-21T00:00:00Z&host=h1');
    expect(r.status, r.body).toBe(200);
    const rep = ResidencyReportSchema.parse(r.json());
    const h1 = rep.hosts.find((h) => h.hostId === 'h1')!;
    const a = h1.lanes.find((l) => l.model === 'a')!;
    expect(a.segments).toEqual([
      { state: 'loading', from: '2025-05-20T10:14:00.000Z', to: '2025-05-20T10:14:05.000Z' },
      { state: 'ready', from: '2025-05-20T10:14:05.000Z', to: '2025-05-20T10:39:00.000Z' },
    ]);
    expect(a).toMatchObject({ loads: 1, loadMsTotal: 5000, residentS: 24 * 60 + 55 });
    expect(h1.swaps.map((s) => [s.model, s.trigger, s.jobId, s.loadMs, s.failed])).toEqual([
      ['a', 'queue', 'job-warm-a', 5000, false],
      ['b', 'traffic', null, 2000, false],
      ['b', 'unknown', null, null, true],
    ]);
    // A range starting while a model was ready: its lane opens with the state it was in.
    await new TransitionsRepo(ctl.testDb.db).insertMany([
      { hostId: 'h3', epoch: 0, model: 'c', from: 'stopped', to: 'starting', at: T('20T09:50:00'), loadMs: null },
      { hostId: 'h3', epoch: 0, model: 'c', from: 'starting', to: 'ready', at: T('20T09:51:00'), loadMs: 60_000 },
    ]);
    const mid = ResidencyReportSchema.parse((await get('/api/control/reports/residency?from=2025-05-20T10:00:00Z&to=2025-05-20T11:00:00Z&host=h3')).json());
    expect(mid.hosts[0]!.lanes).toEqual([expect.objectContaining({ model: 'c', loads: 0, residentS: 3600, segments: [{ state: 'ready', from: '2025-05-20T10:00:00.000Z', to: null }] })]);
    const csv = await get('/api/control/reports/residency?from=2025-05-20T00:00:00Z&to=2025-05-21T00:00:00Z&host=h1&format=csv');
    expect(csv.body).toContain('h1,2025-05-20T10:14:00.000Z,a,queue,job-warm-a,warm,5000,false');
  });

  it('compares bench runs (none yet) and says there are no eval runs', async () => {
    const r = await get('/api/control/reports/compare');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ kind: 'compare', bench: [], evals: [], note: 'no bench runs; no eval runs' });
  });
  it('stores the weekly report once per period (the empty day is skipped), posts it to the webhook (retrying), and serves it for download', async () => {
    const saved = ctl.control.reports!.saved;
    expect(await saved.runDue()).toBe(1);
    expect(await saved.runDue()).toBe(0);
    const list = StoredReportListSchema.parse((await get('/api/control/reports/saved')).json()).reports;
    const weekly = list.find((r) => r.schedule === 'weekly')!;
    expect(weekly).toMatchObject({ kind: 'usage', from: '2025-05-19T00:00:00.000Z', to: '2025-05-26T00:00:00.000Z', delivery: 'sent' });
    expect(list.find((r) => r.schedule === 'daily')).toBeUndefined(); // nothing happened on 05-31
    expect(hookHits).toBe(2); // a 503, then the retry
    const weeklyPost = posted.find((p) => p.report.from === weekly.from)!;
    expect(weeklyPost.report.totals.requests).toBe(109);
    const csv = await get(`/api/control/reports/saved/${weekly.id}?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.body).toMatch(/\r\nh1,105,10,/);
    expect((await get('/api/control/reports/saved/nope')).status).toBe(404);
    const manual = await ctl.control.app.inject({ method: 'POST', url: '/api/control/reports/saved', payload: { kind: 'residency' } });
    expect(manual.statusCode).toBe(201);
    expect(manual.json()).toMatchObject({ kind: 'residency', schedule: 'manual', delivery: 'none' });
  });

  // Last: it deletes the raw rows the residency and export tests read.
  it('answers a 90-day range from the rollups alone: the same numbers with the raw rows gone', async () => {
    const before = await usage('range=90d&groupBy=host');
    expect(before.rollupRows.day).toBeGreaterThan(0);
    await ctl.testDb.db.query('DELETE FROM control_activity');
    await ctl.testDb.db.query('DELETE FROM control_perf_samples');
    const after = await usage('range=90d&groupBy=host');
    expect(after.rows).toEqual(before.rows);
    expect(after.totals.requests).toBe(109);
  });

  it('serves past buckets from its cache but shows rows a later pass rolled up (the pass invalidates them)', async () => {
    const before = await usage('range=30d&groupBy=host');
    const h2 = before.rows.find((x) => x.key === 'h2')!.requests;
    await new ActivityRepo(ctl.testDb.db).insertMany([{ hostId: 'h2', epoch: 0, rec: rec(900, { ts: T('22T08:15:00') }) }]);
    const rollups = ctl.control.reports!.rollups;
    rollups.markRange(T('22T08:00:00'), T('22T09:00:00'));
    await rollups.runOnce();
    const after = await usage('range=30d&groupBy=host');
    expect(after.rows.find((x) => x.key === 'h2')!.requests).toBe(h2 + 1);
  });
});
