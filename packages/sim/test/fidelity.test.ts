// Field-by-field checks against the protocol reference (issue 16): model records and modelStatus
// entries per generation, llama-server profiles for usage, captured response headers, the default
// concurrency limit and the activity cursor parameters.
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, chat, closeAll, dataLines, getJson, host, waitFor } from './helpers';
import type { SimConfig, SimHost } from '../src/index';

afterEach(closeAll);

const models: SimConfig = {
  models: {
    capable: { loadMs: 5, genTps: 4000, promptTps: 1e5, name: 'Capable', aliases: ['cap'], contextLength: 32768, capabilities: { in: ['text'], out: ['text'], tools: true, context: 32768 } },
    // a context size for the simulated llama-server, but no llama-swap capabilities block
    aliased: { loadMs: 5, genTps: 4000, promptTps: 1e5, aliases: ['al', 'al2'], contextLength: 16384, metadata: { tier: 'x' } },
    plain: { loadMs: 5, genTps: 4000, promptTps: 1e5 },
  },
};

const BASE_STATUS_KEYS = ['id', 'name', 'description', 'state', 'unlisted', 'peerID'];

async function modelStatus(h: SimHost): Promise<Array<Record<string, unknown>>> {
  const c = await SseClient.open(`${h.url}/api/events`);
  try {
    const list = await waitFor(() => c.of('modelStatus')[0] as Array<Record<string, unknown>> | undefined, 'modelStatus');
    return list;
  } finally {
    c.close();
  }
}

describe('/v1/models records', () => {
  it('HEAD: aliases under meta.llamaswap; capability fields and meta.n_ctx only with a capabilities block', async () => {
    const h = await host(models);
    const data = (await getJson(`${h.url}/v1/models`)).body.data as Array<Record<string, any>>;
    const byId = new Map(data.map((d) => [d.id, d]));
    const aliased = byId.get('aliased')!;
    expect(Object.keys(aliased).sort()).toEqual(['created', 'id', 'meta', 'object', 'owned_by', 'status']);
    expect(aliased.meta).toEqual({ llamaswap: { tier: 'x', type: 'model', aliases: ['al', 'al2'] } });
    const plain = byId.get('plain')!;
    expect(plain.meta).toEqual({ llamaswap: { type: 'model' } });
    const capable = byId.get('capable')!;
    expect(Object.keys(capable).sort()).toEqual(['architecture', 'capabilities', 'context_length', 'created', 'id', 'meta', 'name', 'object', 'owned_by', 'status', 'supported_parameters']);
    expect(capable.meta).toEqual({ llamaswap: { type: 'model', aliases: ['cap'] }, n_ctx: 32768 });
  });

  it('v235: no status or capability fields, and meta.llamaswap is only the user metadata (no aliases)', async () => {
    const h = await host(models, { wire: 'v235' });
    const data = (await getJson(`${h.url}/v1/models`)).body.data as Array<Record<string, any>>;
    const byId = new Map(data.map((d) => [d.id, d]));
    expect(Object.keys(byId.get('capable')!).sort()).toEqual(['created', 'id', 'name', 'object', 'owned_by']);
    expect(byId.get('aliased')).toEqual({ id: 'aliased', object: 'model', created: byId.get('aliased')!.created, owned_by: 'llama-swap', meta: { llamaswap: { tier: 'x' } } });
  });
});

describe('modelStatus entries', () => {
  it('HEAD: aliases when set; capabilities and context_length only from a capabilities block', async () => {
    const h = await host(models);
    const list = await modelStatus(h);
    const byId = new Map(list.map((e) => [e.id, e]));
    expect(byId.get('capable')).toEqual({ id: 'capable', name: 'Capable', description: '', state: 'stopped', unlisted: false, peerID: '', aliases: ['cap'], capabilities: { function_calling: true }, context_length: 32768 });
    expect(Object.keys(byId.get('aliased')!)).toEqual([...BASE_STATUS_KEYS, 'aliases']);
    expect(byId.get('aliased')!.aliases).toEqual(['al', 'al2']);
    expect(Object.keys(byId.get('plain')!)).toEqual(BASE_STATUS_KEYS);
  });

  it('v235: aliases, but neither capabilities nor context_length', async () => {
    const h = await host(models, { wire: 'v235' });
    const byId = new Map((await modelStatus(h)).map((e) => [e.id, e]));
    expect(Object.keys(byId.get('capable')!)).toEqual([...BASE_STATUS_KEYS, 'aliases']);
    expect(Object.keys(byId.get('plain')!)).toEqual(BASE_STATUS_KEYS);
  });
});

