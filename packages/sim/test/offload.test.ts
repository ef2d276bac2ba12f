import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { setWriteOffload } from '../src/index';
import { LEAD_MS, startWriteLatenessRecording, stopWriteLatenessRecording } from '../src/http/offload';
import { chat, closeAll, getJson, host, twoModels, waitFor } from './helpers';

interface TimedStream {
  /** arrival time of each token chunk (performance.now()) */
  arrivals: number[];
  text: string;
  outcome: 'end' | 'error';
}

/** Streams a chat completion, timing every token chunk; onToken(k) runs as token k (1-based) arrives. */
function timedStream(url: string, model: string, maxTokens: number, onToken: (k: number) => void = () => undefined): Promise<TimedStream> {
  return new Promise((resolve) => {
    const out: TimedStream = { arrivals: [], text: '', outcome: 'end' };
    const body = JSON.stringify({ model, stream: true, max_tokens: maxTokens, messages: [{ role: 'user', content: 'pace me' }] });
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        const now = performance.now();
        out.text += d;
        for (let i = d.indexOf('"delta":{"content"'); i >= 0; i = d.indexOf('"delta":{"content"', i + 1)) {
          out.arrivals.push(now);
          onToken(out.arrivals.length);
        }
      });
      res.on('end', () => resolve(out));
      res.on('error', () => resolve({ ...out, outcome: 'error' }));
    });
    req.on('error', () => resolve({ ...out, outcome: 'error' }));
    req.end(body);
  });
}

const paced = { models: { p: { loadMs: 10, genTps: 50, promptTps: 1e5 } } };
const PER_TOKEN_MS = 20;

/** Strips the per-response fields that legitimately differ (ids, created times, timings). */
const normalize = (body: string) =>
  body
    .replace(/"id":"[^"]*"/g, '"id":"X"')
    .replace(/"created":\d+/g, '"created":0')
    .replace(/"timings":\{[^}]*\}/g, '"timings":{}');

describe('writer-thread offload', () => {
  afterEach(async () => {
    setWriteOffload(false);
    await closeAll();
  });

  it('puts the same bytes on the wire as plain writes, also with aborted neighbours', async () => {
    const read = async (offload: boolean) => {
      setWriteOffload(offload);
      const h = await host(twoModels, { seed: 11 });
      // a few streams aborted mid-way, so descriptors are closed and reused while others stream
      const aborted = Array.from({ length: 5 }, async () => {
        const ac = new AbortController();
        const res = await fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'alpha', stream: true, max_tokens: 400, messages: [{ role: 'user', content: 'noise' }] }),
          signal: ac.signal,
        });
        const reader = res.body!.getReader();
        await reader.read(); // mid-stream
        ac.abort();
        await reader.read().catch(() => undefined);
      });
      const bodies = await Promise.all(
        ['one two three', 'four five six', 'seven eight'].map(async (c) => (await chat(h, 'alpha', c, { stream: true, max_tokens: 40 })).text()),
      );
      await Promise.allSettled(aborted);
      await closeAll();
      return bodies.map(normalize);
    };
    const plain = await read(false);
    const offloaded = await read(true);
    expect(offloaded).toEqual(plain);
    expect(plain[0]).toContain('data: [DONE]');
  });

  it('holds each token until it is due, and records the request only once its last byte is out', async () => {
    setWriteOffload(true);
    const h = await host(paced);
    let rowsAtCheck: Promise<number> | null = null;
    let n = 0;
    // the natural length varies by request; learn it from a first, identical stream
    n = (await timedStream(h.url, 'p', 40)).arrivals.length;
    expect(n).toBeGreaterThanOrEqual(12);
    const before = (await getJson(`${h.url}/api/metrics/activity`)).body.total as number;
    const s = await timedStream(h.url, 'p', 40, (k) => {
      // two tokens (40 ms) before the end: tokens are handed over LEAD_MS (50 ms) ahead, so a
      // request finalized at hand-over would already be recorded here
      if (k === n - 2) rowsAtCheck = getJson(`${h.url}/api/metrics/activity`).then((r) => r.body.total as number);
    });
    expect(s.text).toContain('data: [DONE]');
    expect(s.arrivals).toHaveLength(n);
    // never early: token k is due (k − 1) intervals after the first (the writer may batch 0.5 ms)
    for (let k = 1; k < n; k++) expect(s.arrivals[k]! - s.arrivals[0]!).toBeGreaterThanOrEqual(k * PER_TOKEN_MS - 2);
    expect(LEAD_MS).toBeGreaterThan(2 * PER_TOKEN_MS);
    expect(await rowsAtCheck).toBe(before);
    const row = await waitFor(async () => {
      const r = await getJson(`${h.url}/api/metrics/activity?sort=id&order=desc`);
      return r.body.total > before ? r.body.data[0] : undefined;
    }, 'activity row');
    expect(row.resp_status_code).toBe(200);
    expect(row.tokens.output_tokens).toBe(n);
  });

  it('measures every paced write against its due time', async () => {
    setWriteOffload(true);
    const h = await host(paced);
    // the writer thread starts with the first offloaded response
    const n = (await timedStream(h.url, 'p', 20)).arrivals.length;
    startWriteLatenessRecording();
    const s = await timedStream(h.url, 'p', 20);
    const m = stopWriteLatenessRecording();
    expect(s.arrivals).toHaveLength(n);
    // the first token goes out with the headers; tokens 2..n and the closing chunk are paced
    expect(m?.count).toBe(n);
    expect(m!.p50).toBeLessThanOrEqual(m!.p99);
    expect(m!.p99).toBeLessThanOrEqual(Math.max(m!.max, 0.01));
  });

  it('drops the tokens still queued for a stream that an unload cuts', async () => {
    setWriteOffload(true);
    const h = await host({ models: { p: { loadMs: 10, genTps: 50, promptTps: 1e5, stopMs: 20 } } });
    let unloaded: Promise<string> | null = null;
    const s = await timedStream(h.url, 'p', 200, (k) => {
      if (k === 3) unloaded = fetch(`${h.url}/api/models/unload/p`, { method: 'POST' }).then((r) => r.text());
    });
    expect(await unloaded).toBe('OK');
    // cut mid-stream: no closing chunk, and none of the tokens queued ahead reach the client
    expect(s.text).not.toContain('[DONE]');
    expect(s.arrivals.length).toBeLessThan(3 + LEAD_MS / PER_TOKEN_MS + 2);
  });
});
