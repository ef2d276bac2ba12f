import type { EventBus } from '../events/bus';
import type { LogChunk, LogsRepo } from './logs.repo';
import type { LogsService } from './logs.service';

export interface LogStoreDeps {
  repo: LogsRepo;
  bus: EventBus;
  retentionDays: number;
  /** Characters kept per host × source. */
  maxCharsPerSource: number;
  count(name: string, by?: number): void;
  log: { warn(obj: object, msg: string): void };
  flushEveryMs?: number;
  /** Characters waiting for the database at most; beyond, the oldest chunks are dropped (counted). */
  maxPendingChars?: number;
}

/** One row holds at most this much text (a 1.5 MiB log line becomes a few rows). */
const MAX_CHUNK = 64 * 1024;

/**
 * Persists host logs: every `log.appended` (already deduplicated against replays by LogsService)
 * is queued and written in batches; at start the newest text of each log is loaded back into
 * LogsService, so history and search survive a restart. Bounded in memory (pending characters)
 * and on disk (age, characters per host × source).
 */
export class LogStore {
  private pending: LogChunk[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: LogStoreDeps) {
    this.unsubscribe = deps.bus.on('log.appended', (e) => {
      for (let i = 0; i < e.text.length; i += MAX_CHUNK) this.push({ hostId: e.hostId, source: e.source, ts: new Date(), text: e.text.slice(i, i + MAX_CHUNK) });
    });
  }

  private push(c: LogChunk): void {
    this.pending.push(c);
    this.pendingChars += c.text.length;
    const cap = this.deps.maxPendingChars ?? 8 * 1024 * 1024;
    while (this.pendingChars > cap && this.pending.length > 1) {
      this.pendingChars -= this.pending.shift()!.text.length;
      this.deps.count('logs.dropped');
    }
  }

  /** Seeds LogsService with what the previous run stored (before connectors replay their history). */
  async preload(logs: LogsService, chars: number): Promise<number> {
    const since = new Date(Date.now() - this.deps.retentionDays * 86_400_000);
    const byLog = new Map<string, { hostId: string; source: string; text: string[] }>();
    for (const c of await this.deps.repo.tails(chars, since)) {
      const k = `${c.hostId}\u0000${c.source}`;
      const e = byLog.get(k) ?? { hostId: c.hostId, source: c.source, text: [] };
      e.text.push(c.text);
      byLog.set(k, e);
    }
    for (const e of byLog.values()) logs.seed(e.hostId, e.source, e.text.join(''));
    return byLog.size;
  }

  /** Writes what is queued. A failed write keeps the chunks for the next flush. */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.pending.length === 0) return;
      const batch = this.pending;
      this.pending = [];
      this.pendingChars = 0;
      try {
        await this.deps.repo.insertMany(batch);
      } catch (err) {
        this.deps.count('logs.write_errors');
        for (const c of batch.reverse()) {
          this.pending.unshift(c);
          this.pendingChars += c.text.length;
        }
        this.deps.log.warn({ error: (err as Error).message, queued: this.pending.length }, 'log write failed; keeping chunks queued');
      }
    });
    return this.writing;
  }

  async prune(): Promise<number> {
    const aged = await this.deps.repo.deleteOlderThan(new Date(Date.now() - this.deps.retentionDays * 86_400_000));
    return aged + (await this.deps.repo.enforceBudget(this.deps.maxCharsPerSource));
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.deps.flushEveryMs ?? 1000);
    this.timer.unref();
    this.pruner = setInterval(() => void this.prune().catch(() => undefined), 10 * 60_000);
    this.pruner.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.pruner) clearInterval(this.pruner);
    this.unsubscribe();
    await this.flush();
  }
}
