// Fault injection through host.faults and the admin endpoint POST /__sim/fault.
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, chat, closeAll, getJson, host, twoModels, waitFor } from './helpers';

afterEach(closeAll);

const fast = { models: { m: { loadMs: 10, genTps: 4000, promptTps: 1e5 }, n: { loadMs: 10, genTps: 4000 } } };

async function burst(url: string): Promise<SseClient> {
  const c = await SseClient.open(`${url}/api/events`);
  await waitFor(() => c.messages.length >= 6, 'burst');
  return c;
}

describe('stream faults', () => {
  it('dropEventStreams closes every /api/events connection', async () => {
    const h = await host(fast);
    const a = await burst(h.url);
    const b = await burst(h.url);
    expect(h.eventStreams()).toBe(2);
    expect(h.faults.dropEventStreams()).toBe(2);
    await waitFor(() => a.ended && b.ended, 'ended');
    expect(h.eventStreams()).toBe(0);
  });

  it('malformed frames: bad envelope, bad inner JSON, unknown type', async () => {
    const h = await host(fast);
    const c = await burst(h.url);
    h.faults.malformedEvent('envelope');
    h.faults.malformedEvent('inner');
    h.faults.malformedEvent('unknownType');
    await waitFor(() => c.messages.length >= 9, 'frames');
    expect(c.messages.slice(6).map((m) => m.type)).toEqual(['__malformed__', '__malformed__', 'bogus']);
    c.close();
  });

  it('a >1 MiB log line arrives whole in one logData message; the history ring stays at 100 KiB', async () => {
    const h = await host(fast);
    const c = await burst(h.url);
    h.faults.longLogLine(1.2 * 1024 * 1024);
    const msg = await waitFor(() => (c.of('logData') as Array<{ data: string }>).find((l) => l.data.length > 1024 * 1024), 'long line');
    expect(msg.data.endsWith('x\n')).toBe(true);
    const logs = await (await fetch(`${h.url}/logs`)).text();
    expect(logs.length).toBe(100 * 1024);
    c.close();
  });
});

describe('reload and restart', () => {
  it('reload closes streams, unloads every model, restarts in-flight ids, keeps activity ids, applies the new config', async () => {
    const h = await host(fast);
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    await (await chat(h, 'm', 'y', { max_tokens: 1 })).text();
    const c = await burst(h.url);
    await h.faults.reload({ models: { ...fast.models, extra: { loadMs: 10 } } });
    await waitFor(() => c.ended, 'stream closed');
    expect(h.models().map((m) => `${m.id}:${m.state}`)).toEqual(['extra:stopped', 'm:stopped', 'n:stopped']);
    const c2 = await burst(h.url);
    await (await chat(h, 'extra', 'z', { max_tokens: 1 })).text();
    await waitFor(() => c2.of('activity').length === 1, 'activity');
    const up = c2.of('inflight').find((e) => (e as { operation: string }).operation === 'upsert') as { request: { id: string } };
    expect(up.request.id).toBe('1');
    expect(c2.of('activity')[0]).toEqual({ id: 3 });
    c2.close();
  });

  it('restart drops connections and resets ids, stores and logs; the port answers again', async () => {
    const h = await host(fast);
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    const c = await burst(h.url);
    await h.faults.restart({ downMs: 50 });
    await waitFor(() => c.ended, 'dropped');
    expect(h.models().every((m) => m.state === 'stopped')).toBe(true);
    expect((await getJson(`${h.url}/api/metrics/activity`)).body.total).toBe(0);
    expect((await getJson(`${h.url}/api/captures/1`)).status).toBe(404);
    const logs = await (await fetch(`${h.url}/logs`)).text();
    expect(logs).not.toContain('POST /v1/chat/completions');
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    const rows = (await getJson(`${h.url}/api/metrics/activity`)).body.data;
    expect(rows.map((r: { id: number }) => r.id)).toEqual([1]);
  });

  it('v235 restart: legacy ids restart at 0', async () => {
    const h = await host(fast, { wire: 'v235' });
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    await h.faults.restart();
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    expect((await getJson(`${h.url}/api/metrics`)).body.map((r: { id: number }) => r.id)).toEqual([0]);
  });
});

