import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ControlStream, type SocketLike } from '../src/live/control-stream';
import type { ActivityRowLive, BenchLiveFrame } from '@boocontrol/contracts';
import type { BenchView, FleetView, JobsView } from '../src/live/reducers';
import { startTestControl } from '../../control/test/helpers/control';
import { backends } from '../../control/test/helpers/db';

/** The browser client, run in Node against a real control: what control emits, the web accepts. */
const nodeSocket = (url: string) => {
  const ws = new WebSocket(url);
  const s = {
    get readyState() {
      return ws.readyState;
    },
    send: (d: string) => ws.send(d),
    close: (code?: number, reason?: string) => ws.close(code, reason),
    onopen: null as SocketLike['onopen'],
    onclose: null as SocketLike['onclose'],
    onerror: null as SocketLike['onerror'],
    onmessage: null as SocketLike['onmessage'],
  };
  ws.on('open', () => s.onopen?.({}));
  ws.on('message', (d) => s.onmessage?.({ data: d.toString() }));
  ws.on('close', (code, reason) => s.onclose?.({ code, reason: reason.toString() }));
  ws.on('error', (e) => s.onerror?.(e));
  return s;
};

describe.each(backends())('contract drift: control frames through the web client on $name', (backend) => {
  let t: Awaited<ReturnType<typeof startTestControl>>;
  let url: string;
  beforeAll(async () => {
    t = await startTestControl(backend);
    url = (await t.control.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws') + '/api/control/ws';
  });
  afterAll(() => t?.close());

  it('accepts every frame control publishes and reduces it', async () => {
    const stream = new ControlStream({ url, createSocket: nodeSocket });
    const unsubFleet = stream.subscribe('fleet', () => undefined);
    const unsubJobs = stream.subscribe('jobs', () => undefined);
    const unsubActivity = stream.subscribe('activity', () => undefined);
    const unsubBench = stream.subscribe('bench', () => undefined);
    stream.start();
    await expect.poll(() => stream.status, { timeout: 5000 }).toBe('online');
    await expect.poll(() => stream.state<FleetView>('fleet') !== undefined, { timeout: 5000 }).toBe(true);
    await expect.poll(() => stream.state<ActivityRowLive[]>('activity') !== undefined, { timeout: 5000 }).toBe(true);
    await expect.poll(() => stream.state<BenchView>('bench') !== undefined, { timeout: 5000 }).toBe(true);

    const { fleet, queue, bus } = t.control.ctx;
    const stored = { id: 41, hostId: 'drift-1', epoch: 0, upstreamId: 7, ts: new Date(), model: 'm', path: '/v1/chat/completions', status: 200, contentType: 'text/event-stream' };
    const tokens = { inputTokens: 1, outputTokens: 35, cacheTokens: 236, draftTokens: -1, draftAccTokens: -1, promptTps: 32.3, genTps: 52.9, durationMs: 4212, error: null, hasCapture: false, metadata: null };
    bus.publish({ type: 'activity.stored', rows: [{ ...stored, ...tokens, ttftMs: 3550.4, promptMs: 31 }, { ...stored, id: 42, upstreamId: 8, ...tokens, ttftMs: null, promptMs: null }] });
    fleet.upsert({ id: 'drift-1', label: 'Drift', kind: 'llama-swap', baseUrl: 'http://127.0.0.1:1', source: 'ui' });
    fleet.update('drift-1', { status: 'online', models: [{ id: 'm', name: 'M', description: '', state: 'ready', unlisted: false, aliases: [], contextLength: 4096, since: new Date().toISOString() }] });
    queue.registry.register({ jobType: 'probe', params: z.object({}), run: async (ctx) => void ctx.log('line 1\n') });
    const { job } = await queue.enqueue({ hostId: 'drift-1', jobType: 'probe', params: {} });
    await queue.wait(job.id, 5000);

    // a bench frame as the bench job publishes it, mid-point with the previous point's figures
    const frame: BenchLiveFrame = {
      runId: 'run-1', jobId: 'job-1', hostId: 'drift-1', model: 'm', status: 'running', index: 1, of: 3, level: 2, phase: 'measure',
      requests: { done: 14, errors: 1, shed: 0, inflight: 2 }, lastPoint: { index: 0, level: 1, ttftP50Ms: 41.5, outputTps: null }, at: new Date().toISOString(),
    };
    bus.publish({ type: 'bench.progress', frame });
    bus.publish({ type: 'bench.progress', frame: { ...frame, phase: 'done', status: 'succeeded', index: 2, lastPoint: { index: 2, level: 4, ttftP50Ms: 52, outputTps: 380.2 } } });
    await expect.poll(() => stream.state<BenchView>('bench')?.['run-1']?.status, { timeout: 5000 }).toBe('succeeded');
    expect(stream.state<BenchView>('bench')?.['run-1']).toMatchObject({ phase: 'done', lastPoint: { level: 4, outputTps: 380.2 } });
    await expect.poll(() => stream.state<FleetView>('fleet')?.hosts.find((h) => h.id === 'drift-1')?.models[0]?.state, { timeout: 5000 }).toBe('ready');
    await expect.poll(() => stream.state<JobsView>('jobs')?.frames[job.id]?.status, { timeout: 5000 }).toBe('succeeded');
    expect(stream.state<JobsView>('jobs')?.output[job.id]).toBe('line 1\n');
    await expect.poll(() => stream.state<ActivityRowLive[]>('activity')?.find((r) => r.id === '41')?.ttftMs, { timeout: 5000 }).toBe(3550.4);
    expect(stream.state<ActivityRowLive[]>('activity')?.find((r) => r.id === '42')).toMatchObject({ ttftMs: null, promptMs: null, cacheTokens: 236 });
    expect(stream.invalidFrames).toBe(0);
    unsubFleet();
    unsubJobs();
    unsubActivity();
    unsubBench();
    stream.stop();
  });

  it('rejects a frame that breaks the contract and resyncs on a sequence gap', async () => {
    const sent: string[] = [];
    let sock!: SocketLike;
    const stream = new ControlStream({
      url: 'ws://unused',
      createSocket: () => {
        sock = { readyState: 1, send: (d) => void sent.push(d), close: () => undefined, onopen: null, onclose: null, onerror: null, onmessage: null };
        return sock;
      },
    });
    stream.subscribe('fleet', () => undefined);
    stream.start();
    sock.onopen?.({});
    sock.onmessage?.({ data: JSON.stringify({ type: 'welcome', protocol: 1, serverTime: new Date().toISOString() }) });
    sock.onmessage?.({ data: JSON.stringify({ type: 'snapshot', topic: 'fleet', seq: 3, data: { hosts: [] } }) });
    sock.onmessage?.({ data: JSON.stringify({ type: 'event', topic: 'fleet', seq: 4, data: { kind: 'host', host: { id: 'x' } } }) });
    expect(stream.invalidFrames).toBe(1);
    sock.onmessage?.({ data: JSON.stringify({ type: 'event', topic: 'fleet', seq: 9, data: { kind: 'removed', hostId: 'x' } }) });
    expect(sent.at(-1)).toBe(JSON.stringify({ type: 'subscribe', topics: ['fleet'] }));
    stream.stop();
  });
});
