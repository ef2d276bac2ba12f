// /api/events conformance: framing, headers, the initial burst, live events and their order.
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, chat, closeAll, getJson, host, twoModels, waitFor } from './helpers';

afterEach(closeAll);

describe('/api/events framing (HEAD)', () => {
  it('sends llama-swap headers and exact event:message frames with a double-encoded envelope', async () => {
    const h = await host(twoModels);
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'initial burst');
    expect(c.statusCode).toBe(200);
    expect(c.headers['content-type']).toBe('text/event-stream');
    expect(c.headers['cache-control']).toBe('no-cache');
    expect(c.headers['x-content-type-options']).toBe('nosniff');
    expect(c.headers['x-accel-buffering']).toBe('no');
    for (const block of c.raw.split('\n\n').filter((b) => b)) {
      const lines = block.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe('event:message');
      expect(lines[1]?.startsWith('data:{')).toBe(true);
      const env = JSON.parse(lines[1]!.slice(5)) as Record<string, unknown>;
      expect(Object.keys(env)).toEqual(['type', 'data']);
      expect(typeof env.data).toBe('string');
    }
    expect(c.raw).not.toMatch(/^(id|retry):/m);
    c.close();
  });

  it('initial burst order: logData proxy, logData upstream, modelStatus, uiConfig, profileChanged, inflight snapshot', async () => {
    const h = await host(twoModels);
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    const first = c.messages.slice(0, 6);
    expect(first.map((m) => m.type)).toEqual(['logData', 'logData', 'modelStatus', 'uiConfig', 'profileChanged', 'inflight']);
    expect((first[0]?.data as { source: string }).source).toBe('proxy');
    expect((first[1]?.data as { source: string }).source).toBe('upstream');
    expect(first[2]?.data).toEqual([
      { id: 'alpha', name: 'Alpha', description: 'first', state: 'stopped', unlisted: false, peerID: '', aliases: ['a1'] },
      { id: 'beta', name: '', description: '', state: 'stopped', unlisted: false, peerID: '' },
    ]);
    expect(first[3]?.data).toEqual({ activity: { session_id: ['X-Session-ID', 'X-Litellm-Session-Id'] } });
    expect(first[4]?.data).toEqual({ active: null });
    // "requests" is omitted, not [], when nothing is in flight
    expect(first[5]?.data).toEqual({ operation: 'snapshot' });
    c.close();
  });

  it('pushes the full modelStatus list on every transition, stopped → starting → ready', async () => {
    const h = await host(twoModels);
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    const r = await chat(h, 'alpha', 'hi');
    await r.text();
    await waitFor(() => c.of('activity').length === 1, 'activity');
    const states = (c.of('modelStatus') as Array<Array<{ id: string; state: string }>>).map((l) => {
      expect(l).toHaveLength(2);
      return l.find((m) => m.id === 'alpha')?.state;
    });
    expect(states).toEqual(['stopped', 'starting', 'ready']);
    c.close();
  });

  it('in-flight upsert (start, headers) → remove → activity, and the row is retrievable at the event', async () => {
    const h = await host({ models: { m: { loadMs: 10, genTps: 40, promptTps: 5000 } } });
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    let rowAtEvent: unknown = null;
    const r = await chat(h, 'm', 'one two three', { max_tokens: 16, stream: true });
    const body = await r.text();
    expect(body).toContain('[DONE]');
    const ev = await waitFor(() => c.of('activity')[0] as { id: number } | undefined, 'activity');
    rowAtEvent = (await getJson(`${h.url}/api/metrics/activity?min_id=${ev.id}&sort=id&order=asc&limit=999`)).body;
    const live = c.messages.slice(6).filter((m) => m.type === 'inflight' || m.type === 'activity');
    const ops = live.map((m) => (m.type === 'activity' ? 'activity' : (m.data as { operation: string }).operation));
    expect(ops[0]).toBe('upsert');
    expect(ops.slice(-2)).toEqual(['remove', 'activity']);
    expect(ops.filter((o) => o === 'upsert').length).toBeGreaterThanOrEqual(2);
    const ups = live.filter((m) => m.type === 'inflight' && (m.data as { operation: string }).operation === 'upsert').map((m) => (m.data as { request: Record<string, unknown> }).request);
    const first = ups[0]!;
    expect(Object.keys(first).sort()).toEqual(['elapsed_ms', 'id', 'method', 'model', 'remote_ip', 'req_headers', 'req_path', 'resp_bytes', 'resp_headers', 'timestamp'].sort());
    expect(first).toMatchObject({ id: '1', model: 'm', req_path: '/v1/chat/completions', method: 'POST', resp_headers: {}, resp_bytes: 0, remote_ip: '127.0.0.1' });
    expect(first.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    expect((ups[1]!.resp_headers as Record<string, string>)['Content-Type']).toBe('text/event-stream');
    expect(live.at(-2)?.data).toEqual({ operation: 'remove', id: '1' });
    expect((rowAtEvent as { data: Array<{ id: number }> }).data.map((d) => d.id)).toEqual([ev.id]);
    c.close();
  });

  it('redacts sensitive request headers in in-flight records', async () => {
    const h = await host(twoModels);
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    await (await chat(h, 'beta', 'x', {}, { 'X-Api-Key': 'secret', Cookie: 'a=b', 'X-Session-ID': 's1' })).text();
    await waitFor(() => c.of('activity').length === 1, 'activity');
    const up = c.of('inflight').find((d) => (d as { operation: string }).operation === 'upsert') as { request: { req_headers: Record<string, string> } };
    expect(up.request.req_headers['X-Api-Key']).toBe('[REDACTED]');
    expect(up.request.req_headers.Cookie).toBe('[REDACTED]');
    expect(up.request.req_headers['X-Session-Id']).toBe('s1');
    c.close();
  });

  it('logData chunks carry proxy access-log lines and upstream output', async () => {
    const h = await host(twoModels);
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    await (await chat(h, 'beta', 'x')).text();
    await waitFor(() => c.of('activity').length === 1, 'activity');
    const logs = c.of('logData') as Array<{ source: string; data: string }>;
    const proxy = logs.filter((l) => l.source === 'proxy').map((l) => l.data).join('');
    const upstream = logs.filter((l) => l.source === 'upstream').map((l) => l.data).join('');
    await waitFor(() => (c.of('logData') as Array<{ data: string }>).some((l) => l.data.includes('"POST /v1/chat/completions HTTP/1.1" 200')), 'access log');
    expect(proxy).toMatch(/\[INFO\] <beta> Starting process/);
    expect(upstream).toContain('srv  log_server_r: request: POST /v1/chat/completions');
    expect(upstream).toContain('\x1b[');
    c.close();
  });

  it('a stream opened while a request is in flight starts with a snapshot holding it', async () => {
    const h = await host({ models: { m: { loadMs: 5, genTps: 30 } } });
    const r = await chat(h, 'm', 'x', { stream: true, max_tokens: 30 });
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    const snap = c.messages[5]?.data as { operation: string; requests: Array<{ id: string; model: string; resp_headers: Record<string, string> }> };
    expect(snap.operation).toBe('snapshot');
    expect(snap.requests).toHaveLength(1);
    expect(snap.requests[0]).toMatchObject({ id: '1', model: 'm' });
    await r.text();
    await waitFor(() => c.of('inflight').some((e) => (e as { operation: string }).operation === 'remove'), 'remove');
    c.close();
  });

  it('sends no heartbeat while idle', async () => {
    const h = await host(twoModels);
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    const n = c.raw.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(c.raw.length).toBe(n);
    c.close();
  });
});

