// /api/events: llama-swap's SSE broadcaster. Frames are `event:message\ndata:<envelope>\n\n` with a
// double-encoded envelope, no ids, no retry, no heartbeats. Each connection has a bounded queue
// (1024 at HEAD, 25 in v235) of frames not yet written; when the socket is blocked and the queue is
// full, new frames are dropped silently, modelStatus included.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function frame(type: string, payload: unknown): string {
  return `event:message\ndata:${JSON.stringify({ type, data: JSON.stringify(payload) })}\n\n`;
}

class SseConn {
  private queue: string[] = [];
  private blocked = false;
  dropped = 0;
  closed = false;

  constructor(
    readonly res: ServerResponse,
    private readonly limit: number,
    private readonly isFrozen: () => boolean,
  ) {
    res.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  push(f: string): void {
    if (this.closed) return;
    if (this.queue.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.queue.push(f);
    this.flush();
  }

  /** Writes raw bytes bypassing the queue (malformed-frame fault). */
  raw(s: string): void {
    if (!this.closed) this.res.write(s);
  }

  flush(): void {
    if (this.closed || this.isFrozen()) return;
    while (!this.blocked && this.queue.length > 0) {
      const f = this.queue.shift() ?? '';
      if (!this.res.write(f)) this.blocked = true;
    }
  }

  close(mode: 'end' | 'destroy'): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    if (mode === 'destroy') this.res.destroy();
    else this.res.end();
  }
}

export class EventHub {
  private conns = new Set<SseConn>();
  frozen = false;

  constructor(private readonly bufferSize: number) {}

  get size(): number {
    return this.conns.size;
  }

  /** Opens a stream; `burst` frames are queued right after subscribing, as llama-swap does. */
  attach(req: IncomingMessage, res: ServerResponse, burst: () => string[]): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const c = new SseConn(res, this.bufferSize, () => this.frozen);
    this.conns.add(c);
    const done = (): void => {
      c.closed = true;
      this.conns.delete(c);
    };
    req.on('close', done);
    res.on('close', done);
    for (const f of burst()) c.push(f);
  }

  broadcast(type: string, payload: unknown): void {
    if (this.conns.size === 0) return;
    const f = frame(type, payload);
    for (const c of this.conns) c.push(f);
  }

  raw(s: string): number {
    for (const c of this.conns) c.raw(s);
    return this.conns.size;
  }

  closeAll(mode: 'end' | 'destroy' = 'end'): number {
    const n = this.conns.size;
    for (const c of [...this.conns]) c.close(mode);
    this.conns.clear();
    return n;
  }

  setFrozen(v: boolean): void {
    this.frozen = v;
    if (!v) for (const c of this.conns) c.flush();
  }

  droppedTotal(): number {
    let n = 0;
    for (const c of this.conns) n += c.dropped;
    return n;
  }
}
