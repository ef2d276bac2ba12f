import type { StoredActivity } from '../activity/activity.repo';
import type { GatewayRecord, RequestsRepo } from './requests.repo';

/**
 * Stores gateway request records off the hot path (batched every `flushMs`) and joins each to
 * the host's own activity row for the same request. llama-swap reports no request id, so the
 * join is by host, model, path and status, the row's time (its end, second precision) near the
 * request's end, and the closest duration; each activity row joins at most one request. Rows
 * and records wait up to `windowMs` for their partner (the row arrives after the connector
 * fetches it, usually well under a second).
 */
export interface RecorderOptions {
  flushMs?: number;
  windowMs?: number;
  maxQueue?: number;
  onError?: (err: unknown) => void;
  onDrop?: (n: number) => void;
}

interface Unjoined {
  id: number;
  rec: GatewayRecord;
  endMs: number;
}

/** ≤ this far apart (ms) a row's time and a request's end count as the same request; hosts' clocks drift. */
const TS_SLACK_MS = 5_000;
const bucket = (host: string, model: string, path: string, status: number, sec: number) => `${host}\u0000${model}\u0000${path}\u0000${status}\u0000${sec}`;

export class GatewayRecorder {
  private queue: GatewayRecord[] = [];
  private unjoined: Unjoined[] = [];
  /** recent activity rows by host, model, path, status and second of their time: a match looks at ~11 buckets */
  private rows = new Map<string, { sec: number; list: StoredActivity[] }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly o: Required<Omit<RecorderOptions, 'onError' | 'onDrop'>> & RecorderOptions;

  constructor(
    private readonly repo: RequestsRepo,
    opts: RecorderOptions = {},
  ) {
    this.o = { flushMs: 200, windowMs: 30_000, maxQueue: 20_000, ...opts };
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.o.flushMs);
    this.timer.unref();
  }

  record(rec: GatewayRecord): void {
    if (this.queue.length >= this.o.maxQueue) {
      this.o.onDrop?.(1);
      return;
    }
    this.queue.push(rec);
  }

  /** Activity rows the writer stored (bus `activity.stored`). */
  activityStored(rows: readonly StoredActivity[]): void {
    for (const r of rows) {
      const sec = Math.floor(r.ts.getTime() / 1000);
      const k = bucket(r.hostId, r.model, r.path, r.status, sec);
      const b = this.rows.get(k);
      if (b) b.list.push(r);
      else this.rows.set(k, { sec, list: [r] });
    }
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.doFlush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    const batch = this.queue.splice(0, this.queue.length);
    try {
      if (batch.length > 0) {
        const ids = await this.repo.insertMany(batch);
        batch.forEach((rec, i) => {
          if (rec.hostId && rec.model && ids[i] !== undefined) this.unjoined.push({ id: ids[i], rec, endMs: rec.ts.getTime() + rec.durationMs });
        });
      }
      const pairs = this.match();
      if (pairs.length > 0) await this.repo.link(pairs);
    } catch (err) {
      this.o.onError?.(err);
    }
    this.expire();
  }

  private match(): Array<[number, number]> {
    const pairs: Array<[number, number]> = [];
    if (this.unjoined.length === 0 || this.rows.size === 0) return pairs;
    const left: Unjoined[] = [];
    for (const u of this.unjoined) {
      let best: { b: { list: StoredActivity[] }; i: number } | undefined;
      let bestCost = Infinity;
      const from = Math.floor((u.endMs - TS_SLACK_MS) / 1000) - 1;
      const to = Math.floor((u.endMs + TS_SLACK_MS) / 1000);
      for (let sec = from; sec <= to; sec++) {
        const b = this.rows.get(bucket(u.rec.hostId!, u.rec.model!, u.rec.path, u.rec.status, sec));
        if (!b) continue;
        b.list.forEach((r, i) => {
          // The row's time is the end truncated to the second, on the host's clock.
          const dt = Math.abs(r.ts.getTime() + 500 - u.endMs);
          if (dt > TS_SLACK_MS) return;
          const cost = Math.abs(r.durationMs - (u.rec.durationMs - u.rec.overheadMs)) + dt / 10;
          if (cost < bestCost) {
            bestCost = cost;
            best = { b, i };
          }
        });
      }
      if (best) {
        // A joined row leaves its bucket: each row joins at most one request.
        const [row] = best.b.list.splice(best.i, 1);
        pairs.push([u.id, row!.id]);
      } else left.push(u);
    }
    this.unjoined = left;
    return pairs;
  }

  private expire(now = Date.now()): void {
    const cutoff = now - this.o.windowMs;
    this.unjoined = this.unjoined.filter((u) => u.endMs >= cutoff);
    const oldest = Math.floor((cutoff - TS_SLACK_MS) / 1000);
    for (const [k, b] of this.rows) if (b.sec < oldest || b.list.length === 0) this.rows.delete(k);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
