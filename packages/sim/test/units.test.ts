// Pure pieces: group eviction, the SSE per-connection buffer, the pacer, config normalisation,
// metering and Go-style formatting.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, findModelInPath } from '../src/config';
import { SimProcess } from '../src/engine/process';
import { Router } from '../src/engine/router';
import { EventHub, frame } from '../src/events';
import { pacer } from '../src/pacer';
import { meter } from '../src/telemetry/activity';
import { goDuration, rfc3339Nano, parseRfc3339 } from '../src/time';
import type { ProcessHooks } from '../src/engine/process';

function router(yaml: string): Router {
  const cfg = normalizeConfig(yaml);
  const procs = new Map<string, SimProcess>();
  for (const m of cfg.models.values()) procs.set(m.id, new SimProcess(m, {} as ProcessHooks));
  return new Router(cfg, procs, () => undefined);
}

describe('group eviction (evictionFor)', () => {
  const r = router(`
models: {a1: {}, a2: {}, b1: {}, b2: {}, p1: {}, d1: {}}
groups:
  big: {members: [a1, a2]}
  side: {swap: false, exclusive: false, members: [b1, b2]}
  pin: {persistent: true, members: [p1]}
`);
  it('same group with swap evicts siblings; swap=false keeps them', () => {
    expect(r.evictionFor('a1', ['a2'])).toEqual(['a2']);
    expect(r.evictionFor('b1', ['b2'])).toEqual([]);
  });
  it('exclusive evicts other non-persistent groups', () => {
    expect(r.evictionFor('a1', ['b1', 'b2', 'p1', 'd1'])).toEqual(['b1', 'b2', 'd1']);
  });
  it('non-exclusive loads evict nothing from other groups (quirk)', () => {
    expect(r.evictionFor('b1', ['a1', 'd1', 'p1'])).toEqual([]);
  });
  it('(default) group: implicit, swap and exclusive', () => {
    expect(r.evictionFor('d1', ['a1', 'b1', 'p1'])).toEqual(['a1', 'b1']);
  });
  it('rejects a model in two groups and unknown members', () => {
    expect(() => normalizeConfig('models: {a: {}}\ngroups: {x: {members: [a]}, y: {members: [a]}}')).toThrow(/multiple groups/);
    expect(() => normalizeConfig('models: {a: {}}\ngroups: {x: {members: [zz]}}')).toThrow(/not a configured model/);
  });
});

describe('config', () => {
  it('applies llama-swap defaults and accepts routing.router.settings.groups and real cmd keys', () => {
    const c = normalizeConfig({ models: { m: { cmd: 'llama-server -m x.gguf', proxy: 'http://x' } }, routing: { router: { settings: { groups: { g: { members: ['m'] } } } } }, healthCheckTimeout: 5 });
    const m = c.models.get('m')!;
    expect(m).toMatchObject({ ttl: -1, concurrencyLimit: 10, group: 'g', unlisted: false });
    expect(c.healthCheckTimeoutMs).toBe(15_000);
    expect(c.captureBufferBytes).toBe(5 * 1024 * 1024);
    expect(c.metricsMaxInMemory).toBe(1000);
  });
  it('finds the longest model id in a path, including ids with "/" and aliases', () => {
    const c = normalizeConfig({ models: { org: {}, 'org/model': { aliases: ['om'] } } });
    expect(findModelInPath(c, '/org/model/v1/chat')).toEqual({ name: 'org/model', id: 'org/model', rest: '/v1/chat' });
    expect(findModelInPath(c, '/org/x')).toEqual({ name: 'org', id: 'org', rest: '/x' });
    expect(findModelInPath(c, '/om/health')).toEqual({ name: 'om', id: 'org/model', rest: '/health' });
  });
});

class FakeRes extends EventEmitter {
  written: string[] = [];
  blocked = false;
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(s: string): boolean {
    this.written.push(s);
    return !this.blocked;
  }
  end(): void {}
  destroy(): void {}
}

describe('SSE per-connection buffer', () => {
  it('drops silently once the socket is blocked and the queue is full, then resumes after drain', () => {
    const hub = new EventHub(25);
    const res = new FakeRes();
    hub.attach(new EventEmitter() as unknown as IncomingMessage, res as unknown as ServerResponse, () => []);
    res.blocked = true;
    hub.broadcast('activity', { id: 0 }); // written; the socket now reports back-pressure
    for (let i = 1; i <= 40; i++) hub.broadcast('activity', { id: i });
    expect(res.written).toHaveLength(1);
    expect(hub.droppedTotal()).toBe(15);
    res.blocked = false;
    res.emit('drain');
    expect(res.written).toHaveLength(26);
    expect(res.written.at(-1)).toBe(frame('activity', { id: 25 }));
  });
});

describe('pacer', () => {
  it('runs callbacks in deadline order, not early beyond the tolerance, and cancels', async () => {
    const seen: number[] = [];
    const t0 = pacer.now();
    const late: number[] = [];
    for (const d of [30, 10, 20, 5]) pacer.schedule(t0 + d, (l) => (seen.push(d), late.push(l)));
    const h = pacer.schedule(t0 + 15, () => seen.push(15));
    h.cancel();
    await new Promise((r) => setTimeout(r, 80));
    expect(seen).toEqual([5, 10, 20, 30]);
    // callbacks may run up to a quarter millisecond early (batching tolerance), never more
    expect(late.every((l) => l >= -0.26)).toBe(true);
  });
});

describe('metering (§5.2)', () => {
  it('timings override usage; input is prompt_n; duration is max(wall, prompt_ms + predicted_ms)', () => {
    const body = 'data: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":8}}}\n\ndata: {"timings":{"cache_n":8,"prompt_n":2,"prompt_ms":100,"predicted_n":4,"predicted_ms":400,"prompt_per_second":20,"predicted_per_second":10}}\n\ndata: [DONE]\n\n';
    const m = meter(200, 'text/event-stream', body, 50);
    expect(m.tokens).toEqual({ cache_tokens: 8, draft_tokens: -1, draft_acc_tokens: -1, input_tokens: 2, output_tokens: 4, prompt_per_second: 20, tokens_per_second: 10 });
    expect(m.duration_ms).toBe(500);
  });
  it('usage only (vLLM/OpenAI) and errors', () => {
    expect(meter(200, 'application/json', '{"usage":{"prompt_tokens":5,"completion_tokens":7}}', 10).tokens).toMatchObject({ input_tokens: 5, output_tokens: 7, cache_tokens: -1, tokens_per_second: -1 });
    const e = meter(502, '', '', 3);
    expect(e.error_msg).toBe('502 Bad Gateway');
    expect(e.tokens.cache_tokens).toBe(0);
  });
});

describe('Go formatting', () => {
  it('durations and RFC3339Nano round-trip', () => {
    expect(goDuration(120_000)).toBe('2m0s');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(0.5)).toBe('500µs');
    const ms = Date.UTC(2026, 0, 2, 3, 4, 5, 120);
    expect(parseRfc3339(rfc3339Nano(ms))).toBe(ms);
  });
});
