import { describe, expect, it } from 'vitest';
import { fitBodies } from './captures.service';
import { REDACTED, redactBody, redactHeaders } from './redact';

describe('capture redaction', () => {
  it('masks credential headers but keeps ordinary ones', () => {
    expect(redactHeaders({ Authorization: 'Bearer abc', 'X-Api-Key': 'k', 'Content-Type': 'application/json', 'X-Session-Token': 't', Cookie: 'a=b' })).toEqual({
      Authorization: REDACTED,
      'X-Api-Key': REDACTED,
      'Content-Type': 'application/json',
      'X-Session-Token': REDACTED,
      Cookie: REDACTED,
    });
  });

  it('masks secret keys and credential-shaped strings in JSON, but not token counts', () => {
    const out = redactBody(JSON.stringify({ model: 'm', api_key: 'hunter2', max_tokens: 5, usage: { prompt_tokens: 3 }, messages: [{ content: 'use sk-abcdefghijklmnopqrstuv and Bearer abcdefghijkl' }] }));
    const j = JSON.parse(out) as { api_key: string; max_tokens: number; usage: { prompt_tokens: number }; messages: Array<{ content: string }> };
    expect(j.api_key).toBe(REDACTED);
    expect(j.max_tokens).toBe(5);
    expect(j.usage.prompt_tokens).toBe(3);
    expect(j.messages[0]!.content).toBe(`use ${REDACTED} and Bearer ${REDACTED}`);
  });

  it('redacts SSE bodies line by line and plain text too', () => {
    const sse = 'data: {"choices":[{"delta":{"content":"key ghp_abcdefghijklmnopqrstuvwxyz0123"}}]}\n\ndata: [DONE]\n';
    expect(redactBody(sse)).not.toContain('ghp_');
    expect(redactBody(sse)).toContain('data: [DONE]');
    expect(redactBody('token AKIAABCDEFGHIJKLMNOP here')).toBe(`token ${REDACTED} here`);
  });

  it('fits two bodies into the per-row cap, marking the cut', () => {
    expect(fitBodies('a', 'b', 10)).toEqual({ req: 'a', resp: 'b', truncated: false });
    const f = fitBodies('r'.repeat(100), 's'.repeat(100), 100);
    expect(f.truncated).toBe(true);
    expect(f.req!.startsWith('r'.repeat(50))).toBe(true);
    expect(f.resp!.startsWith('s'.repeat(50))).toBe(true);
    const small = fitBodies('r'.repeat(10), 's'.repeat(200), 100);
    expect(small.req).toBe('r'.repeat(10));
    expect(small.resp!.startsWith('s'.repeat(90))).toBe(true);
  });
});
