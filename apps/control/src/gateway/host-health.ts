/**
 * Which hosts the gateway should avoid. A connection error or a 5xx before the first byte cools
 * the host down at once (R4: removed within a second); each consecutive failure doubles the
 * cooldown up to a maximum. When a cooldown ends, a probe (`GET /health`) decides: success clears
 * the host, failure starts the next, longer cooldown. A request that succeeds clears it too.
 * Also keeps an exponentially weighted error rate per host for the reliability score.
 */
export interface HostHealthOptions {
  baseMs: number;
  maxMs: number;
  /** Resolves true when the host answers; the gateway probes with its pooled client. */
  probe: (hostId: string) => Promise<boolean>;
  onChange?: (hostId: string, coolingDown: boolean) => void;
  now?: () => number;
}

interface State {
  failures: number;
  until: number;
  errorRate: number;
  timer: NodeJS.Timeout | undefined;
}

const ALPHA = 0.1;

export class HostHealth {
  private readonly hosts = new Map<string, State>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: HostHealthOptions) {
    this.now = o.now ?? Date.now;
  }

  private state(hostId: string): State {
    let s = this.hosts.get(hostId);
    if (!s) this.hosts.set(hostId, (s = { failures: 0, until: 0, errorRate: 0, timer: undefined }));
    return s;
  }

  coolingDown(hostId: string): boolean {
    const s = this.hosts.get(hostId);
    return !!s && s.until > this.now();
  }

  errorRate(hostId: string): number {
    return this.hosts.get(hostId)?.errorRate ?? 0;
  }

  snapshot(hostId: string): { coolingDown: boolean; cooldownUntil: string | null; consecutiveFailures: number; errorRate: number } {
    const s = this.hosts.get(hostId);
    const cooling = !!s && s.until > this.now();
    return { coolingDown: cooling, cooldownUntil: cooling ? new Date(s.until).toISOString() : null, consecutiveFailures: s?.failures ?? 0, errorRate: s?.errorRate ?? 0 };
  }

  ids(): string[] {
    return [...this.hosts.keys()];
  }

  succeeded(hostId: string): void {
    const s = this.hosts.get(hostId);
    if (!s) return;
    s.errorRate *= 1 - ALPHA;
    if (s.failures > 0 || s.until > 0) this.clear(hostId, s);
  }

  failed(hostId: string): void {
    const s = this.state(hostId);
    s.errorRate = s.errorRate * (1 - ALPHA) + ALPHA;
    this.coolDown(hostId, s);
  }

  private coolDown(hostId: string, s: State): void {
    s.failures++;
    const ms = Math.min(this.o.maxMs, this.o.baseMs * 2 ** (s.failures - 1));
    const wasCooling = s.until > this.now();
    s.until = this.now() + ms;
    clearTimeout(s.timer);
    if (this.closed) return;
    s.timer = setTimeout(() => void this.probe(hostId, s), ms);
    s.timer.unref();
    if (!wasCooling) this.o.onChange?.(hostId, true);
  }

  private async probe(hostId: string, s: State): Promise<void> {
    s.timer = undefined;
    const ok = await this.o.probe(hostId).catch(() => false);
    if (this.closed || this.hosts.get(hostId) !== s) return;
    if (ok) this.clear(hostId, s);
    else this.coolDown(hostId, s);
  }

  private clear(hostId: string, s: State): void {
    const was = s.until > this.now();
    clearTimeout(s.timer);
    s.timer = undefined;
    s.failures = 0;
    s.until = 0;
    if (was) this.o.onChange?.(hostId, false);
  }

  forget(hostId: string): void {
    const s = this.hosts.get(hostId);
    if (s) clearTimeout(s.timer);
    this.hosts.delete(hostId);
  }

  close(): void {
    this.closed = true;
    for (const s of this.hosts.values()) clearTimeout(s.timer);
  }
}
