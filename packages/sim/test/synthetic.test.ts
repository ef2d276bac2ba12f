// Synthetic completions (benchmark load): what a watcher sees must match a real request's trail.
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, chat, closeAll, getJson, host, waitFor } from './helpers';

afterEach(closeAll);

const cfg = { models: { m: { loadMs: 10, genTps: 100, promptTps: 1000 }, idle: { loadMs: 10 } } };

describe('SimHost.synthesize', () => {
  it('emits upsert → remove → activity, logs like a request and stores a row with model speeds', async () => {
    const h = await host(cfg);
    await (await chat(h, 'm', 'warm up', { max_tokens: 1 })).text();
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 6, 'burst');
    const id = h.synthesize({ model: 'm', promptTokens: 100, outputTokens: 50 });
    expect(id).toBe(2);
    await waitFor(() => c.of('activity').length === 1, 'activity event');
    const live = c.messages.slice(6).filter((m) => m.type === 'inflight' || m.type === 'activity');
    expect(live.map((m) => (m.type === 'activity' ? 'activity' : (m.data as { operation: string }).operation))).toEqual(['upsert', 'remove', 'activity']);
    expect(c.of('activity')[0]).toEqual({ id: 2 });
    const logs = c.of('logData') as Array<{ source: string; data: string }>;
    expect(logs.some((l) => l.source === 'upstream' && l.data.includes('eval time'))).toBe(true);
    expect(logs.some((l) => l.source === 'proxy' && l.data.includes('"POST /v1/chat/completions HTTP/1.1" 200'))).toBe(true);
    const row = (await getJson(`${h.url}/api/metrics/activity?min_id=2&sort=id&order=asc`)).body.data[0];
    expect(row).toMatchObject({ id: 2, model: 'm', req_path: '/v1/chat/completions', resp_status_code: 200, duration_ms: 600 });
    expect(row.tokens).toMatchObject({ input_tokens: 100, output_tokens: 50, prompt_per_second: 1000, tokens_per_second: 100 });
    const failed = h.synthesize({ model: 'm', status: 500 });
    const bad = (await getJson(`${h.url}/api/metrics/activity?min_id=${failed}&sort=id&order=asc`)).body.data[0];
    expect(bad).toMatchObject({ resp_status_code: 500, tokens: { output_tokens: 0 } });
    c.close();
  });

  it('never loads a model: a stopped or unknown model gives null and stores nothing', async () => {
    const h = await host(cfg);
    expect(h.synthesize({ model: 'idle' })).toBeNull();
    expect(h.synthesize({ model: 'nope' })).toBeNull();
    expect(h.models().find((m) => m.id === 'idle')?.state).toBe('stopped');
    expect((await getJson(`${h.url}/api/metrics/activity`)).body.total).toBe(0);
  });
});
