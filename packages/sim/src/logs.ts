// llama-swap's logmon: each source keeps a 100 KiB history ring and broadcasts raw chunks to
// subscribers. Chunks are arbitrary slices (partial lines, ANSI colour codes), exactly like the
// bytes a child process writes to a pipe.

import type { ServerResponse } from 'node:http';

export const LOG_HISTORY_BYTES = 100 * 1024;

export type LogListener = (chunk: string) => void;

export class LogMonitor {
  private history = '';
  private listeners = new Set<LogListener>();

  constructor(private readonly forward: LogMonitor[] = []) {}

  write(chunk: string): void {
    if (chunk.length === 0) return;
    this.history += chunk;
    // The ring is measured in UTF-16 code units; the simulator's logs are ASCII apart from the
    // rare "—" marker, so this matches llama-swap's byte budget closely enough. Trimming is
    // amortised: the string may grow to twice the budget before it is cut back.
    if (this.history.length > 2 * LOG_HISTORY_BYTES) this.history = this.history.slice(this.history.length - LOG_HISTORY_BYTES);
    for (const l of this.listeners) l(chunk);
    for (const f of this.forward) f.write(chunk);
  }

  getHistory(): string {
    if (this.history.length > LOG_HISTORY_BYTES) this.history = this.history.slice(this.history.length - LOG_HISTORY_BYTES);
    return this.history;
  }

  subscribe(l: LogListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  clear(): void {
    this.history = '';
  }
}

const ANSI = { reset: '\x1b[0m', dim: '\x1b[2m', yellow: '\x1b[33m', green: '\x1b[32m', red: '\x1b[31m', cyan: '\x1b[36m' };

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** A proxy-log line as llama-swap's logger prints it: `[INFO] message`. */
export function proxyLine(level: Level, msg: string): string {
  return `[${level.toUpperCase()}] ${msg}\n`;
}

/** llama-server output: some lines carry colour codes, as a real tty-less llama.cpp build still emits. */
export function upstreamLine(msg: string, colour?: keyof typeof ANSI): string {
  return colour ? `${ANSI[colour]}${msg}${ANSI.reset}\n` : `${msg}\n`;
}

/**
 * Writes text to a monitor split at a deterministic point, so readers see partial lines the way a
 * pipe delivers them. `salt` picks the split; lines are written whole when it is even.
 */
export function writeChunked(mon: { write(chunk: string): void }, text: string, salt: number): void {
  if (salt % 2 === 0 || text.length < 8) {
    mon.write(text);
    return;
  }
  const cut = 3 + (salt % (text.length - 6));
  mon.write(text.slice(0, cut));
  mon.write(text.slice(cut));
}

interface LogStream {
  res: ServerResponse;
  unsubscribe: () => void;
  pending: string[];
}

/** Open /logs/stream connections: history first, then raw chunks; stalled while the host is frozen. */
export class LogStreamSet {
  private streams = new Set<LogStream>();
  private frozen = false;

  attach(res: ServerResponse, mon: LogMonitor, noHistory: boolean): void {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'X-Accel-Buffering': 'no', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const s: LogStream = { res, pending: [], unsubscribe: () => undefined };
    const write = (chunk: string): void => {
      if (this.frozen) s.pending.push(chunk);
      else res.write(chunk);
    };
    if (!noHistory) {
      const h = mon.getHistory();
      if (h) write(h);
    }
    s.unsubscribe = mon.subscribe(write);
    this.streams.add(s);
    res.on('close', () => {
      s.unsubscribe();
      this.streams.delete(s);
    });
  }

  closeAll(mode: 'end' | 'destroy'): number {
    const n = this.streams.size;
    for (const s of [...this.streams]) {
      s.unsubscribe();
      if (mode === 'destroy') s.res.destroy();
      else s.res.end();
    }
    this.streams.clear();
    return n;
  }

  setFrozen(v: boolean): void {
    this.frozen = v;
    if (v) return;
    for (const s of this.streams) {
      for (const c of s.pending) s.res.write(c);
      s.pending = [];
    }
  }
}