describe('request faults', () => {
  it('freeze accepts connections and never answers until unfrozen; the admin endpoint keeps answering', async () => {
    const h = await host(fast);
    h.faults.freeze();
    expect(h.faults.frozen).toBe(true);
    let settled = false;
    const pending = fetch(`${h.url}/health`).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    expect((await getJson(`${h.url}/__sim/state`)).body.frozen).toBe(true);
    expect((await getJson(`${h.url}/__sim/fault`, { method: 'POST', body: '{"kind":"unfreeze"}' })).body).toEqual({ ok: true });
    expect((await pending).status).toBe(200);
  });

  it('errorBurst: the next N inference requests fail with a llama-swap error, then service resumes', async () => {
    const h = await host(fast);
    h.faults.errorBurst(2, 503, 'overloaded');
    for (let i = 0; i < 2; i++) {
      const r = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
      expect(r.status).toBe(503);
      expect(r.body.error).toMatchObject({ message: 'overloaded', code: 'service_unavailable' });
    }
    expect((await chat(h, 'm', 'x', { max_tokens: 1 })).status).toBe(200);
    const rows = (await getJson(`${h.url}/api/metrics/activity?sort=id&order=asc`)).body.data;
    expect(rows.map((r: { resp_status_code: number }) => r.resp_status_code)).toEqual([503, 503, 200]);
    expect(rows[0].error_msg).toBe('overloaded');
  });

  it('slowTokens multiplies token intervals (visible in timings)', async () => {
    const h = await host({ models: { m: { loadMs: 5, genTps: 1000, promptTps: 1e5 } } });
    const t1 = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ content: 'a' }], max_tokens: 10 }) })).body.timings;
    h.faults.slowTokens(3, 'm');
    const t2 = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ content: 'b' }], max_tokens: 10 }) })).body.timings;
    expect(t1.predicted_per_second).toBe(1000);
    expect(t2.predicted_per_second).toBeCloseTo(333.333, 2);
  });

  it('POST /api/inflight/{id}/cancel aborts the client connection; unknown ids are 404', async () => {
    const h = await host({ models: { m: { loadMs: 5, genTps: 20 } } });
    const c = await burst(h.url);
    const r = await chat(h, 'm', 'x', { stream: true, max_tokens: 200 });
    const reading = r.text().then(() => 'complete', (e: unknown) => e);
    const up = await waitFor(() => c.of('inflight').find((e) => (e as { operation: string }).operation === 'upsert') as { request: { id: string } } | undefined, 'upsert');
    const cancel = await getJson(`${h.url}/api/inflight/${up.request.id}/cancel`, { method: 'POST' });
    expect(cancel.body).toEqual({ msg: 'ok' });
    expect(await reading).toBeInstanceOf(Error);
    const missing = await getJson(`${h.url}/api/inflight/999/cancel`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('inflight request not found');
    c.close();
  });

  it('the admin endpoint applies faults by kind and rejects unknown kinds', async () => {
    const h = await host(twoModels);
    const crash = await getJson(`${h.url}/__sim/fault`, { method: 'POST', body: '{"kind":"crashModel","model":"alpha"}' });
    expect(crash.body).toEqual({ ok: true, crashed: false });
    const fl = await getJson(`${h.url}/__sim/fault`, { method: 'POST', body: '{"kind":"failLoad","model":"beta","count":1}' });
    expect(fl.status).toBe(200);
    expect((await getJson(`${h.url}/upstream/beta/health`)).status).toBe(500);
    const bad = await getJson(`${h.url}/__sim/fault`, { method: 'POST', body: '{"kind":"meteor"}' });
    expect(bad.status).toBe(400);
    const st = (await getJson(`${h.url}/__sim/state`)).body;
    expect(st).toMatchObject({ wire: 'head', frozen: false, eventStreams: 0 });
    expect(st.models.map((m: { id: string }) => m.id)).toEqual(['alpha', 'beta']);
  });
});
