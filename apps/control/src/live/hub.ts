import {
  ClientFrameSchema,
  MAX_CLIENT_FRAME_BYTES,
  PROTOCOL_VERSION,
  WS_CLOSE,
  parseTopicData,
  topicKind,
  type ErrorCode,
  type ServerFrame,
  type TopicKind,
} from '@boocontrol/contracts';

/** The minimum a transport socket must offer; tests pass fakes, production passes a `ws` socket. */
export interface HubSocket {
  send(data: string): void;
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
}

/** Owns a family of topics: returns the current snapshot of one, or undefined if it does not exist. */
export interface TopicProvider {
  snapshot(topic: string): unknown | undefined;
}

export interface HubOptions {
  /** A socket holding more unsent bytes than this loses deltas and is resynced by snapshot. */
  maxBufferedBytes?: number;
  resyncIntervalMs?: number;
  /** Parse every published payload through the contract schemas (catches drift at the source). */
  validate?: boolean;
  now?: () => Date;
}

export interface HubStats {
  connections: number;
  framesSent: number;
  deltasDropped: number;
  resyncs: number;
}

class Connection {
  helloed = false;
  readonly topics = new Set<string>();
  /** Topics whose deltas were dropped: they get a fresh snapshot once the socket drains. */
  readonly stale = new Set<string>();
  constructor(readonly socket: HubSocket) {}
}

/**
 * The live hub: topics with a per-topic sequence number, snapshot-then-deltas per subscription,
 * and bounded memory per socket. Memory stays bounded because the hub never queues: a delta is
 * either handed to the socket (whose own buffer we cap by `maxBufferedBytes`) or dropped and
 * replaced later by one snapshot.
 */
export class Hub {
  private readonly providers = new Map<TopicKind, TopicProvider>();
  private readonly seqs = new Map<string, number>();
  private readonly subscribers = new Map<string, Set<Connection>>();
  private readonly conns = new Set<Connection>();
  private readonly maxBuffered: number;
  private readonly validate: boolean;
  private readonly now: () => Date;
  private readonly timer: NodeJS.Timeout;
  readonly stats: HubStats = { connections: 0, framesSent: 0, deltasDropped: 0, resyncs: 0 };

  constructor(opts: HubOptions = {}) {
    this.maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
    this.validate = opts.validate ?? true;
    this.now = opts.now ?? (() => new Date());
    this.timer = setInterval(() => this.resyncStale(), opts.resyncIntervalMs ?? 100);
    this.timer.unref();
  }

  register(kind: TopicKind, provider: TopicProvider): void {
    this.providers.set(kind, provider);
  }

  seq(topic: string): number {
    return this.seqs.get(topic) ?? 0;
  }

  /** Publishes one delta. Publishers update their state before calling, so snapshots taken
   * afterwards already include it and carry this seq. */
  publish(topic: string, data: unknown): void {
    if (this.validate) parseTopicData(topic, 'event', data);
    const seq = this.seq(topic) + 1;
    this.seqs.set(topic, seq);
    const subs = this.subscribers.get(topic);
    if (!subs || subs.size === 0) return;
    const text = JSON.stringify({ type: 'event', topic, seq, data } satisfies ServerFrame);
    for (const conn of subs) {
      if (conn.stale.has(topic) || conn.socket.bufferedAmount > this.maxBuffered) {
        conn.stale.add(topic);
        this.stats.deltasDropped++;
        continue;
      }
      this.write(conn, text);
    }
  }

  hasSubscribers(topic: string): boolean {
    return (this.subscribers.get(topic)?.size ?? 0) > 0;
  }

  connect(socket: HubSocket): { onMessage(raw: string | Buffer): void; onClose(): void } {
    const conn = new Connection(socket);
    this.conns.add(conn);
    this.stats.connections = this.conns.size;
    return {
      onMessage: (raw) => this.handle(conn, raw),
      onClose: () => this.drop(conn),
    };
  }

