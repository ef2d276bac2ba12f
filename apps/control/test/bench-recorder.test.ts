import { describe, expect, it } from 'vitest';
import { StreamParser, errorMessage } from '../src/bench/stream-recorder';

/**
 * The stream recorder's parser on exact byte sequences with exact arrival times: the TTFT,
 * token-count and truncation traps from the methodology (§1.1, §1.7, §1.8).
 */
const base = { seq: 1, user: 0, turn: null, maxTokens: 8, tSched: 0, tSent: 0 };
const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  ev({ choices: [{ index: 0, delta, finish_reason: finish }], object: 'chat.completion.chunk', ...extra });
const timings = { cache_n: 3, prompt_n: 7, prompt_ms: 14, predicted_n: 2, predicted_ms: 20, predicted_per_second: 100 };
const usage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 };

describe('stream parser', () => {
  it('stops the TTFT clock at the first content or reasoning token, not the role chunk or an empty delta', () => {
    const p = new StreamParser(base, true);
    p.headers(200, 2);
    p.feed(chunk({ role: 'assistant', content: null }), 5);
    p.feed(chunk({ content: '' }), 20);
    p.feed(chunk({ reasoning_content: 'thinking' }), 50);
    p.feed(chunk({ content: 'Hi' }), 80);
    p.feed(chunk({}, 'stop') + ev({ choices: [], usage, timings }) + 'data: [DONE]\n\n', 81);
    const r = p.finish(82);
    expect(r).toMatchObject({ tFirstByte: 2, tFirstEvent: 5, tFirstContent: 50, tFirstVisible: 80, tLastToken: 80, tDone: 82 });
    // reasoning tokens are measured too: both are token events
    expect(r.chunkTimes).toEqual([50, 80]);
    expect(r.text).toBe('Hi');
    expect(r).toMatchObject({ errorKind: null, finishReason: 'stop', outputTokens: 2, promptTokens: 10, tokenSource: 'usage', cacheN: 3, promptN: 7, clientTokens: 2 });
  });

  it('takes usage from the finish chunk (older llama-server) as well as from a trailing usage-only chunk', () => {
    const p = new StreamParser(base, false);
    p.headers(200, 1);
    p.feed(chunk({ content: 'a' }) + chunk({ content: 'b' }), 10);
    p.feed(chunk({}, 'length', { usage, timings }) + 'data: [DONE]\n\n', 11);
    const r = p.finish(12);
    expect(r).toMatchObject({ outputTokens: 2, promptTokens: 10, tokenSource: 'usage', finishReason: 'length', text: null });
    // two events in one read share its arrival time (coalescing is visible, not invented)
    expect(r.chunkTimes).toEqual([10, 10]);
  });

  it('falls back to timings when the server sends no usage', () => {
    const p = new StreamParser(base, false);
    p.headers(200, 1);
    p.feed(chunk({ content: 'a' }), 10);
    p.feed(chunk({ content: 'b' }), 20);
    p.feed(chunk({}, 'stop', { timings }) + 'data: [DONE]\n\n', 21);
    expect(p.finish(22)).toMatchObject({ outputTokens: 2, promptTokens: 10, tokenSource: 'timings' });
  });

  it('frames events split anywhere, with or without the space after data:, and ignores pings', () => {
    const whole = `: ping\n\n${chunk({ content: 'x' })}data:${JSON.stringify({ choices: [{ delta: { content: 'y' } }] })}\n\n${chunk({}, 'stop', { usage })}data: [DONE]\n\n`;
    const p = new StreamParser(base, true);
    p.headers(200, 0);
    for (let i = 0; i < whole.length; i += 7) p.feed(whole.slice(i, i + 7), i);
    const r = p.finish(whole.length);
    expect(r.text).toBe('xy');
    expect(r.clientTokens).toBe(2);
    expect(r.errorKind).toBeNull();
  });

  it('treats a mid-stream error event and a stream cut before the end as errors', () => {
    const a = new StreamParser(base, false);
    a.headers(200, 1);
    a.feed(chunk({ content: 'a' }) + ev({ error: { code: 500, message: 'slot crashed', type: 'server_error' } }), 10);
    expect(a.finish(11)).toMatchObject({ errorKind: 'stream', error: 'slot crashed' });

    const b = new StreamParser(base, false);
    b.headers(200, 1);
    b.feed(chunk({ content: 'a' }), 10);
    expect(b.finish(11)).toMatchObject({ errorKind: 'stream', error: expect.stringContaining('before the final chunk') });

    const c = new StreamParser(base, false);
    c.headers(200, 1);
    c.feed(chunk({ content: 'a' }), 10);
    expect(c.finish(11, 'other side closed')).toMatchObject({ errorKind: 'stream', error: 'stream dropped: other side closed' });
  });

  it('reads every generation of error body', () => {
    expect(errorMessage(429, '{"error":"Too many requests"}')).toBe('HTTP 429: Too many requests');
    expect(errorMessage(500, '{"src":"llama-swap","error":{"message":"boom","type":"server_error"}}')).toBe('HTTP 500: boom');
    expect(errorMessage(502, 'Bad Gateway\n')).toBe('HTTP 502: Bad Gateway');
    expect(errorMessage(503, '')).toBe('HTTP 503: no body');
  });
});