const llm: SimConfig = { models: { llm: { loadMs: 5, genTps: 4000, promptTps: 1e5, contextLength: 4096 } } };

async function streamChunks(h: SimHost, extra: Record<string, unknown> = {}, model = 'llm'): Promise<Array<Record<string, any>>> {
  const r = await chat(h, model, 'one two three', { stream: true, max_tokens: 3, ...extra });
  const lines = dataLines(await r.text());
  expect(lines.at(-1)).toBe('[DONE]');
  return lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, any>);
}

describe('llama-server profiles: usage and timings', () => {
  it('current (default): usage only with include_usage, in a choices:[] chunk with the timings; no prompt_tokens_details', async () => {
    const h = await host(llm);
    const plain = await streamChunks(h);
    expect(plain.some((c) => 'usage' in c)).toBe(false);
    expect(plain.at(-1)!.choices[0].finish_reason).toBe('length');
    expect(plain.at(-1)!.timings.predicted_n).toBe(3);
    const withUsage = await streamChunks(h, { stream_options: { include_usage: true } });
    const [fin, last] = withUsage.slice(-2);
    expect(fin).not.toHaveProperty('usage');
    expect(fin).not.toHaveProperty('timings');
    expect(last!.choices).toEqual([]);
    expect(last!.usage).toEqual({ completion_tokens: 3, prompt_tokens: 3, total_tokens: 6 });
    expect(last!.timings.cache_n + last!.timings.prompt_n).toBe(3);
    const nonStream = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: 'a b' }], max_tokens: 2 }) })).body;
    expect(Object.keys(nonStream.usage)).toEqual(['completion_tokens', 'prompt_tokens', 'total_tokens']);
  });

  it('legacy: the finish chunk always carries usage next to timings, with or without include_usage', async () => {
    const h = await host(llm, { llamaServer: 'legacy' });
    for (const extra of [{}, { stream_options: { include_usage: true } }]) {
      const chunks = await streamChunks(h, extra);
      expect(chunks.filter((c) => 'usage' in c)).toHaveLength(1);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([{ finish_reason: 'length', index: 0, delta: {} }]);
      expect(last.usage).toEqual({ completion_tokens: 3, prompt_tokens: 3, total_tokens: 6 });
      expect(last.timings.predicted_n).toBe(3);
      expect(chunks.some((c) => Array.isArray(c.choices) && c.choices.length === 0)).toBe(false);
    }
    // llama-swap meters it the same way: timings win
    const row = (await getJson(`${h.url}/api/metrics/activity?limit=1`)).body.data[0];
    expect(row.tokens).toMatchObject({ output_tokens: 3, cache_tokens: 2, input_tokens: 1 });
  });

  it('newest: usage.prompt_tokens_details.cached_tokens, streamed and not; a model can override the host', async () => {
    const h = await host({ models: { ...llm.models, old: { loadMs: 5, genTps: 4000, promptTps: 1e5, llamaServer: 'legacy' } }, groups: { all: { swap: false, members: ['llm', 'old'] } } }, { llamaServer: 'newest' });
    await streamChunks(h);
    const again = await streamChunks(h, { stream_options: { include_usage: true } });
    // same prompt again: all but one prompt token come from the cache
    expect(again.at(-1)!.usage).toEqual({ completion_tokens: 3, prompt_tokens: 3, total_tokens: 6, prompt_tokens_details: { cached_tokens: 2 } });
    const nonStream = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: 'one two three' }], max_tokens: 1 }) })).body;
    expect(nonStream.usage.prompt_tokens_details).toEqual({ cached_tokens: 2 });
    const old = await streamChunks(h, {}, 'old');
    expect(old.at(-1)!.usage).toEqual({ completion_tokens: 3, prompt_tokens: 3, total_tokens: 6 });
  });

  it('rejects an unknown profile in the config with a typed error', async () => {
    const { startSimHost, SimConfigError } = await import('../src/index');
    await expect(startSimHost({ config: { models: { m: { llamaServer: 'b1234' as never } } } })).rejects.toBeInstanceOf(SimConfigError);
  });
});

