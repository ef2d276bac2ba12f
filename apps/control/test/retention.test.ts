import { afterEach, describe, expect, it } from 'vitest';
import { ActivityRepo } from '../src/activity/activity.repo';
import { CapturesRepo } from '../src/captures/captures.repo';
import type { ActivityRecord } from '../src/connectors/types';
import { TransitionsRepo } from '../src/models/transitions.repo';
import { PerfRepo } from '../src/perf/perf.repo';
import { RetentionService } from '../src/retention/retention.service';
import { backends, type TestDb } from './helpers/db';

const H = 3600_000;
const D = 24 * H;
/** A fixed "now" on a bucket boundary plus a bit, so the arithmetic below is exact. */
const NOW = new Date('2026-06-10T12:07:30Z');

const rec = (upstreamId: number, ts: Date, patch: Partial<ActivityRecord> = {}): ActivityRecord => ({
  upstreamId,
  ts,
  model: 'm',
  path: '/v1/chat/completions',
  status: 200,
  contentType: 'application/json',
  inputTokens: 10,
  outputTokens: 20,
  cacheTokens: -1,
  draftTokens: -1,
  draftAccTokens: -1,
  promptTps: 100,
  genTps: 50,
  ttftMs: 100,
  promptMs: 100,
  durationMs: 400,
  error: null,
  hasCapture: true,
  metadata: null,
  ...patch,
});

