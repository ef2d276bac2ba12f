// API-key auth: Basic (password), Bearer, x-api-key; public paths; 401 with WWW-Authenticate.
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, closeAll, getJson, host, twoModels, waitFor } from './helpers';

afterEach(closeAll);

describe('auth', () => {
  it('accepts Basic, Bearer and x-api-key; rejects others with 401 and a Basic challenge', async () => {
    const h = await host({ ...twoModels, apiKeys: ['sekret'] });
    const ok: Array<Record<string, string>> = [
      { Authorization: `Basic ${Buffer.from('anyone:sekret').toString('base64')}` },
      { Authorization: 'Bearer sekret' },
      { 'x-api-key': 'sekret' },
    ];
    for (const headers of ok) expect((await fetch(`${h.url}/running`, { headers })).status).toBe(200);
    const bad: Array<Record<string, string>> = [{}, { Authorization: 'Bearer nope' }, { 'x-api-key': 'nope' }];
    for (const headers of bad) {
      const r = await getJson(`${h.url}/running`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Basic realm="llama-swap"');
      expect(r.body.error.type).toBe('authentication_error');
      expect(r.body.error.code).toBe('unauthorized');
    }
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${h.url}/__sim/state`)).status).toBe(200);
    const c = await SseClient.open(`${h.url}/api/events`, { Authorization: 'Bearer sekret' });
    await waitFor(() => c.messages.length >= 6, 'burst');
    c.close();
  });

  it('v235 401 body is the string form', async () => {
    const h = await host({ ...twoModels, apiKeys: ['k'] }, { wire: 'v235' });
    const r = await getJson(`${h.url}/api/metrics`);
    expect(r.status).toBe(401);
    expect(typeof r.body.error).toBe('string');
    expect(r.body.src).toBe('llama-swap');
  });
});
