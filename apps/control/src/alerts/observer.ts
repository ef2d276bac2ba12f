import type { EventBus } from '../events/bus';

/** A request's TTFT as it was stored. */
interface TtftSample {
  t: number;
  ms: number;
}

const MAX_WINDOW_MS = 86_400_000;
/** Per host × model at most this many TTFTs are kept (a busy model over 15 minutes). */
const MAX_TTFTS = 5000;

/**
 * What the alert rules need from the stream of stored rows, kept in memory over sliding
 * windows: failed starts and crashes per host × model, loads per host, recent TTFTs per
 * host × model. Fed by the bus; pruned by the engine's ticks.
 */
export class AlertObserver {
  readonly failures = new Map<string, number[]>();
  readonly loads = new Map<string, number[]>();
  readonly ttfts = new Map<string, TtftSample[]>();
  private readonly unsubscribe: Array<() => void>;

  constructor(bus: EventBus) {
    const push = <T>(m: Map<string, T[]>, k: string, v: T, cap = Number.POSITIVE_INFINITY) => {
      let xs = m.get(k);
      if (!xs) m.set(k, (xs = []));
      xs.push(v);
      if (xs.length > cap) xs.splice(0, xs.length - cap);
    };
    this.unsubscribe = [
      bus.on('transitions.stored', ({ rows }) => {
        for (const r of rows) {
          const t = r.at.getTime();
          if (r.to === 'starting') push(this.loads, r.hostId, t);
          // A load that ended stopped, or a ready model that stopped without being asked (no stopping).
          if (r.to === 'stopped' && (r.from === 'starting' || r.from === 'ready')) push(this.failures, key(r.hostId, r.model), t);
        }
      }),
      bus.on('activity.stored', ({ rows }) => {
        for (const r of rows) if (r.ttftMs !== null && r.ttftMs >= 0 && r.status >= 200 && r.status <= 299) push(this.ttfts, key(r.hostId, r.model), { t: r.ts.getTime(), ms: r.ttftMs }, MAX_TTFTS);
      }),
      bus.on('host.removed', ({ hostId }) => this.forget(hostId)),
    ];
  }

  /** Entries newer than `since` (ms). */
  static within<T>(xs: readonly T[] | undefined, since: number, time: (x: T) => number): T[] {
    return (xs ?? []).filter((x) => time(x) >= since);
  }

  /** Drops what is older than the longest window any rule uses. */
  prune(now: number, longestWindowMs: number): void {
    const cutoff = now - Math.min(MAX_WINDOW_MS, longestWindowMs);
    for (const m of [this.failures, this.loads]) {
      for (const [k, xs] of m) {
        const kept = xs.filter((t) => t >= cutoff);
        if (kept.length === 0) m.delete(k);
        else m.set(k, kept);
      }
    }
    for (const [k, xs] of this.ttfts) {
      const kept = xs.filter((s) => s.t >= cutoff);
      if (kept.length === 0) this.ttfts.delete(k);
      else this.ttfts.set(k, kept);
    }
  }

  private forget(hostId: string): void {
    this.loads.delete(hostId);
    for (const m of [this.failures, this.ttfts]) for (const k of [...m.keys()]) if (k.startsWith(`${hostId}\u0000`)) m.delete(k);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }
}

export const key = (hostId: string, model: string) => `${hostId}\u0000${model}`;
export const unkey = (k: string) => k.split('\u0000') as [string, string];