describe('captured response headers', () => {
  it('non-streamed: llama-server headers with Content-Length and the reflected Origin; no Date', async () => {
    const h = await host(llm);
    const res = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { Origin: 'http://cockpit.test' }, body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }) });
    const text = await res.text();
    expect(res.headers.get('access-control-allow-origin')).toBe('http://cockpit.test');
    const cap = (await getJson(`${h.url}/api/captures/1`)).body;
    expect(cap.resp_headers).toEqual({
      'Access-Control-Allow-Origin': 'http://cockpit.test',
      'Content-Length': String(Buffer.byteLength(text)),
      'Content-Type': 'application/json; charset=utf-8',
      Server: 'llama.cpp',
    });
    expect(Buffer.from(cap.resp_body, 'base64').toString()).toBe(text);
    // Go's encoding/json writes header maps with sorted keys
    expect(Object.keys(cap.req_headers)).toEqual([...Object.keys(cap.req_headers)].sort());
    // the capture route itself: a plain llama-swap /api/* answer (Date and length, no CORS header)
    const route = await fetch(`${h.url}/api/captures/1`, { headers: { Origin: 'http://cockpit.test' } });
    const routeBody = await route.text();
    expect(route.headers.get('content-length')).toBe(String(Buffer.byteLength(routeBody)));
    expect(Number.isNaN(Date.parse(route.headers.get('date') ?? ''))).toBe(false);
    expect(route.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('streamed: no Content-Length (chunked), and an empty Access-Control-Allow-Origin without an Origin', async () => {
    const h = await host(llm);
    await (await chat(h, 'llm', 'hi', { stream: true, max_tokens: 2 })).text();
    const cap = (await getJson(`${h.url}/api/captures/1`)).body;
    expect(cap.resp_headers).toEqual({ 'Access-Control-Allow-Origin': '', 'Cache-Control': 'no-cache', 'Content-Type': 'text/event-stream', Server: 'llama.cpp' });
  });
});

describe('concurrency limit', () => {
  it('defaults to 10 per model: the 11th admitted request gets 429, Retry-After: 1, code concurrency_limit', async () => {
    const h = await host({ models: { m: { loadMs: 300, genTps: 4000 } } });
    const admitted = Array.from({ length: 10 }, (_, i) => chat(h, 'm', `q${i}`, { max_tokens: 1 }));
    await waitFor(() => (h.models()[0]?.queued ?? 0) === 10, 'ten admitted');
    const r = await chat(h, 'm', 'one too many');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(((await r.json()) as { error: unknown }).error).toEqual({ message: 'Too many requests', type: 'rate_limit_error', param: null, code: 'concurrency_limit' });
    expect((await Promise.all(admitted)).map((x) => x.status)).toEqual(Array(10).fill(200));
  });
});

describe('/api/metrics/activity cursors', () => {
  it('min_id/max_id inclusive, repeated model ORed, start/end inclusive at second precision, bad values 400', async () => {
    const h = await host({ models: { a: { loadMs: 5, genTps: 4000 }, b: { loadMs: 5, genTps: 4000 }, c: { loadMs: 5, genTps: 4000 } }, groups: { all: { swap: false, members: ['a', 'b', 'c'] } } });
    for (const m of ['a', 'b', 'c', 'a', 'b', 'c']) await (await chat(h, m, 'x', { max_tokens: 1 })).text();
    const ids = async (q: string): Promise<number[]> => ((await getJson(`${h.url}/api/metrics/activity?${q}`)).body.data as Array<{ id: number }>).map((r) => r.id);
    expect(await ids('min_id=2&max_id=4&order=asc')).toEqual([2, 3, 4]);
    expect(await ids('max_id=2')).toEqual([2, 1]);
    expect(await ids('min_id=6')).toEqual([6]);
    expect(await ids('model=a&model=c&order=asc')).toEqual([1, 3, 4, 6]);
    expect(await ids('model=a&model=c&min_id=2&max_id=5&order=asc')).toEqual([3, 4]);
    const rows = (await getJson(`${h.url}/api/metrics/activity?order=asc`)).body.data as Array<{ id: number; timestamp: string }>;
    const first = rows[0]!.timestamp;
    const last = rows.at(-1)!.timestamp;
    expect((await ids(`start=${encodeURIComponent(first)}&end=${encodeURIComponent(last)}`)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ids(`start=${encodeURIComponent('2999-01-01T00:00:00Z')}`)).toEqual([]);
    expect(await ids(`end=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).toEqual([]);
    for (const q of ['min_id=0', 'max_id=0', 'min_id=x', 'max_id=1.5', `start=${encodeURIComponent(last)}&end=${encodeURIComponent('2000-01-01T00:00:00Z')}`, 'end=tomorrow']) {
      expect((await getJson(`${h.url}/api/metrics/activity?${q}`)).status, q).toBe(400);
    }
  });
});
