import type { EventBus } from '../events/bus';
import { LogBuffer } from './log-buffer';

/** `proxy` and `upstream` come over the event stream; `model:<id>` is followed on demand. */
export const LOG_SOURCES = ['proxy', 'upstream'] as const;
const MODEL_PREFIX = 'model:';

export interface LogsServiceOptions {
  bus: EventBus;
  /** Whether anyone watches a topic: per-model streams nobody watches are closed. */
  watching(topic: string): boolean;
  /** Per host × source (default 512 Ki characters). */
  maxChars?: number;
  /** How much a new subscriber gets in its snapshot. */
  snapshotChars?: number;
  flushEveryMs?: number;
  /** Opens a per-model log stream on a host; undefined when the host cannot. */
  followModel(hostId: string, model: string, signal: AbortSignal, onText: (text: string) => void): Promise<void> | undefined;
  hostExists(hostId: string): boolean;
}

interface Follower {
  ac: AbortController;
  idleSince: number | null;
}

export function logTopic(hostId: string, source: string): string {
  return `logs:${hostId}:${source}`;
}

/** Parses `logs:<hostId>:<source>`; the source may itself contain ':' (model ids). */
export function parseLogTopic(topic: string): { hostId: string; source: string } | undefined {
  const m = /^logs:([a-z0-9_-]+):(.+)$/.exec(topic);
  return m ? { hostId: m[1]!, source: m[2]! } : undefined;
}

/**
 * Recent log text per host and source, and the `logs:<host>:<source>` live topics. Appends are
 * batched per topic every `flushEveryMs` so a chatty host costs a few frames a second, not one
 * per chunk; the buffer is updated at flush time, so a snapshot plus the deltas after it never
 * repeat or miss text.
 */
export class LogsService {
  private readonly buffers = new Map<string, LogBuffer>();
  private readonly pending = new Map<string, string>();
  private readonly followers = new Map<string, Follower>();
  private readonly timer: NodeJS.Timeout;
  private readonly sweeper: NodeJS.Timeout;
  private readonly maxChars: number;
  private readonly snapshotChars: number;

  constructor(private readonly opts: LogsServiceOptions) {
    // 512 Ki characters per host × source: 20 MiB for a 20-host fleet's proxy and upstream logs
    this.maxChars = opts.maxChars ?? 512 * 1024;
    this.snapshotChars = opts.snapshotChars ?? 256 * 1024;
    this.timer = setInterval(() => this.flush(), opts.flushEveryMs ?? 100);
    this.timer.unref();
    this.sweeper = setInterval(() => this.sweepFollowers(), 15_000);
    this.sweeper.unref();
  }

  append(hostId: string, source: string, text: string, replay = false): void {
    const topic = logTopic(hostId, source);
    const buf = this.buffer(topic);
    // A replay is compared with what we have, including text still waiting for the flush.
    const pending = this.pending.get(topic) ?? '';
    let fresh = text;
    if (replay) {
      if (pending) {
        const probe = pending.slice(-256);
        const at = text.lastIndexOf(probe);
        fresh = at === -1 ? text : text.slice(at + probe.length);
      } else {
        fresh = buf.newPartOfReplay(text);
      }
    }
    if (fresh.length === 0) return;
    this.pending.set(topic, pending + fresh);
  }

  /** Text stored by a previous run (log-store.ts), put back before any live text; never published. */
  seed(hostId: string, source: string, text: string): void {
    const buf = this.buffer(logTopic(hostId, source));
    if (buf.length === 0) buf.append(text);
  }

  /** Recent text of one log (REST history). */
  history(hostId: string, source: string, maxChars = this.maxChars): string {
    const topic = logTopic(hostId, source);
    this.flushTopic(topic);
    return this.buffers.get(topic)?.tail(maxChars) ?? '';
  }

  sources(hostId: string): string[] {
    const out = new Set<string>(LOG_SOURCES);
    for (const topic of this.buffers.keys()) {
      const p = parseLogTopic(topic);
      if (p && p.hostId === hostId) out.add(p.source);
    }
    return [...out];
  }

  removeHost(hostId: string): void {
    for (const [topic, f] of this.followers) {
      if (parseLogTopic(topic)?.hostId === hostId) {
        f.ac.abort();
        this.followers.delete(topic);
      }
    }
    for (const topic of [...this.buffers.keys()]) if (parseLogTopic(topic)?.hostId === hostId) this.buffers.delete(topic);
    for (const topic of [...this.pending.keys()]) if (parseLogTopic(topic)?.hostId === hostId) this.pending.delete(topic);
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.sweeper);
    for (const f of this.followers.values()) f.ac.abort();
    this.followers.clear();
  }

  private buffer(topic: string): LogBuffer {
    let b = this.buffers.get(topic);
    if (!b) this.buffers.set(topic, (b = new LogBuffer(this.maxChars)));
    return b;
  }

  /** What a new subscriber of a log topic gets first. */
  snapshot(topic: string): { hostId: string; source: string; text: string } | undefined {
    const p = parseLogTopic(topic);
    if (!p || !this.opts.hostExists(p.hostId)) return undefined;
    if (p.source.startsWith(MODEL_PREFIX)) {
      if (!this.ensureFollower(topic, p.hostId, p.source.slice(MODEL_PREFIX.length))) return undefined;
    } else if (!(LOG_SOURCES as readonly string[]).includes(p.source)) {
      return undefined;
    }
    this.flushTopic(topic);
    return { hostId: p.hostId, source: p.source, text: this.buffers.get(topic)?.tail(this.snapshotChars) ?? '' };
  }

  private ensureFollower(topic: string, hostId: string, model: string): boolean {
    const existing = this.followers.get(topic);
    if (existing) {
      existing.idleSince = null;
      return true;
    }
    const ac = new AbortController();
    const run = this.opts.followModel(hostId, model, ac.signal, (text) => this.append(hostId, `${MODEL_PREFIX}${model}`, text));
    if (!run) return false;
    this.followers.set(topic, { ac, idleSince: null });
    void run.catch(() => undefined);
    return true;
  }

  /** Per-model streams nobody watched for a minute are closed. */
  private sweepFollowers(): void {
    const now = Date.now();
    for (const [topic, f] of this.followers) {
      if (this.opts.watching(topic)) {
        f.idleSince = null;
        continue;
      }
      f.idleSince ??= now;
      if (now - f.idleSince > 60_000) {
        f.ac.abort();
        this.followers.delete(topic);
      }
    }
  }

  private flush(): void {
    for (const topic of [...this.pending.keys()]) this.flushTopic(topic);
  }

  private flushTopic(topic: string): void {
    const text = this.pending.get(topic);
    if (text === undefined) return;
    this.pending.delete(topic);
    this.buffer(topic).append(text);
    const parsed = parseLogTopic(topic);
    if (parsed) this.opts.bus.publish({ type: 'log.appended', hostId: parsed.hostId, source: parsed.source, topic, text });
  }
}
