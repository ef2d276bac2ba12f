import type { EventBus } from '../events/bus';
import type { LeaseRow } from '../lease/lease.repo';

export interface LeaseSource {
  list(): Promise<LeaseRow[]>;
}

/**
 * The fleet lease as the gateway's hot path needs it: in memory, checked without a query. It is
 * loaded at start, updated by `lease.changed` (this process's grants and releases, which also
 * wake the requests waiting for that host) and re-read every `refreshMs` for leases taken by
 * another control process sharing the database. Expiry is checked locally.
 */
export class LeaseView {
  private leases = new Map<string, LeaseRow>();
  private readonly waiters = new Set<{ hosts: ReadonlySet<string>; wake: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly off: () => void;

  constructor(
    private readonly source: LeaseSource | undefined,
    bus: EventBus,
    private readonly refreshMs = 2_000,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.off = bus.on('lease.changed', (e) => {
      if (e.lease) this.leases.set(e.hostId, e.lease);
      else this.leases.delete(e.hostId);
      this.wake(e.hostId);
    });
  }

  async start(): Promise<void> {
    if (!this.source) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    if (!this.source) return;
    try {
      const rows = await this.source.list();
      const next = new Map(rows.map((r) => [r.hostId, r]));
      const freed = [...this.leases.keys()].filter((h) => !next.has(h));
      this.leases = next;
      for (const h of freed) this.wake(h);
    } catch (err) {
      this.onError(err);
    }
  }

  holder(hostId: string, now = Date.now()): LeaseRow | undefined {
    const l = this.leases.get(hostId);
    if (!l) return undefined;
    const until = Date.parse(l.expiresAt);
    if (until <= now) {
      this.leases.delete(hostId);
      return undefined;
    }
    return l;
  }

  leased(hostId: string): boolean {
    return this.holder(hostId) !== undefined;
  }

  /** Seconds until the earliest of these hosts' leases expires unless renewed (≥ 1). */
  retryAfterS(hostIds: Iterable<string>): number {
    let min = Infinity;
    for (const h of hostIds) {
      const l = this.holder(h);
      if (l) min = Math.min(min, Date.parse(l.expiresAt) - Date.now());
    }
    return Number.isFinite(min) ? Math.max(1, Math.ceil(min / 1000)) : 1;
  }

  /**
   * Resolves true as soon as one of `hosts` is no longer leased, false after `ms` (or when the
   * signal aborts). Woken by lease events, not by polling; an expiry without an event is caught
   * by a timer at the earliest expiry.
   */
  waitForAny(hosts: ReadonlySet<string>, ms: number, signal?: AbortSignal): Promise<boolean> {
    if ([...hosts].some((h) => !this.leased(h))) return Promise.resolve(true);
    if (ms <= 0 || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(deadline);
        clearTimeout(expiry);
        this.waiters.delete(w);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const w = { hosts, wake: () => [...hosts].some((h) => !this.leased(h)) && done(true) };
      const onAbort = () => done(false);
      const deadline = setTimeout(() => done(false), ms);
      const soonest = Math.min(...[...hosts].map((h) => Date.parse(this.holder(h)?.expiresAt ?? '') - Date.now()).filter(Number.isFinite));
      const expiry = setTimeout(() => w.wake(), Math.max(0, Math.min(ms, soonest + 5)));
      this.waiters.add(w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(hostId: string): void {
    for (const w of [...this.waiters]) if (w.hosts.has(hostId)) w.wake();
  }

  list(): LeaseRow[] {
    return [...this.leases.keys()].map((h) => this.holder(h)).filter((l): l is LeaseRow => !!l);
  }

  close(): void {
    clearInterval(this.timer);
    this.off();
    for (const w of [...this.waiters]) w.wake();
  }
}
