// Lifecycle and scheduling scenarios (protocol reference §4): swaps wait for in-flight requests,
// group eviction rules, blocking unloads that cut streams, 429, TTL, failed loads and crashes.
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, chat, closeAll, getJson, host, waitFor } from './helpers';
import type { SimConfig, SimHost } from '../src/index';

afterEach(closeAll);

function stateOf(h: SimHost, id: string): string | undefined {
  return h.models().find((m) => m.id === id)?.state;
}

/** (model, state) transitions seen on the SSE stream, derived from consecutive modelStatus lists. */
function transitions(c: SseClient): string[] {
  const out: string[] = [];
  let prev = new Map<string, string>();
  for (const list of c.of('modelStatus') as Array<Array<{ id: string; state: string }>>) {
    const cur = new Map(list.map((m) => [m.id, m.state]));
    for (const [id, st] of cur) if (prev.size > 0 && prev.get(id) !== st) out.push(`${id}:${st}`);
    prev = cur;
  }
  return out;
}

describe('swaps', () => {
  it('a swap waits for in-flight requests on the victim, then stops it and starts the target', async () => {
    const h = await host({ models: { a: { loadMs: 10, genTps: 40, promptTps: 1e5, stopMs: 20 }, b: { loadMs: 10, genTps: 1000, promptTps: 1e5 } } });
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    await (await chat(h, 'a', 'warm', { max_tokens: 1 })).text();
    const streamA = chat(h, 'a', 'long answer', { stream: true, max_tokens: 12 });
    await waitFor(() => (h.models().find((m) => m.id === 'a')?.inflight ?? 0) > 0, 'a in flight');
    const bodyB = (async () => (await chat(h, 'b', 'quick', { max_tokens: 2 })).text())();
    const textA = await (await streamA).text();
    expect(textA.endsWith('data: [DONE]\n\n')).toBe(true);
    await bodyB;
    await waitFor(() => transitions(c).length >= 6, 'transitions');
    expect(transitions(c)).toEqual(['a:starting', 'a:ready', 'a:stopping', 'a:stopped', 'b:starting', 'b:ready']);
    // the victim's request finished (activity) before the victim began stopping
    const seq = c.messages.filter((m) => m.type === 'activity' || m.type === 'modelStatus').map((m) => m.type === 'activity' ? 'activity' : (m.data as Array<{ id: string; state: string }>).find((x) => x.id === 'a')?.state);
    const iStop = seq.indexOf('stopping');
    expect(iStop).toBeGreaterThan(0);
    expect(seq.slice(0, iStop).filter((x) => x === 'activity')).toHaveLength(2);
    c.close();
  });

  const groups: SimConfig = {
    groups: {
      big: { swap: true, exclusive: true, members: ['a1', 'a2'] },
      side: { swap: false, exclusive: false, members: ['b1', 'b2'] },
      pin: { swap: true, exclusive: false, persistent: true, members: ['p1'] },
    },
    models: Object.fromEntries(['a1', 'a2', 'b1', 'b2', 'p1', 'd1'].map((id) => [id, { loadMs: 10, stopMs: 5, genTps: 5000, promptTps: 1e5 }])),
  };

  it('group eviction: exclusive evicts other groups but not persistent ones; swap=false co-runs; non-exclusive quirk; (default) group', async () => {
    const h = await host(groups);
    const load = async (id: string): Promise<void> => void (await (await chat(h, id, 'x', { max_tokens: 1 })).text());
    const running = (): string[] => h.models().filter((m) => m.state !== 'stopped').map((m) => m.id).sort();
    await load('p1');
    await load('b1');
    await load('b2');
    expect(running()).toEqual(['b1', 'b2', 'p1']);
    await load('a1');
    expect(running()).toEqual(['a1', 'p1']);
    await load('a2');
    expect(running()).toEqual(['a2', 'p1']);
    // loading from a non-exclusive group leaves the exclusive group alone (llama-swap quirk)
    await load('b1');
    expect(running()).toEqual(['a2', 'b1', 'p1']);
    // ungrouped models form the implicit exclusive "(default)" group
    await load('d1');
    expect(running()).toEqual(['d1', 'p1']);
  });
});

describe('unload', () => {
  it('unloading during a stream breaks the connection; the unload call blocks until stopped', async () => {
    const h = await host({ models: { m: { loadMs: 10, genTps: 20, promptTps: 1e5, stopMs: 50 } } });
    const r = await chat(h, 'm', 'go', { stream: true, max_tokens: 100 });
    expect(r.status).toBe(200);
    const reading = r.text().then(() => 'complete', (e: unknown) => e);
    await waitFor(() => (h.models()[0]?.inflight ?? 0) > 0, 'in flight');
    const u = await fetch(`${h.url}/api/models/unload/m`, { method: 'POST' });
    expect(await u.text()).toBe('OK');
    expect(stateOf(h, 'm')).toBe('stopped');
    expect(await reading).toBeInstanceOf(Error);
    const row = await waitFor(async () => (await getJson(`${h.url}/api/metrics/activity`)).body.data[0], 'row');
    expect(row.resp_status_code).toBe(200);
  });

  it('requests waiting for a model that is unloaded get 500 "…model unloaded"', async () => {
    const h = await host({ models: { m: { loadMs: 400 } } });
    const waiting = getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
    await waitFor(() => stateOf(h, 'm') === 'starting', 'starting');
    await fetch(`${h.url}/api/models/unload`, { method: 'POST' });
    const r = await waiting;
    expect(r.status).toBe(500);
    expect(r.body.error.message).toBe('unspecific error: group: model unloaded');
    expect(stateOf(h, 'm')).toBe('stopped');
  });
});