describe('/api/events (v235)', () => {
  it('legacy burst: logData ×2, modelStatus, metrics snapshot, inflight {total}; metrics per request', async () => {
    const h = await host(twoModels, { wire: 'v235' });
    await (await chat(h, 'beta', 'warm up')).text();
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 5, 'burst');
    expect(c.messages.slice(0, 5).map((m) => m.type)).toEqual(['logData', 'logData', 'modelStatus', 'metrics', 'inflight']);
    const snap = c.messages[3]?.data as Array<Record<string, unknown>>;
    expect(snap).toHaveLength(1);
    expect(snap[0]).toMatchObject({ id: 0, model: 'beta', req_path: '/v1/chat/completions', resp_status_code: 200 });
    expect(snap[0]?.tokens).toBeTypeOf('object');
    expect(c.messages[4]?.data).toEqual({ total: 0 });
    // legacy modelStatus has no capabilities/context_length
    expect(Object.keys((c.messages[2]?.data as object[])[0] as object)).not.toContain('capabilities');
    await (await chat(h, 'beta', 'again')).text();
    await waitFor(() => c.of('metrics').length === 2, 'metrics event');
    expect((c.of('metrics')[1] as Array<{ id: number }>).map((r) => r.id)).toEqual([1]);
    const totals = c.of('inflight') as Array<{ total: number }>;
    expect(totals.map((t) => t.total)).toEqual([0, 1, 0]);
    expect(c.of('uiConfig')).toEqual([]);
    expect(c.of('activity')).toEqual([]);
    c.close();
  });
});
