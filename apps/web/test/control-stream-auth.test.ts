import { describe, expect, it } from 'vitest';
import { WS_CLOSE } from '@boocontrol/contracts';
import { ControlStream, type SocketLike } from '../src/live/control-stream';

/** A socket the test drives by hand: records what the client sends, opens and closes on cue. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: 'token revoked' });
  }
}

describe('control stream with CONTROL_AUTH=token', () => {
  it('sends the token in hello, stops on 4401/4403 instead of reconnecting, and starts over on restart()', async () => {
    const sockets: FakeSocket[] = [];
    let token: string | null = 'boo_first';
    let refused = 0;
    const stream = new ControlStream({ url: 'ws://x/api/control/ws', createSocket: () => (sockets.push(new FakeSocket()), sockets.at(-1)!), token: () => token, onUnauthorized: () => refused++ });
    stream.subscribe('fleet', () => undefined);
    stream.start();
    sockets[0]!.open();
    expect(sockets[0]!.sent[0]).toEqual({ type: 'hello', protocol: 1, token: 'boo_first' });
    sockets[0]!.serverClose(WS_CLOSE.TOKEN_ENDED);
    expect(stream.status).toBe('unauthorized');
    expect(refused).toBe(1);
    await new Promise((r) => setTimeout(r, 1200)); // longer than the first reconnect delay
    expect(sockets).toHaveLength(1);
    token = 'boo_second';
    stream.restart();
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    expect(sockets[1]!.sent[0]).toEqual({ type: 'hello', protocol: 1, token: 'boo_second' });
    stream.stop();
  });

  it('sends no token field when there is none (CONTROL_AUTH=off)', () => {
    const s = new FakeSocket();
    const stream = new ControlStream({ url: 'ws://x', createSocket: () => s, token: () => null });
    stream.start();
    s.open();
    expect(s.sent[0]).toEqual({ type: 'hello', protocol: 1 });
    stream.stop();
  });
});
