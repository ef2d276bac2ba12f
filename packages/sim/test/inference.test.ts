// llama-server behaviour behind the proxy: exact chunk shapes, timings, usage, [DONE], cache_n,
// max_tokens, embeddings and determinism (protocol reference §12).
import { afterEach, describe, expect, it } from 'vitest';
import { chat, closeAll, dataLines, getJson, host } from './helpers';
import type { SimConfig } from '../src/index';

afterEach(closeAll);

const cfg: SimConfig = {
  models: {
    llm: { loadMs: 10, genTps: 2000, promptTps: 100_000, contextLength: 4096 },
    emb: { loadMs: 10, embedding: true, embeddingDim: 8, promptTps: 100_000 },
  },
};

const TIMING_KEYS = ['cache_n', 'prompt_n', 'prompt_ms', 'prompt_per_token_ms', 'prompt_per_second', 'predicted_n', 'predicted_ms', 'predicted_per_token_ms', 'predicted_per_second'];

describe('chat completions', () => {
  it('stream: "data: " with a space, role chunk first, finish chunk with timings, then [DONE]', async () => {
    const h = await host(cfg);
    const r = await chat(h, 'llm', 'tell me a story', { stream: true, max_tokens: 6 });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const lines = dataLines(await r.text());
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, any>);
    expect(chunks[0]?.choices[0].delta).toEqual({ role: 'assistant', content: null });
    const content = chunks.slice(1, -1);
    expect(content).toHaveLength(6);
    for (const c of content) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.choices[0].finish_reason).toBeNull();
      expect(Object.keys(c.choices[0].delta)).toEqual(['content']);
      expect(c).not.toHaveProperty('timings');
    }
    const last = chunks.at(-1)!;
    expect(last.choices[0]).toEqual({ finish_reason: 'length', index: 0, delta: {} });
    expect(Object.keys(last.timings)).toEqual(TIMING_KEYS);
    expect(last.timings.predicted_n).toBe(6);
    expect(last.timings.prompt_n + last.timings.cache_n).toBe(4);
    expect(last).not.toHaveProperty('usage');
    expect(typeof last.id).toBe('string');
    expect(last.id.startsWith('chatcmpl-')).toBe(true);
  });

  it('stream_options.include_usage adds a choices:[] usage chunk carrying the timings', async () => {
    const h = await host(cfg);
    const r = await chat(h, 'llm', 'a b c', { stream: true, max_tokens: 3, stream_options: { include_usage: true } });
    const lines = dataLines(await r.text());
    const fin = JSON.parse(lines.at(-3)!) as Record<string, any>;
    const usage = JSON.parse(lines.at(-2)!) as Record<string, any>;
    expect(fin.choices[0].finish_reason).toBe('length');
    expect(fin).not.toHaveProperty('timings');
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ completion_tokens: 3, prompt_tokens: 3, total_tokens: 6 });
    expect(usage.timings.predicted_n).toBe(3);
  });

  it('non-stream: message, usage and timings; finish_reason stop when the text ends before max_tokens', async () => {
    const h = await host(cfg);
    const { body } = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: 'x y' }], max_tokens: 100_000 }) });
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.choices[0].message.role).toBe('assistant');
    const words = (body.choices[0].message.content as string).split(' ');
    expect(body.usage.completion_tokens).toBe(words.length);
    expect(body.timings.predicted_n).toBe(words.length);
    expect(body.usage.prompt_tokens).toBe(2);
  });

  it('cache_n counts the reused prompt prefix; prompt_n only the new tokens', async () => {
    const h = await host(cfg);
    const base = 'one two three four five six seven eight';
    const a = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: base }], max_tokens: 2 }) })).body;
    expect(a.timings).toMatchObject({ cache_n: 0, prompt_n: 8 });
    const b = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: `${base} nine ten` }], max_tokens: 2 }) })).body;
    expect(b.timings).toMatchObject({ cache_n: 8, prompt_n: 2 });
    // usage.prompt_tokens counts cached tokens too; the default profile has no prompt_tokens_details
    expect(b.usage).toEqual({ completion_tokens: 2, prompt_tokens: 10, total_tokens: 12 });
    const again = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: `${base} nine ten` }], max_tokens: 2 }) })).body;
    // identical prompt: llama.cpp re-evaluates at least one token
    expect(again.timings).toMatchObject({ cache_n: 9, prompt_n: 1 });
    const row = (await getJson(`${h.url}/api/metrics/activity?limit=1`)).body.data[0];
    expect(row.tokens).toMatchObject({ cache_tokens: 9, input_tokens: 1, output_tokens: 2 });
  });

  it('prompt larger than the context is a llama-server 400', async () => {
    const h = await host({ models: { tiny: { loadMs: 5, contextLength: 4 } } });
    const r = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'a b c d e' }] }) });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 400, type: 'exceed_context_size_error', n_prompt_tokens: 5, n_ctx: 4 });
  });
});

