import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, ServerFrameSchema, type HostSummary, type ServerFrame } from '@boocontrol/contracts';
import { Hub, type HubSocket } from '../src/live/hub';
import { FleetState } from '../src/fleet/fleet-state';
import { EventBus } from '../src/events/bus';
import { LiveBridge } from '../src/live/bridge';

class FakeSocket implements HubSocket {
  frames: ServerFrame[] = [];
  bufferedAmount = 0;
  closed?: { code?: number; reason?: string };
  send(data: string) {
    this.frames.push(ServerFrameSchema.parse(JSON.parse(data)));
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
  of(type: ServerFrame['type']) {
    return this.frames.filter((f) => f.type === type);
  }
}

const host = (id: string, patch: Partial<HostSummary> = {}) => ({ id, label: id.toUpperCase(), kind: 'llama-swap' as const, baseUrl: `http://${id}`, source: 'config' as const, ...patch });

function setup() {
  const hub = new Hub({ resyncIntervalMs: 10, maxBufferedBytes: 1000 });
  const bus = new EventBus();
  const fleet = new FleetState(bus);
  new LiveBridge(bus, hub).fleet(fleet);
  const sock = new FakeSocket();
  const conn = hub.connect(sock);
  const say = (f: unknown) => conn.onMessage(typeof f === 'string' ? f : JSON.stringify(f));
  return { hub, fleet, sock, conn, say };
}

describe('live hub', () => {
  let hub: Hub | undefined;
  afterEach(() => hub?.close());

  it('welcomes, then gives a snapshot with the current seq and numbered deltas', () => {
    const s = setup();
    hub = s.hub;
    s.fleet.upsert(host('a'));
    s.say({ type: 'hello', protocol: PROTOCOL_VERSION });
    expect(s.sock.frames[0]).toMatchObject({ type: 'welcome', protocol: PROTOCOL_VERSION });
    s.say({ type: 'subscribe', topics: ['fleet'] });
    const snap = s.sock.of('snapshot')[0]!;
    expect(snap).toMatchObject({ topic: 'fleet', seq: 1 });
    expect((snap as { data: { hosts: HostSummary[] } }).data.hosts.map((h) => h.id)).toEqual(['a']);
    s.fleet.update('a', { status: 'online' });
    s.fleet.upsert(host('b'));
    const events = s.sock.of('event');
    expect(events.map((e) => (e as { seq: number }).seq)).toEqual([2, 3]);
  });

  it('refuses a wrong protocol version with a typed error and closes', () => {
    const s = setup();
    hub = s.hub;
    s.say({ type: 'hello', protocol: PROTOCOL_VERSION + 1 });
    expect(s.sock.frames[0]).toMatchObject({ type: 'error', code: 'PROTOCOL_MISMATCH' });
    expect(s.sock.closed?.code).toBe(1002);
  });

  it('answers bad input with typed errors and stays open', () => {
    const s = setup();
    hub = s.hub;
    s.say('{nope');
    s.say({ type: 'launch-missiles' });
    s.say({ type: 'subscribe', topics: ['fleet'] }); // before hello
    s.say({ type: 'hello', protocol: PROTOCOL_VERSION });
    s.say({ type: 'subscribe', topics: ['host:ghost'] });
    s.say('x'.repeat(20_000));
    const codes = s.sock.of('error').map((e) => (e as { code: string }).code);
    expect(codes).toEqual(['BAD_FRAME', 'BAD_FRAME', 'BAD_FRAME', 'UNKNOWN_TOPIC', 'FRAME_TOO_LARGE']);
    expect(s.sock.closed).toBeUndefined();
    s.say({ type: 'ping', t: 7 });
    expect(s.sock.frames.at(-1)).toMatchObject({ type: 'pong', t: 7 });
  });

  it('drops deltas for a slow socket and resyncs it with one fresh snapshot', async () => {
    const s = setup();
    hub = s.hub;
    s.fleet.upsert(host('a'));
    s.say({ type: 'hello', protocol: PROTOCOL_VERSION });
    s.say({ type: 'subscribe', topics: ['fleet'] });
    s.sock.bufferedAmount = 10_000; // the client stopped reading
    const before = s.sock.frames.length;
    for (let i = 0; i < 500; i++) s.fleet.update('a', { statusReason: `tick ${i}` });
    expect(s.sock.frames.length).toBe(before); // nothing queued in our memory
    expect(s.hub.stats.deltasDropped).toBe(500);
    s.sock.bufferedAmount = 0; // drained
    await new Promise((r) => setTimeout(r, 50));
    const last = s.sock.frames.at(-1) as { type: string; seq: number; data: { hosts: HostSummary[] } };
    expect(last.type).toBe('snapshot');
    expect(last.seq).toBe(s.hub.seq('fleet'));
    expect(last.data.hosts[0]?.statusReason).toBe('tick 499');
    s.fleet.update('a', { statusReason: 'after' });
    expect(s.sock.frames.at(-1)).toMatchObject({ type: 'event', seq: last.seq + 1 });
  });

  it('stops sending after unsubscribe and after close', () => {
    const s = setup();
    hub = s.hub;
    s.fleet.upsert(host('a'));
    s.say({ type: 'hello', protocol: PROTOCOL_VERSION });
    s.say({ type: 'subscribe', topics: ['fleet', 'host:a'] });
    s.say({ type: 'unsubscribe', topics: ['fleet'] });
    const n = s.sock.frames.length;
    s.fleet.update('a', { status: 'online' });
    expect(s.sock.frames.length).toBe(n + 1); // host:a only
    s.conn.onClose();
    s.fleet.update('a', { status: 'offline' });
    expect(s.sock.frames.length).toBe(n + 1);
    expect(s.hub.hasSubscribers('host:a')).toBe(false);
  });

  it('refuses to publish a payload that does not fit the topic contract', () => {
    const s = setup();
    hub = s.hub;
    expect(() => s.hub.publish('fleet', { kind: 'host', host: { id: 'x' } })).toThrow();
  });
});
