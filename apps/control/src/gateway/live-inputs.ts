import type { HostSummary } from '@boocontrol/contracts';
import type { HostDirectory } from '../hosts/host-directory';
import type { FleetState } from '../fleet/fleet-state';

/**
 * Requests the gateway has in flight, per host and model. Counted here (not only read from the
 * fleet view) because the host reports a request only after it starts, and a burst must see its
 * own earlier requests at once or it herds onto one host.
 */
export class InflightCounter {
  private readonly byHost = new Map<string, { total: number; models: Map<string, number> }>();
  total = 0;

  inc(hostId: string, model: string): void {
    let h = this.byHost.get(hostId);
    if (!h) this.byHost.set(hostId, (h = { total: 0, models: new Map() }));
    h.total++;
    h.models.set(model, (h.models.get(model) ?? 0) + 1);
    this.total++;
  }

  dec(hostId: string, model: string): void {
    const h = this.byHost.get(hostId);
    if (!h) return;
    h.total--;
    const n = (h.models.get(model) ?? 1) - 1;
    if (n <= 0) h.models.delete(model);
    else h.models.set(model, n);
    this.total--;
  }

  model(hostId: string, model: string): number {
    return this.byHost.get(hostId)?.models.get(model) ?? 0;
  }

  host(hostId: string): number {
    return this.byHost.get(hostId)?.total ?? 0;
  }
}

/** In flight on a host for a model, as the host reported it (its list holds at most 50). */
export function fleetInflight(h: HostSummary | undefined, model?: string): number {
  if (!h) return 0;
  if (model === undefined) return Math.max(h.inflightTotal ?? 0, h.inflight.length);
  let n = 0;
  for (const r of h.inflight) if (r.model === model) n++;
  return n;
}

export interface UpstreamTarget {
  baseUrl: string;
  apiKey: string | null;
}

/**
 * Base URL and API key per host for the hot path. The directory reads the database, so entries
 * are cached and refreshed in the background after `ttlMs` (a key file changed, a host edited);
 * only a host's first request waits for the lookup.
 */
export class HostTargets {
  private readonly cache = new Map<string, { t: UpstreamTarget; at: number }>();
  private readonly loading = new Set<string>();

  constructor(
    private readonly directory: HostDirectory,
    private readonly fleet: FleetState,
    private readonly ttlMs = 5_000,
  ) {}

  async get(hostId: string): Promise<UpstreamTarget | undefined> {
    const hit = this.cache.get(hostId);
    if (hit) {
      if (Date.now() - hit.at > this.ttlMs) {
        hit.at = Date.now();
        void this.load(hostId).catch(() => undefined);
      }
      return hit.t;
    }
    return this.load(hostId);
  }

  private async load(hostId: string): Promise<UpstreamTarget | undefined> {
    const h = await this.directory.get(hostId);
    const baseUrl = h?.baseUrl || this.fleet.get(hostId)?.baseUrl;
    if (!baseUrl) {
      this.cache.delete(hostId);
      return undefined;
    }
    const t = { baseUrl, apiKey: h?.apiKey ?? null };
    this.cache.set(hostId, { t, at: Date.now() });
    return t;
  }

  /** Loads a host's entry in the background if it has none (a host appeared): its first request then finds it. */
  warm(hostId: string): void {
    if (this.cache.has(hostId) || this.loading.has(hostId)) return;
    this.loading.add(hostId);
    void this.load(hostId)
      .catch(() => undefined)
      .finally(() => this.loading.delete(hostId));
  }

  forget(hostId: string): void {
    this.cache.delete(hostId);
  }
}