describe('completions', () => {
  it('/v1/completions stream: text chunks, final chunk with usage and timings, [DONE]', async () => {
    const h = await host(cfg);
    const r = await fetch(`${h.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', prompt: 'p q', max_tokens: 2, stream: true }) });
    const lines = dataLines(await r.text());
    expect(lines.at(-1)).toBe('[DONE]');
    const fin = JSON.parse(lines.at(-2)!) as Record<string, any>;
    expect(fin.object).toBe('text_completion');
    expect(fin.choices[0]).toEqual({ text: '', index: 0, logprobs: null, finish_reason: 'length' });
    expect(fin.usage.completion_tokens).toBe(2);
    expect(fin.timings.predicted_n).toBe(2);
  });

  it('native /completion stream: stop:true final chunk with timings and no [DONE]', async () => {
    const h = await host(cfg);
    const r = await fetch(`${h.url}/completion`, { method: 'POST', body: JSON.stringify({ model: 'llm', prompt: 'p q', n_predict: 3, stream: true }) });
    const lines = dataLines(await r.text());
    expect(lines).not.toContain('[DONE]');
    const chunks = lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(chunks.slice(0, -1).every((c) => c.stop === false)).toBe(true);
    const fin = chunks.at(-1)!;
    expect(fin).toMatchObject({ stop: true, tokens_predicted: 3, tokens_evaluated: 2, stop_type: 'limit', truncated: false });
    expect(fin.timings.predicted_n).toBe(3);
    const row = (await getJson(`${h.url}/api/metrics/activity?limit=1`)).body.data[0];
    expect(row).toMatchObject({ req_path: '/completion', resp_content_type: 'text/event-stream', tokens: { output_tokens: 3, input_tokens: 2 } });
  });
});

describe('embeddings', () => {
  it('returns deterministic unit vectors and usage; completions on an embedding model are 501', async () => {
    const h = await host(cfg);
    const a = await getJson(`${h.url}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ model: 'emb', input: ['hello world', 'x'] }) });
    expect(a.body.object).toBe('list');
    expect(a.body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(a.body.data).toHaveLength(2);
    const v = a.body.data[0].embedding as number[];
    expect(v).toHaveLength(8);
    expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-4);
    const b = await getJson(`${h.url}/v/embeddings`, { method: 'POST', body: JSON.stringify({ model: 'emb', input: 'hello world' }) });
    expect(b.body.data[0].embedding).toEqual(v);
    const c = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'emb', messages: [] }) });
    expect(c.status).toBe(501);
    expect(c.body.error.type).toBe('not_supported_error');
    const rows = (await getJson(`${h.url}/api/metrics/activity?sort=id&order=asc`)).body.data;
    expect(rows[0]).toMatchObject({ req_path: '/v1/embeddings', tokens: { input_tokens: 3, output_tokens: 0, cache_tokens: -1, tokens_per_second: -1 } });
    expect(rows[1].req_path).toBe('/embeddings');
    expect(rows[2]).toMatchObject({ resp_status_code: 501, tokens: { input_tokens: 0, cache_tokens: 0 } });
    expect(rows[2].error_msg).toContain('does not support completions');
  });
});

describe('determinism', () => {
  it('same seed + same requests → same text and counts; another seed differs', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const h = await host(cfg, { seed });
      const out: string[] = [];
      for (const q of ['alpha beta', 'gamma', 'alpha beta delta']) {
        const { body } = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: q }], max_tokens: 40 }) });
        out.push(`${body.choices[0].message.content}|${body.usage.completion_tokens}|${body.timings.cache_n}`);
      }
      return out;
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('raising max_tokens extends the same text (max_tokens only bounds output)', async () => {
    const h = await host(cfg);
    const get = async (n: number): Promise<string> =>
      (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: 'q' }], max_tokens: n }) })).body.choices[0].message.content as string;
    const short = await get(3);
    const long = await get(8);
    expect(short.split(' ')).toHaveLength(3);
    expect(long.startsWith(short)).toBe(true);
  });
});

describe('upstream readiness', () => {
  it('the direct upstream answers 503 "Loading model" while starting and 200 once ready', async () => {
    const h = await host({ models: { slow: { loadMs: 400 } } });
    const loading = fetch(`${h.url}/upstream/slow/health`);
    await new Promise((r) => setTimeout(r, 100));
    const during = await getJson(`${h.url}/__sim/upstream/slow/health`);
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ error: { message: 'Loading model', type: 'unavailable_error', code: 503 } });
    expect((await loading).status).toBe(200);
    expect((await getJson(`${h.url}/__sim/upstream/slow/health`)).body).toEqual({ status: 'ok' });
  });
});
