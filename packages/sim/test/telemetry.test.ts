// Activity store queries, stats, captures, performance samples, Prometheus text and log streams.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { chat, closeAll, getJson, host, waitFor } from './helpers';

afterEach(closeAll);

const cfg = { models: { m: { loadMs: 10, genTps: 4000, promptTps: 1e5, vramMb: 5000 }, e: { loadMs: 10, embedding: true, vramMb: 700, gpus: [1] } }, groups: { all: { swap: false, members: ['m', 'e'] } } };

describe('/api/metrics/activity and /stats', () => {
  it('pages, sorts, filters and validates', async () => {
    const h = await host(cfg);
    for (let i = 0; i < 5; i++) await (await chat(h, 'm', `q ${'w '.repeat(i)}`, { max_tokens: i + 1 })).text();
    await getJson(`${h.url}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ model: 'e', input: 'a b' }) });
    const all = (await getJson(`${h.url}/api/metrics/activity`)).body;
    expect(all).toMatchObject({ page: 1, limit: 25, total: 6, total_pages: 1 });
    expect(all.data.map((r: { id: number }) => r.id)).toEqual([6, 5, 4, 3, 2, 1]);
    const row = all.data[1];
    expect(Object.keys(row)).toEqual(['id', 'timestamp', 'model', 'req_path', 'resp_content_type', 'resp_status_code', 'tokens', 'duration_ms', 'has_capture', 'metadata']);
    expect(Object.keys(row.tokens)).toEqual(['cache_tokens', 'draft_tokens', 'draft_acc_tokens', 'input_tokens', 'output_tokens', 'prompt_per_second', 'tokens_per_second']);
    expect(row.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    const inc = (await getJson(`${h.url}/api/metrics/activity?min_id=4&sort=id&order=asc&limit=999`)).body;
    expect(inc.data.map((r: { id: number }) => r.id)).toEqual([4, 5, 6]);
    const paged = (await getJson(`${h.url}/api/metrics/activity?limit=2&page=2&order=asc`)).body;
    expect(paged).toMatchObject({ page: 2, limit: 2, total: 6, total_pages: 3 });
    expect(paged.data.map((r: { id: number }) => r.id)).toEqual([3, 4]);
    const byModel = (await getJson(`${h.url}/api/metrics/activity?model=e`)).body;
    expect(byModel.data.map((r: { model: string }) => r.model)).toEqual(['e']);
    const gen = (await getJson(`${h.url}/api/metrics/activity?sort=generated&order=desc&limit=1`)).body;
    expect(gen.data[0].tokens.output_tokens).toBe(5);
    for (const q of ['limit=0', 'limit=1000', 'page=0', 'min_id=5&max_id=2', 'sort=bogus', 'order=up', 'start=yesterday']) {
      expect((await getJson(`${h.url}/api/metrics/activity?${q}`)).status, q).toBe(400);
    }
    const stats = (await getJson(`${h.url}/api/metrics/stats`)).body;
    expect(Object.keys(stats)).toEqual(['total_requests', 'total_input_tokens', 'total_output_tokens', 'total_cache_tokens', 'prompt_histogram', 'gen_histogram']);
    expect(stats.total_requests).toBe(6);
    expect(stats.total_output_tokens).toBe(15);
    expect(Object.keys(stats.gen_histogram)).toEqual(['bins', 'min', 'max', 'binSize', 'p50', 'p95', 'p99']);
    const embStats = (await getJson(`${h.url}/api/metrics/stats?model=e`)).body;
    expect(embStats.gen_histogram).toBeNull();
  });

  it('prunes the in-memory store to metricsMaxInMemory', async () => {
    const h = await host({ ...cfg, metricsMaxInMemory: 2 });
    for (let i = 0; i < 4; i++) await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    expect((await getJson(`${h.url}/api/metrics/activity`)).body.data.map((r: { id: number }) => r.id)).toEqual([4, 3]);
  });
});

describe('captures', () => {
  it('stores base64 bodies with redacted headers; failed requests keep the request side only', async () => {
    const h = await host(cfg);
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, stream: true });
    await (await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { Authorization: 'Bearer zzz', 'Content-Type': 'application/json' }, body })).text();
    const cap = (await getJson(`${h.url}/api/captures/1`)).body;
    expect(Object.keys(cap)).toEqual(['id', 'req_path', 'req_headers', 'req_body', 'resp_headers', 'resp_body']);
    expect(cap.id).toBe(1);
    expect(cap.req_headers.Authorization).toBe('[REDACTED]');
    expect(Buffer.from(cap.req_body, 'base64').toString()).toBe(body);
    expect(Buffer.from(cap.resp_body, 'base64').toString()).toContain('data: [DONE]');
    expect(cap.resp_headers['Content-Type']).toBe('text/event-stream');
    h.faults.errorBurst(1);
    await (await chat(h, 'm', 'x')).text();
    const failed = (await getJson(`${h.url}/api/captures/2`)).body;
    expect(failed.resp_body).toBeNull();
    expect(failed.resp_headers).toBeNull();
    expect(failed.req_body).not.toBeNull();
    expect((await getJson(`${h.url}/api/captures/abc`)).status).toBe(400);
    expect((await getJson(`${h.url}/api/captures/99`)).body.error.message).toBe('capture not found');
  });

  it('evicts oldest first when the buffer is full; has_capture follows; 0 disables', async () => {
    const h = await host({ ...cfg, captureBuffer: 0.004 });
    for (let i = 0; i < 6; i++) await (await chat(h, 'm', 'x', { max_tokens: 3 })).text();
    const rows = (await getJson(`${h.url}/api/metrics/activity?order=asc`)).body.data as Array<{ id: number; has_capture: boolean }>;
    expect(rows.at(-1)?.has_capture).toBe(true);
    expect(rows[0]?.has_capture).toBe(false);
    expect((await getJson(`${h.url}/api/captures/1`)).status).toBe(404);
    const off = await host({ ...cfg, captureBuffer: 0 });
    await (await chat(off, 'm', 'x', { max_tokens: 1 })).text();
    expect((await getJson(`${off.url}/api/metrics/activity`)).body.data[0].has_capture).toBe(false);
  });
});

describe('/api/performance and /metrics', () => {
  it('samples follow load: VRAM with loaded models; after= is strictly after; null vs [] rules', async () => {
    const h = await host(cfg, { gpus: { count: 2, name: 'Sim GPU', totalMb: 24000 }, perfEveryMs: 50 });
    const first = await waitFor(async () => {
      const b = (await getJson(`${h.url}/api/performance`)).body;
      return b.sys_stats !== null ? b : undefined;
    }, 'first sample');
    expect(first.enabled).toBe(true);
    expect(first.sys_stats.length).toBeGreaterThan(0);
    const last = first.gpu_stats.at(-1);
    expect(Object.keys(last)).toEqual(['timestamp', 'id', 'name', 'uuid', 'temp_c', 'vram_temp_c', 'gpu_util_pct', 'mem_util_pct', 'mem_used_mb', 'mem_total_mb', 'fan_speed_pct', 'power_draw_w']);
    expect(Object.keys(first.sys_stats[0])).toEqual(['timestamp', 'cpu_util_per_core', 'mem_total_mb', 'mem_used_mb', 'mem_free_mb', 'swap_total_mb', 'swap_used_mb', 'load_avg_1', 'load_avg_5', 'load_avg_15', 'net_io']);
    const idle0 = first.gpu_stats.filter((g: { id: number }) => g.id === 0).at(-1).mem_used_mb;
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    const ts = first.sys_stats.at(-1).timestamp as string;
    const later = await waitFor(async () => {
      const b = (await getJson(`${h.url}/api/performance?after=${encodeURIComponent(ts)}`)).body;
      return b.gpu_stats.some((g: { id: number; mem_used_mb: number }) => g.id === 0 && g.mem_used_mb >= 5000) ? b : undefined;
    }, 'vram grows');
    expect(later.sys_stats.every((s: { timestamp: string }) => Date.parse(s.timestamp) > Date.parse(ts))).toBe(true);
    expect(idle0).toBeLessThan(100);
    const none = (await getJson(`${h.url}/api/performance?after=${encodeURIComponent('2999-01-01T00:00:00Z')}`)).body;
    expect(none).toEqual({ enabled: true, sys_stats: [], gpu_stats: [] });
    expect((await getJson(`${h.url}/api/performance?after=garbage`)).status).toBe(400);
    const cpuOnly = await host(cfg, { gpus: { count: 0 } });
    await waitFor(async () => (await getJson(`${cpuOnly.url}/api/performance`)).body.sys_stats !== null, 'cpu-only sample');
    expect((await getJson(`${cpuOnly.url}/api/performance`)).body.gpu_stats).toBeNull();
  });

  it('right after start (and after a restart) both lists are null until the first interval has passed', async () => {
    const h = await host(cfg, { gpus: { count: 1 }, perfEveryMs: 400 });
    expect((await getJson(`${h.url}/api/performance`)).body).toEqual({ enabled: true, sys_stats: null, gpu_stats: null });
    // with `after` the lists are empty, not null
    const since = encodeURIComponent('2000-01-01T00:00:00Z');
    expect((await getJson(`${h.url}/api/performance?after=${since}`)).body).toEqual({ enabled: true, sys_stats: [], gpu_stats: [] });
    const sampled = await waitFor(async () => {
      const b = (await getJson(`${h.url}/api/performance`)).body;
      return b.sys_stats !== null ? b : undefined;
    }, 'first sample');
    expect(sampled.sys_stats).toHaveLength(1);
    expect(sampled.gpu_stats).toHaveLength(1);
    await h.faults.restart();
    // the restart dropped the pooled keep-alive connection, so the first fetch may fail
    const fresh = await waitFor(() => getJson(`${h.url}/api/performance`).catch(() => undefined), 'host back');
    expect(fresh.body).toEqual({ enabled: true, sys_stats: null, gpu_stats: null });
  });

  it('/metrics is Prometheus text with llamaswap_* series; disabled performance → 503', async () => {
    const h = await host(cfg, { gpus: { count: 1, name: 'Sim GPU' } });
    // before the first sample there is nothing to export
    expect(await (await fetch(`${h.url}/metrics`)).text()).toBe('\n');
    await waitFor(async () => (await getJson(`${h.url}/api/performance`)).body.sys_stats !== null, 'first sample');
    const r = await fetch(`${h.url}/metrics`);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await r.text();
    expect(text).toMatch(/^# HELP llamaswap_cpu_util_percent /m);
    expect(text).toMatch(/^llamaswap_cpu_util_percent\{core="0"\} [\d.]+$/m);
    expect(text).toMatch(/^llamaswap_load_average\{interval="5m"\} [\d.]+$/m);
    expect(text).toMatch(/^llamaswap_network_bytes_total\{interface="eth0",direction="recv"\} \d+$/m);
    expect(text).toMatch(/^llamaswap_gpu_memory_total_bytes\{id="0",name="Sim GPU",uuid="GPU-[0-9a-f-]+"\} \d+$/m);
    const off = await host({ ...cfg, performance: { disabled: true } });
    expect(await getJson(`${off.url}/api/performance`)).toMatchObject({ status: 503, body: { enabled: false } });
    const m = await fetch(`${off.url}/metrics`);
    expect(m.status).toBe(503);
    expect(await m.text()).toBe('# performance monitor not available\n');
  });
});

describe('logs', () => {
  it('/logs has the proxy history; /logs/stream replays then follows; ?no-history skips; per-model and 400', async () => {
    const h = await host(cfg);
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    expect(await (await fetch(`${h.url}/logs`)).text()).toContain('POST /v1/chat/completions');
    expect((await fetch(`${h.url}/logs`, { headers: { Accept: 'text/html' }, redirect: 'manual' })).status).toBe(302);
    const read = (path: string): Promise<{ text: () => string; headers: Record<string, unknown>; close: () => void }> =>
      new Promise((resolve) => {
        let text = '';
        const req = request(`${h.url}${path}`, (res) => {
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          resolve({ text: () => text, headers: res.headers, close: () => req.destroy() });
        });
        req.end();
      });
    const all = await read('/logs/stream');
    const fresh = await read('/logs/stream/proxy?no-history');
    const model = await read('/logs/stream/m');
    expect(all.headers['x-accel-buffering']).toBe('no');
    await waitFor(() => all.text().includes('Starting process'), 'history');
    expect(model.text()).toContain('srv  log_server_r');
    expect(fresh.text()).toBe('');
    h.log('hello from the test');
    await waitFor(() => fresh.text().includes('hello from the test') && all.text().includes('hello from the test'), 'live line');
    expect(model.text()).not.toContain('hello from the test');
    for (const s of [all, fresh, model]) s.close();
    expect((await getJson(`${h.url}/logs/stream/nope`)).status).toBe(400);
  });
});
