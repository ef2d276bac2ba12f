import { describe, expect, it } from 'vitest';
import type { StoredActivity } from '../src/activity/activity.repo';
import { GatewayRecorder } from '../src/gateway/recorder';
import { RequestsRepo, type GatewayRecord } from '../src/gateway/requests.repo';
import { backends } from './helpers/db';

const rec = (i: number, t0: number, durationMs: number): GatewayRecord => ({
  ts: new Date(t0 + i * 7),
  consumer: i % 2 ? 'odd' : 'even',
  consumerSource: 'header',
  session: null,
  path: '/v1/chat/completions',
  requestedModel: 'm',
  hostId: 'h',
  model: 'm',
  policy: null,
  routeReason: 'name',
  status: 200,
  errorCode: null,
  stream: false,
  attempts: 1,
  overheadMs: 0.05,
  waitMs: 0,
  upstreamMs: 1,
  durationMs,
});

const row = (id: number, endMs: number, durationMs: number): StoredActivity =>
  ({ id, hostId: 'h', epoch: 0, upstreamId: id, ts: new Date(Math.floor(endMs / 1000) * 1000), model: 'm', path: '/v1/chat/completions', status: 200, durationMs }) as StoredActivity;

describe.each(backends())('gateway recorder join ($name)', (backend) => {
  it('joins each record to one activity row, by time and duration, rows arriving before or after', async () => {
    const db = await backend.create();
    try {
      const repo = new RequestsRepo(db.db);
      const r = new GatewayRecorder(repo, { flushMs: 10_000 });
      const t0 = Date.now() - 3_000;
      const n = 300;
      const durations = Array.from({ length: n }, (_, i) => 20 + ((i * 37) % 400));
      // Half the rows arrive before their records are stored, half after.
      r.activityStored(durations.slice(0, n / 2).map((d, i) => row(1000 + i, t0 + i * 7 + d, d - 1)));
      for (let i = 0; i < n; i++) r.record(rec(i, t0, durations[i]!));
      await r.flush();
      r.activityStored(durations.slice(n / 2).map((d, j) => row(1000 + n / 2 + j, t0 + (n / 2 + j) * 7 + d, d - 1)));
      // A row from traffic that did not come through the gateway (an unrelated duration) stays unjoined.
      r.activityStored([row(5000, t0 + 100, 9_999)]);
      await r.flush();
      const joined = await db.db.query<{ activity_id: string; duration_ms: number }>('SELECT activity_id, duration_ms FROM control_gateway_requests WHERE activity_id IS NOT NULL');
      expect(joined.rows).toHaveLength(n);
      expect(new Set(joined.rows.map((x) => x.activity_id)).size).toBe(n);
      expect(joined.rows.some((x) => Number(x.activity_id) === 5000)).toBe(false);
      // each record found its own row (the closest duration within the time window)
      expect(joined.rows.filter((x) => durations[Number(x.activity_id) - 1000] === Number(x.duration_ms)).length).toBe(n);
      await r.stop();
    } finally {
      await db.cleanup();
    }
  });
});
