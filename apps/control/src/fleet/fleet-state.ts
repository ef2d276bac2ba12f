import type { HostSummary } from '@boocontrol/contracts';
import type { EventBus } from '../events/bus';

export type HostInit = Pick<HostSummary, 'id' | 'label' | 'kind' | 'baseUrl' | 'source'> & Partial<HostSummary>;

/**
 * The authoritative live view of the fleet, in memory. Connectors write here; every change is
 * published as `host.changed` / `host.removed` after the state is updated, so a snapshot taken
 * later already contains it (the live stream's seq semantics depend on that order).
 */
export class FleetState {
  private readonly hosts = new Map<string, HostSummary>();
  /** Hosts whose publish is deferred (coalesced updates): id → timer. */
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(private readonly bus: EventBus) {}

  list(): HostSummary[] {
    return [...this.hosts.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): HostSummary | undefined {
    return this.hosts.get(id);
  }

  upsert(init: HostInit): HostSummary {
    const prev = this.hosts.get(init.id);
    const host: HostSummary = {
      status: 'connecting',
      statusReason: null,
      lastError: null,
      version: null,
      epoch: 0,
      connectedAt: null,
      models: [],
      inflight: [],
      perf: null,
      ...prev,
      ...init,
    };
    this.hosts.set(host.id, host);
    this.emit(host);
    return host;
  }

  /**
   * Applies a patch; `patch` may compute it from the current state. The state changes at once;
   * with `coalesceMs` the publish is deferred and merged with later updates of the same host
   * (in-flight byte counters and perf samples would otherwise publish the whole host many times
   * a second under load). An immediate update flushes a pending one.
   */
  update(
    id: string,
    patch: Partial<HostSummary> | ((h: HostSummary) => Partial<HostSummary>),
    opts: { coalesceMs?: number } = {},
  ): HostSummary | undefined {
    const cur = this.hosts.get(id);
    if (!cur) return undefined;
    const next = { ...cur, ...(typeof patch === 'function' ? patch(cur) : patch), id: cur.id };
    this.hosts.set(id, next);
    if (opts.coalesceMs && opts.coalesceMs > 0) {
      if (!this.pending.has(id)) {
        const t = setTimeout(() => {
          this.pending.delete(id);
          const h = this.hosts.get(id);
          if (h) this.emit(h);
        }, opts.coalesceMs);
        t.unref();
        this.pending.set(id, t);
      }
      return next;
    }
    this.emit(next);
    return next;
  }

  /** Cancels deferred publishes (shutdown). */
  close(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  remove(id: string): void {
    const t = this.pending.get(id);
    if (t) clearTimeout(t);
    this.pending.delete(id);
    if (!this.hosts.delete(id)) return;
    this.bus.publish({ type: 'host.removed', hostId: id });
  }

  counts(): { total: number; online: number } {
    let online = 0;
    for (const h of this.hosts.values()) if (h.status === 'online' || h.status === 'degraded') online++;
    return { total: this.hosts.size, online };
  }

  private emit(host: HostSummary): void {
    const t = this.pending.get(host.id);
    if (t) {
      clearTimeout(t);
      this.pending.delete(host.id);
    }
    this.bus.publish({ type: 'host.changed', host });
  }
}
