import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema, HealthSchema, PROTOCOL_VERSION, ServerFrameSchema, type ServerFrame } from '@boocontrol/contracts';
import { startTestControl } from './helpers/control';
import { backends } from './helpers/db';

describe.each(backends())('control app on $name', (backend) => {
  let t: Awaited<ReturnType<typeof startTestControl>>;
  beforeAll(async () => {
    t = await startTestControl(backend);
  });
  afterAll(() => t?.close());

  it('reports health with the database backend', async () => {
    const res = await t.control.app.inject({ method: 'GET', url: '/api/control/health' });
    expect(res.statusCode).toBe(200);
    const h = HealthSchema.parse(res.json());
    expect(h.db).toEqual({ backend: backend.name, ok: true });
    expect(h.status).toBe('ok');
  });

  it('serves an OpenAPI document built from the route schemas', async () => {
    const res = await t.control.app.inject({ method: 'GET', url: '/api/control/openapi.json' });
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/control/health', '/api/control/jobs/{id}']));
    expect(doc.paths['/api/control/health']?.get?.responses['200']).toBeDefined();
    // agents retry mutating calls safely; the header is part of the documented contract
    const params = (path: string, method: string) => (doc.paths[path]?.[method] as unknown as { parameters: Array<{ name: string; in: string; required: boolean }> } | undefined)?.parameters ?? [];
    for (const [path, method] of [['/api/control/switch', 'post'], ['/api/control/warm', 'post'], ['/api/control/hosts/{id}/pull', 'post'], ['/api/control/hosts/{id}/config', 'put']] as const) {
      expect(params(path, method), `${method} ${path}`).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }));
    }
  });

  it('maps bad input to typed errors without taking the process down', async () => {
    const bad = await t.control.app.inject({ method: 'POST', url: '/api/control/jobs/x/cancel', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(bad.statusCode).toBe(400);
    expect(ErrorBodySchema.parse(bad.json()).error.code).toBe('BAD_JSON');
    const unknown = await t.control.app.inject({ method: 'GET', url: '/api/control/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(ErrorBodySchema.parse(unknown.json()).error.code).toBe('NOT_FOUND');
    const q = await t.control.app.inject({ method: 'GET', url: '/api/control/jobs?limit=100000' });
    expect(q.statusCode).toBe(400);
    expect(ErrorBodySchema.parse(q.json()).error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('limit') });
    const missing = await t.control.app.inject({ method: 'GET', url: '/api/control/jobs/00000000-0000-0000-0000-000000000000' });
    expect(missing.statusCode).toBe(404);
    const ok = await t.control.app.inject({ method: 'GET', url: '/api/control/health' });
    expect(ok.statusCode).toBe(200);
  });

  it('speaks the sequenced WS protocol and answers bad frames with typed errors', async () => {
    const ws = await t.control.app.injectWS('/api/control/ws');
    const frames: ServerFrame[] = [];
    ws.on('message', (raw: Buffer) => frames.push(ServerFrameSchema.parse(JSON.parse(raw.toString()))));
    const until = (n: number) => expect.poll(() => frames.length, { timeout: 5000 }).toBeGreaterThanOrEqual(n);
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    await until(1);
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['fleet', 'jobs'] }));
    await until(3);
    ws.send('not json');
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['nope'] }));
    ws.send('x'.repeat(17_000));
    await until(6);
    expect(frames.map((f) => f.type)).toEqual(['welcome', 'snapshot', 'snapshot', 'error', 'error', 'error']);
    expect(frames.slice(3).map((f) => (f as { code: string }).code)).toEqual(['BAD_FRAME', 'BAD_FRAME', 'FRAME_TOO_LARGE']);
    ws.terminate();
  });
});