  close(): void {
    clearInterval(this.timer);
    for (const conn of this.conns) conn.socket.close(WS_CLOSE.GOING_AWAY, 'control shutting down');
    this.conns.clear();
    this.subscribers.clear();
  }

  private handle(conn: Connection, raw: string | Buffer): void {
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (size > MAX_CLIENT_FRAME_BYTES) return this.error(conn, 'FRAME_TOO_LARGE', `frame of ${size} bytes exceeds ${MAX_CLIENT_FRAME_BYTES}`);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      return this.error(conn, 'BAD_FRAME', 'frame is not valid JSON');
    }
    const parsed = ClientFrameSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return this.error(conn, 'BAD_FRAME', `invalid frame: ${first ? `${first.path.join('.') || 'frame'}: ${first.message}` : 'unknown'}`);
    }
    const frame = parsed.data;
    switch (frame.type) {
      case 'hello':
        if (frame.protocol !== PROTOCOL_VERSION) {
          this.error(conn, 'PROTOCOL_MISMATCH', `server speaks protocol ${PROTOCOL_VERSION}, client sent ${frame.protocol}`);
          conn.socket.close(WS_CLOSE.PROTOCOL_ERROR, 'protocol mismatch');
          return;
        }
        conn.helloed = true;
        return this.send(conn, { type: 'welcome', protocol: PROTOCOL_VERSION, serverTime: this.now().toISOString() });
      case 'ping':
        return this.send(conn, { type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}), serverTime: this.now().toISOString() });
      case 'subscribe':
        if (!conn.helloed) return this.error(conn, 'BAD_FRAME', 'send hello before subscribing');
        for (const topic of frame.topics) this.subscribe(conn, topic);
        return;
      case 'unsubscribe':
        for (const topic of frame.topics) this.unsubscribe(conn, topic);
        return;
    }
  }

  private subscribe(conn: Connection, topic: string): void {
    const data = this.snapshotOf(topic);
    if (data === undefined) return this.error(conn, 'UNKNOWN_TOPIC', `no such topic: ${topic}`, topic);
    conn.topics.add(topic);
    conn.stale.delete(topic);
    let subs = this.subscribers.get(topic);
    if (!subs) this.subscribers.set(topic, (subs = new Set()));
    subs.add(conn);
    this.send(conn, { type: 'snapshot', topic, seq: this.seq(topic), data });
  }

  private unsubscribe(conn: Connection, topic: string): void {
    conn.topics.delete(topic);
    conn.stale.delete(topic);
    const subs = this.subscribers.get(topic);
    subs?.delete(conn);
    if (subs?.size === 0) this.subscribers.delete(topic);
  }

  private snapshotOf(topic: string): unknown | undefined {
    const provider = this.providers.get(topicKind(topic));
    const data = provider?.snapshot(topic);
    if (data !== undefined && this.validate) parseTopicData(topic, 'snapshot', data);
    return data;
  }

  private resyncStale(): void {
    for (const conn of this.conns) {
      if (conn.stale.size === 0 || conn.socket.bufferedAmount > this.maxBuffered / 2) continue;
      for (const topic of [...conn.stale]) {
        conn.stale.delete(topic);
        const data = this.snapshotOf(topic);
        if (data === undefined) {
          this.unsubscribe(conn, topic);
          continue;
        }
        this.stats.resyncs++;
        this.send(conn, { type: 'snapshot', topic, seq: this.seq(topic), data });
      }
    }
  }

  private drop(conn: Connection): void {
    for (const topic of conn.topics) this.unsubscribe(conn, topic);
    this.conns.delete(conn);
    this.stats.connections = this.conns.size;
  }

  private error(conn: Connection, code: ErrorCode, message: string, topic?: string): void {
    this.send(conn, { type: 'error', code, message, ...(topic ? { topic } : {}) });
  }

  private send(conn: Connection, frame: ServerFrame): void {
    this.write(conn, JSON.stringify(frame));
  }

  private write(conn: Connection, text: string): void {
    try {
      conn.socket.send(text);
      this.stats.framesSent++;
    } catch {
      this.drop(conn);
    }
  }
}
