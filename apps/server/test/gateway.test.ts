import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { PROTOCOL_VERSION, ServerFrameSchema, type ServerFrame } from '@boocontrol/contracts';
import { buildServerApp } from '../src/app';
import { startTestControl } from '../../control/test/helpers/control';
import { backends } from '../../control/test/helpers/db';

type Started = Awaited<ReturnType<typeof startTestControl>>;

function collect(ws: WebSocket): { frames: ServerFrame[]; next(pred: (f: ServerFrame) => boolean): Promise<ServerFrame> } {
  const frames: ServerFrame[] = [];
  const waiters: Array<{ pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];
  ws.on('message', (raw) => {
    const f = ServerFrameSchema.parse(JSON.parse(raw.toString()));
    frames.push(f);
    for (const w of [...waiters]) if (w.pred(f)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(f));
  });
  return {
    frames,
    next: (pred) => new Promise((resolve) => {
      const hit = frames.find(pred);
      if (hit) return resolve(hit);
      waiters.push({ pred, resolve });
    }),
  };
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));

describe.each(backends())('gateway relaying /api/control to a real control on $name', (backend) => {
  let control: Started;
  let controlUrl: string;
  let gw: FastifyInstance;
  let gwUrl: string;

  beforeAll(async () => {
    control = await startTestControl(backend);
    controlUrl = await control.control.app.listen({ host: '127.0.0.1', port: 0 });
    gw = await buildServerApp({ controlUrl });
    gwUrl = await gw.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await control?.close();
  });

  it('relays GET and keeps status, headers and body', async () => {
    const res = await fetch(`${gwUrl}/api/control/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { db: { backend: string; ok: boolean } };
    expect(body.db).toEqual({ backend: backend.name, ok: true });
  });

  it('relays request bodies and error bodies byte for byte', async () => {
    const res = await fetch(`${gwUrl}/api/control/jobs/nope/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_JSON');
    const bodiless = await fetch(`${gwUrl}/api/control/jobs/00000000-0000-0000-0000-000000000000/cancel`, { method: 'POST' });
    expect(bodiless.status).toBe(404);
    expect(((await bodiless.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const nf = await fetch(`${gwUrl}/api/control/does-not-exist?x=1`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('relays the WebSocket both ways and closes cleanly from either side', async () => {
    const ws = new WebSocket(`${gwUrl.replace('http', 'ws')}/api/control/ws`);
    const c = collect(ws);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    await c.next((f) => f.type === 'welcome');
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['fleet'] }));
    const snap = await c.next((f) => f.type === 'snapshot');
    expect(snap).toMatchObject({ topic: 'fleet', seq: expect.any(Number) });
    const done = closed(ws);
    ws.close(1000, 'bye');
    expect((await done).code).toBe(1000);
    // control sees the relayed socket go away
    await expect.poll(() => control.control.ctx.live.stats().connections, { timeout: 5000 }).toBe(0);
  });

  it('answers 502 JSON and closes WS with a reason when control is down', async () => {
    const dead = await buildServerApp({ controlUrl: 'http://127.0.0.1:9' });
    const deadUrl = await dead.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${deadUrl}/api/control/health`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CONTROL_UNAVAILABLE');
      const ws = new WebSocket(`${deadUrl.replace('http', 'ws')}/api/control/ws`);
      const c = await closed(ws);
      expect(c.code).toBe(1013);
      expect(c.reason).toMatch(/control service unavailable/);
    } finally {
      await dead.close();
    }
  });
});