describe('limits and failures', () => {
  it('429 with Retry-After: 1 beyond concurrencyLimit (waiting requests count)', async () => {
    const h = await host({ models: { m: { loadMs: 200, concurrencyLimit: 2, genTps: 1000 } } });
    const first = [chat(h, 'm', 'x', { max_tokens: 2 }), chat(h, 'm', 'y', { max_tokens: 2 })];
    await waitFor(() => (h.models()[0]?.queued ?? 0) === 2, 'two admitted');
    const r = await chat(h, 'm', 'z');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await r.json()).toEqual({ src: 'llama-swap', error: { message: 'Too many requests', type: 'rate_limit_error', param: null, code: 'concurrency_limit' } });
    for (const p of first) expect((await p).status).toBe(200);
    const rows = (await getJson(`${h.url}/api/metrics/activity?sort=id&order=asc`)).body.data;
    expect(rows[0]).toMatchObject({ resp_status_code: 429, error_msg: 'Too many requests' });
  });

  it('v235 429 body is {"error":"Too many requests"}', async () => {
    const h = await host({ models: { m: { loadMs: 200, concurrencyLimit: 1 } } }, { wire: 'v235' });
    const first = chat(h, 'm', 'x', { max_tokens: 1 });
    await waitFor(() => (h.models()[0]?.queued ?? 0) === 1, 'admitted');
    const r = await chat(h, 'm', 'y');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await r.text()).toBe('{"error":"Too many requests"}');
    await (await first).text();
  });

  it('TTL unloads an idle model: ready → stopping → stopped', async () => {
    const h = await host({ models: { m: { loadMs: 10, ttl: 1, genTps: 5000 } } });
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    await waitFor(() => stateOf(h, 'm') === 'stopped', 'ttl unload', 8000);
    // the server state changes before the SSE frame reaches the client
    await waitFor(() => transitions(c).length >= 4, 'transitions');
    expect(transitions(c)).toEqual(['m:starting', 'm:ready', 'm:stopping', 'm:stopped']);
    const logs = (c.of('logData') as Array<{ data: string }>).map((l) => l.data).join('');
    expect(logs).toContain('<m> Unloading model, TTL of 1s reached');
    c.close();
  });

  it('a failed load goes starting → stopped and the waiters get a 500', async () => {
    const h = await host({ models: { m: { loadMs: 40 }, bad: { loadMs: 40, failLoad: true } } });
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    h.faults.failLoad('m', 1);
    const [r1, r2] = await Promise.all([getJson(`${h.url}/upstream/m/health`), getJson(`${h.url}/upstream/m/health`)]);
    for (const r of [r1, r2]) {
      expect(r.status).toBe(500);
      expect(r.body.error.message).toBe('unspecific error: upstream command exited prematurely');
    }
    await waitFor(() => transitions(c).length >= 2, 'transitions');
    expect(transitions(c)).toEqual(['m:starting', 'm:stopped']);
    expect((await getJson(`${h.url}/upstream/m/health`)).status).toBe(200);
    expect((await getJson(`${h.url}/upstream/bad/health`)).status).toBe(500);
    c.close();
  });

  it('a crash: ready → stopped, in-flight connection breaks, "upstream process exited unexpectedly"', async () => {
    const h = await host({ models: { m: { loadMs: 10, genTps: 20 } } });
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    const r = await chat(h, 'm', 'go', { stream: true, max_tokens: 100 });
    const reading = r.text().then(() => 'complete', (e: unknown) => e);
    await waitFor(() => (h.models()[0]?.inflight ?? 0) > 0, 'in flight');
    expect(h.faults.crashModel('m')).toBe(true);
    expect(await reading).toBeInstanceOf(Error);
    expect(stateOf(h, 'm')).toBe('stopped');
    await waitFor(() => transitions(c).length >= 3, 'transitions');
    expect(transitions(c)).toEqual(['m:starting', 'm:ready', 'm:stopped']);
    await waitFor(() => (c.of('logData') as Array<{ data: string }>).some((l) => l.data.includes('[WARN] <m> upstream process exited unexpectedly')), 'crash log');
    expect(h.faults.crashModel('m')).toBe(false);
    c.close();
  });
});