describe.each(backends())('retention and rollups on $name', (backend) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  function setup(settings: Partial<ConstructorParameters<typeof RetentionService>[0]['settings']> = {}) {
    const db = t!.db;
    const repos = { perf: new PerfRepo(db), activity: new ActivityRepo(db), transitions: new TransitionsRepo(db), captures: new CapturesRepo(db) };
    const svc = new RetentionService({
      ...repos,
      settings: { perfRawHours: 48, perfRollupDays: 90, activityDays: 90, captureBudgetBytes: 1000, ...settings },
      log: { info: () => undefined, warn: () => undefined },
      now: () => NOW,
    });
    return { ...repos, svc, db };
  }

  it('rolls raw samples into 5-minute buckets with avg, max, p95 and count, and corrects a bucket that gains samples', async () => {
    t = await backend.create();
    const { perf, svc, db } = setup();
    const bucket = new Date('2026-06-10T11:55:00Z');
    // ten samples 1..10 in one bucket, two series; and one sample in the next bucket
    const rows = Array.from({ length: 10 }, (_, i) => ({ hostId: 'h', ts: new Date(bucket.getTime() + i * 5000), metric: 'cpu_pct', series: '', value: i + 1 }));
    rows.push(...rows.map((r) => ({ ...r, metric: 'gpu_util_pct', series: '1', value: r.value * 10 })));
    rows.push({ hostId: 'h', ts: new Date(bucket.getTime() + 300_000), metric: 'cpu_pct', series: '', value: 42 });
    await perf.insertSamples(rows);
    await perf.insertSamples(rows); // duplicates are ignored
    await svc.rollup();
    const r = await db.query<{ bucket: Date; metric: string; series: string; avg: number; max: number; p95: number; n: number }>(
      'SELECT bucket, metric, series, avg, max, p95, n FROM control_perf_rollups ORDER BY metric, bucket',
    );
    expect(r.rows.map((x) => ({ ...x, bucket: new Date(x.bucket).toISOString(), p95: Math.round(x.p95 * 100) / 100 }))).toEqual([
      { bucket: '2026-06-10T11:55:00.000Z', metric: 'cpu_pct', series: '', avg: 5.5, max: 10, p95: 9.55, n: 10 },
      { bucket: '2026-06-10T12:00:00.000Z', metric: 'cpu_pct', series: '', avg: 42, max: 42, p95: 42, n: 1 },
      { bucket: '2026-06-10T11:55:00.000Z', metric: 'gpu_util_pct', series: '1', avg: 55, max: 100, p95: 95.5, n: 10 },
    ]);
    await perf.insertSamples([{ hostId: 'h', ts: new Date(bucket.getTime() + 301_000), metric: 'cpu_pct', series: '', value: 2 }]);
    await svc.rollup();
    const again = await db.query<{ avg: number; n: number }>("SELECT avg, n FROM control_perf_rollups WHERE metric = 'cpu_pct' AND bucket = '2026-06-10T12:00:00Z'");
    expect(again.rows[0]).toEqual({ avg: 22, n: 2 });
    // charts read rollups merged into wider steps (weighted by count)
    const merged = await perf.rollups('h', new Date(bucket.getTime() - H), NOW, 3600, ['cpu_pct']);
    expect(merged.map((p) => [p.t.toISOString(), Math.round(p.avg * 1000) / 1000, p.max])).toEqual([['2026-06-10T11:00:00.000Z', 5.5, 10], ['2026-06-10T12:00:00.000Z', 22, 42]]);
    const day = await perf.rollups('h', new Date(bucket.getTime() - H), NOW, 86_400, ['cpu_pct']);
    expect(day.map((p) => [p.avg, p.max])).toEqual([[(5.5 * 10 + 22 * 2) / 12, 42]]);
  });

  it('prunes raw perf after 48 h but keeps rollups 90 d, so old ranges still chart', async () => {
    t = await backend.create();
    const { perf, svc, db } = setup();
    const old = new Date(NOW.getTime() - 50 * H);
    const recent = new Date(NOW.getTime() - 1 * H);
    await perf.insertSamples([
      { hostId: 'h', ts: old, metric: 'cpu_pct', series: '', value: 7 },
      { hostId: 'h', ts: recent, metric: 'cpu_pct', series: '', value: 9 },
    ]);
    await db.query(`INSERT INTO control_perf_rollups (host_id, bucket, metric, series, avg, max, p95, n) VALUES
      ('h', $1, 'cpu_pct', '', 1, 1, 1, 1), ('h', $2, 'cpu_pct', '', 2, 2, 2, 1)`, [new Date(NOW.getTime() - 91 * D), new Date(NOW.getTime() - 89 * D)]);
    const report = await svc.runOnce();
    expect(report).toMatchObject({ perfRaw: 1, perfRollups: 1 });
    const raw = await db.query<{ value: number }>('SELECT value FROM control_perf_samples');
    expect(raw.rows.map((x) => x.value)).toEqual([9]);
    // the 50-hour-old sample was rolled up before it was pruned
    const buckets = await db.query<{ avg: number }>('SELECT avg FROM control_perf_rollups ORDER BY bucket');
    expect(buckets.rows.map((x) => x.avg)).toEqual([2, 7, 9]);
  });

  it('prunes activity and transitions after 90 d, and keeps captures within the byte budget, newest first', async () => {
    t = await backend.create();
    const { activity, captures, transitions, svc, db } = setup({ captureBudgetBytes: 1000 });
    const stored = await activity.insertMany([
      { hostId: 'h', epoch: 0, rec: rec(1, new Date(NOW.getTime() - 91 * D)) },
      { hostId: 'h', epoch: 0, rec: rec(2, new Date(NOW.getTime() - 10 * D)) },
      { hostId: 'h', epoch: 0, rec: rec(3, new Date(NOW.getTime() - 1 * D)) },
      { hostId: 'h', epoch: 0, rec: rec(4, new Date(NOW.getTime() - 1 * H)) },
    ]);
    expect(stored).toHaveLength(4);
    expect(await activity.insertMany([{ hostId: 'h', epoch: 0, rec: rec(4, new Date()) }])).toEqual([]); // dedup by key
    await transitions.insertMany([
      { hostId: 'h', epoch: 0, model: 'm', from: 'stopped', to: 'starting', at: new Date(NOW.getTime() - 100 * D), loadMs: null },
      { hostId: 'h', epoch: 0, model: 'm', from: 'starting', to: 'ready', at: new Date(NOW.getTime() - 2 * D), loadMs: 1500 },
    ]);
    // captures of 400 bytes each, fetched in id order: only the two newest fit in 1000 bytes
    for (const [i, s] of stored.entries()) {
      await captures.insert({ activityId: s.id, hostId: 'h', sizeBytes: 400, truncated: false, reqPath: '/x', reqHeaders: {}, reqBody: 'a', respHeaders: {}, respBody: 'b' });
      await db.query('UPDATE control_captures SET fetched_at = $2 WHERE activity_id = $1', [s.id, new Date(NOW.getTime() - (10 - i) * 60_000)]);
    }
    const report = await svc.runOnce();
    expect(report).toMatchObject({ activity: 1, transitions: 1 });
    const left = await db.query<{ upstream_id: number }>('SELECT upstream_id FROM control_activity ORDER BY upstream_id');
    expect(left.rows.map((r) => r.upstream_id)).toEqual([2, 3, 4]);
    const caps = await db.query<{ activity_id: number }>('SELECT activity_id FROM control_captures ORDER BY activity_id');
    expect(caps.rows.map((r) => r.activity_id)).toEqual([stored[2]!.id, stored[3]!.id]);
    expect(await captures.totalBytes()).toBe(800);
    expect((await transitions.list('h', { limit: 10 })).map((x) => x.to)).toEqual(['ready']);
  });
});
