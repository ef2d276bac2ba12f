import { PROTOCOL_VERSION, ServerFrameSchema, WS_CLOSE, parseTopicData, type ClientFrame, type ServerFrame } from '@boocontrol/contracts';
import { reconnectDelay } from './backoff';
import { reducerFor } from './reducers';

/** `unauthorized`: control refused the stream's credentials; it waits for `restart()` with a new token. */
export type StreamStatus = 'connecting' | 'online' | 'offline' | 'unauthorized';

/** The subset of the browser WebSocket the client needs (Node tests pass the `ws` package). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

interface TopicEntry {
  refs: number;
  seq: number | null;
  state: unknown;
  listeners: Set<() => void>;
}

export interface StreamOptions {
  url: string;
  createSocket?: SocketFactory;
  /** Called for frames that fail the contract (counted, never thrown into React). */
  onInvalidFrame?: (err: unknown) => void;
  /** The API token to send in the hello frame (CONTROL_AUTH=token); read at every (re)connect. */
  token?: () => string | null;
  /** Control refused the credentials (close 4401) or ended them (4403, token revoked/expired). */
  onUnauthorized?: () => void;
}

/**
 * The one control-stream client of the web app. It owns a single WebSocket, reconnects with
 * backoff (see backoff.ts), re-sends hello + subscriptions on every reconnect, and resyncs a
 * topic by resubscribing when it sees a sequence gap. Every frame is zod-parsed with the same
 * contract schemas control publishes with.
 */
export class ControlStream {
  private socket: SocketLike | null = null;
  private readonly topics = new Map<string, TopicEntry>();
  private readonly statusListeners = new Set<() => void>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private _status: StreamStatus = 'connecting';
  invalidFrames = 0;
  lastError: string | null = null;

  constructor(private readonly opts: StreamOptions) {}

  get status(): StreamStatus {
    return this._status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      s.close(1000, 'client stopped');
    }
    this.setStatus('offline');
  }

  /** Starts over after new credentials: a fresh socket, the same subscriptions. */
  restart(): void {
    this.stop();
    this.attempt = 0;
    this.start();
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Reference-counted subscription; the listener fires whenever the topic state changes. */
  subscribe(topic: string, listener: () => void): () => void {
    let entry = this.topics.get(topic);
    if (!entry) {
      entry = { refs: 0, seq: null, state: undefined, listeners: new Set() };
      this.topics.set(topic, entry);
    }
    entry.refs++;
    entry.listeners.add(listener);
    if (entry.refs === 1 && this._status === 'online') this.send({ type: 'subscribe', topics: [topic] });
    return () => {
      const e = this.topics.get(topic);
      if (!e) return;
      e.listeners.delete(listener);
      if (--e.refs > 0) return;
      this.topics.delete(topic);
      if (this._status === 'online') this.send({ type: 'unsubscribe', topics: [topic] });
    };
  }

  state<S>(topic: string): S | undefined {
    return this.topics.get(topic)?.state as S | undefined;
  }

  private open(): void {
    this.setStatus('connecting');
    const factory = this.opts.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = factory(this.opts.url);
    } catch (err) {
      this.lastError = String(err);
      return this.scheduleReconnect();
    }
    this.socket = socket;
    socket.onopen = () => {
      const token = this.opts.token?.();
      this.send({ type: 'hello', protocol: PROTOCOL_VERSION, ...(token ? { token } : {}) });
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => undefined; // onclose follows and decides
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.lastError = ev.reason || `closed (${ev.code})`;
      for (const e of this.topics.values()) e.seq = null;
      if (ev.code === WS_CLOSE.UNAUTHORIZED || ev.code === WS_CLOSE.TOKEN_ENDED) {
        // Reconnecting with the same credentials would be refused again: wait for new ones.
        this.setStatus('unauthorized');
        this.opts.onUnauthorized?.();
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setStatus('offline');
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.open();
    }, reconnectDelay(this.attempt));
  }

  private receive(raw: unknown): void {
    let frame: ServerFrame;
    try {
      frame = ServerFrameSchema.parse(JSON.parse(typeof raw === 'string' ? raw : String(raw)));
    } catch (err) {
      return this.invalid(err);
    }
    switch (frame.type) {
      case 'welcome':
        this.attempt = 0;
        this.setStatus('online');
        if (this.topics.size > 0) this.send({ type: 'subscribe', topics: [...this.topics.keys()] });
        return;
      case 'snapshot':
      case 'event':
        return this.applyTopicFrame(frame);
      case 'error':
        this.lastError = `${frame.code}: ${frame.message}`;
        return;
      case 'pong':
        return;
    }
  }

  private applyTopicFrame(frame: Extract<ServerFrame, { type: 'snapshot' | 'event' }>): void {
    const entry = this.topics.get(frame.topic);
    if (!entry) return;
    let data: unknown;
    try {
      data = parseTopicData(frame.topic, frame.type, frame.data);
    } catch (err) {
      return this.invalid(err);
    }
    const reducer = reducerFor(frame.topic);
    if (frame.type === 'snapshot') {
      entry.seq = frame.seq;
      entry.state = reducer.snapshot(data);
    } else {
      if (entry.seq === null) return; // waiting for the snapshot of a (re)subscription
      if (frame.seq <= entry.seq) return; // duplicate
      if (frame.seq !== entry.seq + 1) {
        // A gap: deltas were lost. Resubscribing brings a fresh snapshot.
        entry.seq = null;
        this.send({ type: 'subscribe', topics: [frame.topic] });
        return;
      }
      entry.seq = frame.seq;
      entry.state = reducer.event(entry.state, data);
    }
    for (const l of entry.listeners) l();
  }

  private invalid(err: unknown): void {
    this.invalidFrames++;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.opts.onInvalidFrame?.(err);
  }

  private send(frame: ClientFrame): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(frame));
  }

  private setStatus(s: StreamStatus): void {
    if (this._status === s) return;
    this._status = s;
    for (const l of this.statusListeners) l();
  }
}
