// Management routes and error bodies per wire generation (protocol reference §2).
import { afterEach, describe, expect, it } from 'vitest';
import { chat, closeAll, getJson, host, twoModels } from './helpers';
import type { SimConfig } from '../src/index';

afterEach(closeAll);

const rich: SimConfig = {
  models: {
    'org/qwen3-32b': {
      loadMs: 20,
      genTps: 2000,
      name: 'Qwen3 32B',
      description: 'coder',
      aliases: ['q32'],
      capabilities: { in: ['text', 'image'], out: ['text'], tools: true, context: 32768 },
      metadata: { tier: 'gold' },
    },
    hidden: { loadMs: 20, unlisted: true },
    plain: { loadMs: 20, genTps: 2000 },
  },
};

describe('HEAD routes', () => {
  it('/health is public plain OK', async () => {
    const h = await host(twoModels);
    const r = await fetch(`${h.url}/health`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('OK');
  });

  it('/v1/models records: sorted, unlisted omitted, capability fields, meta.llamaswap, status', async () => {
    const h = await host(rich);
    const { status, body } = await getJson(`${h.url}/v1/models`);
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data.map((d: { id: string }) => d.id)).toEqual(['org/qwen3-32b', 'plain']);
    const q = body.data[0];
    expect(q).toMatchObject({
      id: 'org/qwen3-32b',
      object: 'model',
      owned_by: 'llama-swap',
      name: 'Qwen3 32B',
      description: 'coder',
      architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'], modality: 'text+image->text' },
      capabilities: { vision: true, function_calling: true },
      supported_parameters: ['tools', 'tool_choice'],
      context_length: 32768,
      meta: { llamaswap: { tier: 'gold', type: 'model', aliases: ['q32'] }, n_ctx: 32768 },
      status: { value: 'unloaded' },
    });
    expect(typeof q.created).toBe('number');
    const p = body.data[1];
    expect(Object.keys(p).sort()).toEqual(['created', 'id', 'meta', 'object', 'owned_by', 'status']);
    await (await chat(h, 'plain', 'x')).text();
    const after = await getJson(`${h.url}/models`);
    expect(after.body.data[1].status).toEqual({ value: 'loaded' });
  });

  it('/v1/models echoes Origin; other responses carry no CORS header', async () => {
    const h = await host(twoModels);
    const a = await fetch(`${h.url}/v1/models`, { headers: { Origin: 'http://x.test' } });
    expect(a.headers.get('access-control-allow-origin')).toBe('http://x.test');
    const b = await fetch(`${h.url}/running`, { headers: { Origin: 'http://x.test' } });
    expect(b.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('OPTIONS preflight is 204 with permissive CORS and no auth', async () => {
    const h = await host({ ...twoModels, apiKeys: ['k'] });
    const r = await fetch(`${h.url}/api/events`, { method: 'OPTIONS' });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(r.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization, Accept, X-Requested-With');
    expect(r.headers.get('access-control-max-age')).toBe('86400');
  });

  it('/running lists non-stopped processes with the documented fields, sorted by model', async () => {
    const h = await host(twoModels);
    expect((await getJson(`${h.url}/running`)).body).toEqual({ running: [] });
    await (await chat(h, 'beta', 'x')).text();
    const { body } = await getJson(`${h.url}/running`);
    expect(body.running).toHaveLength(1);
    expect(Object.keys(body.running[0]).sort()).toEqual(['cmd', 'description', 'model', 'name', 'proxy', 'state', 'ttl']);
    expect(body.running[0]).toMatchObject({ model: 'beta', state: 'ready' });
  });

  it('unload routes block until stopped: GET /unload → OK, POST /api/models/unload → {"msg":"ok"}, per model → OK', async () => {
    const h = await host(rich);
    await (await chat(h, 'q32', 'x')).text();
    const one = await fetch(`${h.url}/api/models/unload/${encodeURIComponent('org/qwen3-32b')}`, { method: 'POST' });
    expect(one.status).toBe(200);
    expect(await one.text()).toBe('OK');
    expect(h.models().find((m) => m.id === 'org/qwen3-32b')?.state).toBe('stopped');
    await (await chat(h, 'plain', 'x')).text();
    const all = await getJson(`${h.url}/api/models/unload`, { method: 'POST' });
    expect(all.body).toEqual({ msg: 'ok' });
    expect(h.models().every((m) => m.state === 'stopped')).toBe(true);
    await (await chat(h, 'plain', 'x')).text();
    const g = await fetch(`${h.url}/unload`);
    expect(await g.text()).toBe('OK');
    expect(h.models().every((m) => m.state === 'stopped')).toBe(true);
    const unknown = await getJson(`${h.url}/api/models/unload/nope`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('model not found');
  });

  it('unknown paths are Go 404 text; wrong methods 405', async () => {
    const h = await host(twoModels);
    const r = await fetch(`${h.url}/nope`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await r.text()).toBe('404 page not found\n');
    const m = await fetch(`${h.url}/running`, { method: 'POST' });
    expect(m.status).toBe(405);
    const g = await fetch(`${h.url}/v1/chat/completions`);
    expect(g.status).toBe(405);
    expect(g.headers.get('allow')).toBe('POST');
  });

  it('/api/hardware describes the simulated GPUs', async () => {
    const h = await host(twoModels, { gpus: { count: 2, name: 'Sim GPU', totalMb: 1000, powerLimitW: 100 } });
    const { body } = await getJson(`${h.url}/api/hardware`);
    expect(body.accelerators).toHaveLength(2);
    expect(body.accelerators[1]).toMatchObject({ index: 1, kind: 'gpu', model: 'Sim GPU', memory: { kind: 'dedicated', capacity_bytes: 1000 * 1024 * 1024 }, power_limit_watts: 100 });
  });

  it('HEAD error envelope, and Accept negotiation to text/plain and text/html', async () => {
    const h = await host(twoModels);
    const j = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"model":"nope"}' });
    expect(j.status).toBe(404);
    expect(j.headers.get('content-type')).toBe('application/json');
    expect(j.body).toEqual({ src: 'llama-swap', error: { message: 'no local server found for requested model', type: 'invalid_request_error', param: null, code: 'not_found' } });
    const noModel = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(noModel.body.error.message).toBe('no model id could be identified');
    const t = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { Accept: 'text/plain' }, body: '{"model":"nope"}' });
    expect(await t.text()).toBe('llama-swap: no local server found for requested model');
    const html = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { Accept: 'text/html' }, body: '{"model":"nope"}' });
    expect(html.headers.get('content-type')).toBe('text/html');
    expect(await html.text()).toContain('<h1>llama-swap</h1>');
  });

  it('/api/version, /api/profiles and profile switching', async () => {
    const h = await host({ ...twoModels, profiles: { fast: { description: 'quick', pins: { alpha: 'beta' } } } });
    const v = await getJson(`${h.url}/api/version`);
    expect(Object.keys(v.body)).toEqual(['version', 'commit', 'build_date']);
    expect(v.body.version).toBe('v250');
    expect((await getJson(`${h.url}/api/profiles`)).body).toEqual({ active: null, profiles: [{ id: 'fast', description: 'quick', pins: { alpha: 'beta' } }] });
    const put = await getJson(`${h.url}/api/profiles/active`, { method: 'PUT', body: '{"name":"fast"}' });
    expect(put.body).toEqual({ active: 'fast' });
    const r = await chat(h, 'alpha', 'x');
    await r.text();
    expect(h.models().find((m) => m.id === 'beta')?.state).toBe('ready');
    expect((await getJson(`${h.url}/api/profiles/active`, { method: 'PUT', body: '{"name":"zzz"}' })).status).toBe(404);
    expect((await getJson(`${h.url}/api/profiles/active`, { method: 'PUT', body: '{"name":5}' })).status).toBe(400);
  });

  it('/upstream: redirect without trailing slash, longest match with "/", 404 unknown, 409 for ignorePaths', async () => {
    const h = await host(rich);
    const red = await fetch(`${h.url}/upstream/org/qwen3-32b`, { redirect: 'manual' });
    expect(red.status).toBe(301);
    expect(red.headers.get('location')).toBe('/upstream/org/qwen3-32b/');
    const post = await fetch(`${h.url}/upstream/plain`, { method: 'POST', redirect: 'manual' });
    expect(post.status).toBe(308);
    expect((await getJson(`${h.url}/upstream/nope/health`)).status).toBe(404);
    const ign = await getJson(`${h.url}/upstream/plain/static/app.js`);
    expect(ign.status).toBe(409);
    expect(ign.body.error.message).toBe('model plain is not loaded; path matches upstream.ignorePaths');
    const health = await getJson(`${h.url}/upstream/org/qwen3-32b/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(h.models().find((m) => m.id === 'org/qwen3-32b')?.state).toBe('ready');
    const props = await getJson(`${h.url}/upstream/q32/props`);
    expect(props.body.total_slots).toBe(4);
    expect((await fetch(`${h.url}/upstream`, { redirect: 'manual' })).headers.get('location')).toBe('/ui/models');
  });
});

describe('v235 routes', () => {
  it('string error bodies, bare 429 body, legacy /v1/models, no HEAD-only routes', async () => {
    const h = await host(rich, { wire: 'v235' });
    const j = await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: '{"model":"nope"}' });
    expect(j.body).toEqual({ src: 'llama-swap', error: 'no local server found for requested model' });
    const m = await getJson(`${h.url}/v1/models`);
    expect(m.body.data[0]).toEqual({ id: 'org/qwen3-32b', object: 'model', created: m.body.data[0].created, owned_by: 'llama-swap', name: 'Qwen3 32B', description: 'coder', meta: { llamaswap: { tier: 'gold' } } });
    expect(m.body.data[1]).not.toHaveProperty('meta');
    for (const p of ['/api/metrics/activity', '/api/metrics/stats', '/api/profiles', '/models']) {
      const r = await fetch(`${h.url}${p}`);
      expect(r.status, p).toBe(404);
      expect(await r.text()).toBe('404 page not found\n');
    }
    expect((await getJson(`${h.url}/api/version`)).body.version).toBe('v235');
    expect((await getJson(`${h.url}/api/metrics`)).body).toEqual([]);
  });
});
