import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HostSummary } from '@boocontrol/contracts';
import type { EventBus } from '../events/bus';
import type { Counters } from '../lib/counters';
import type { HubStats } from '../live/hub';

export interface FleetMetricsDeps {
  bus: EventBus;
  /** The live fleet: gauges are read from it at scrape time, never cached. */
  hosts(): readonly HostSummary[];
  counters: Counters;
  hubStats(): HubStats;
  /** Process metrics (CPU, memory, event loop) of control itself; off in tests that build many controls. */
  processMetrics?: boolean;
}

const MB = 1024 * 1024;
const ok = (status: number) => status >= 200 && status <= 299;

/**
 * Control's Prometheus registry. One registry per control instance (never prom-client's global
 * one: tests build several controls in one process). Request, token, TTFT, speed, swap and load
 * figures are counted from the domain events as rows are stored, so they count each stored row
 * once; host, model, GPU and control gauges are read from the live state at scrape time.
 */
export class FleetMetrics {
  readonly registry = new Registry();
  /** host → label sets of the per-model series, removed with the host. */
  private readonly seen = new Map<string, Set<string>>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly requests: Counter<'host' | 'model' | 'outcome'>;
  private readonly tokens: Counter<'host' | 'model' | 'kind'>;
  private readonly ttft: Histogram<'host' | 'model'>;
  private readonly genSpeed: Histogram<'host' | 'model'>;
  private readonly swaps: Counter<'host' | 'model'>;
  private readonly failedStarts: Counter<'host' | 'model'>;
  private readonly loadTime: Histogram<'host' | 'model'>;

  constructor(private readonly deps: FleetMetricsDeps) {
    const r = [this.registry];
    this.requests = new Counter({ name: 'boo_requests_total', help: 'Finished inference requests stored by control, by outcome (ok = HTTP 2xx).', labelNames: ['host', 'model', 'outcome'], registers: r });
    this.tokens = new Counter({ name: 'boo_tokens_total', help: 'Tokens of stored requests (kind = prompt | generated).', labelNames: ['host', 'model', 'kind'], registers: r });
    this.ttft = new Histogram({
      name: 'boo_ttft_seconds',
      help: 'Time to first token of stored requests that report timings.',
      labelNames: ['host', 'model'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: r,
    });
    this.genSpeed = new Histogram({
      name: 'boo_generation_tokens_per_second',
      help: 'Generation speed of stored requests (tokens/s).',
      labelNames: ['host', 'model'],
      buckets: [5, 10, 20, 40, 60, 80, 100, 150, 200, 400, 1000],
      registers: r,
    });
    this.swaps = new Counter({ name: 'boo_model_swaps_total', help: 'Model loads started (a transition into starting).', labelNames: ['host', 'model'], registers: r });
    this.failedStarts = new Counter({ name: 'boo_model_failed_starts_total', help: 'Loads that ended stopped instead of ready, and ready models that stopped without being asked.', labelNames: ['host', 'model'], registers: r });
    this.loadTime = new Histogram({ name: 'boo_model_load_seconds', help: 'Observed load time (starting → ready).', labelNames: ['host', 'model'], buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300], registers: r });
    this.gauges(r);
    if (deps.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'boo_control_' });
    this.subscribe();
  }

  private subscribe(): void {
    const bus = this.deps.bus;
    this.unsubscribe.push(
      bus.on('activity.stored', ({ rows }) => {
        for (const a of rows) {
          const l = { host: a.hostId, model: a.model };
          this.track(a.hostId, a.model);
          this.requests.inc({ ...l, outcome: ok(a.status) ? 'ok' : 'error' });
          if (a.inputTokens > 0) this.tokens.inc({ ...l, kind: 'prompt' }, a.inputTokens);
          if (a.outputTokens > 0) this.tokens.inc({ ...l, kind: 'generated' }, a.outputTokens);
          if (a.ttftMs !== null && a.ttftMs >= 0) this.ttft.observe(l, a.ttftMs / 1000);
          if (a.genTps !== null && a.genTps > 0) this.genSpeed.observe(l, a.genTps);
        }
      }),
      bus.on('transitions.stored', ({ rows }) => {
        for (const t of rows) {
          const l = { host: t.hostId, model: t.model };
          this.track(t.hostId, t.model);
          if (t.to === 'starting') this.swaps.inc(l);
          if (t.loadMs !== null) this.loadTime.observe(l, t.loadMs / 1000);
          if (t.to === 'stopped' && (t.from === 'starting' || t.from === 'ready')) this.failedStarts.inc(l);
        }
      }),
      bus.on('host.removed', ({ hostId }) => this.forget(hostId)),
    );
  }

  private track(host: string, model: string): void {
    let s = this.seen.get(host);
    if (!s) this.seen.set(host, (s = new Set()));
    s.add(model);
  }

  /** A removed host's series disappear instead of freezing at their last value. */
  private forget(host: string): void {
    for (const model of this.seen.get(host) ?? []) {
      for (const outcome of ['ok', 'error']) this.requests.remove({ host, model, outcome });
      for (const kind of ['prompt', 'generated']) this.tokens.remove({ host, model, kind });
      for (const m of [this.ttft, this.genSpeed, this.swaps, this.failedStarts, this.loadTime]) m.remove({ host, model });
    }
    this.seen.delete(host);
  }

  private gauges(r: Registry[]): void {
    const hosts = () => this.deps.hosts();
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>) => void) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: r,
        collect() {
          // Rebuilt from the live state at every scrape: a model that unloaded or a GPU that
          // vanished must not linger with its last value.
          this.reset();
          fill(this);
        },
      });
    gauge('boo_host_up', 'Whether control reaches the host (1 = online or degraded).', ['host'], (g) => {
      for (const h of hosts()) g.set({ host: h.id }, h.status === 'online' || h.status === 'degraded' ? 1 : 0);
    });
    gauge('boo_host_status', 'The connector state of each host (1 for the current state).', ['host', 'status'], (g) => {
      for (const h of hosts()) for (const s of ['connecting', 'online', 'degraded', 'offline']) g.set({ host: h.id, status: s }, h.status === s ? 1 : 0);
    });
    gauge('boo_inflight_requests', 'Requests in flight on the host.', ['host'], (g) => {
      for (const h of hosts()) g.set({ host: h.id }, h.inflightTotal ?? h.inflight.length);
    });
    gauge('boo_model_state', 'Model state per host (1 for the current state).', ['host', 'model', 'state'], (g) => {
      for (const h of hosts()) for (const m of h.models) g.set({ host: h.id, model: m.id, state: m.state }, 1);
    });
    const gpu = (name: string, help: string, value: (x: NonNullable<HostSummary['perf']>['gpus'][number]) => number) =>
      gauge(name, help, ['host', 'gpu'], (g) => {
        for (const h of hosts()) for (const x of h.perf?.gpus ?? []) g.set({ host: h.id, gpu: String(x.id) }, value(x));
      });
    gpu('boo_gpu_utilization_percent', 'GPU utilisation, latest sample.', (x) => x.utilPct);
    gpu('boo_gpu_memory_used_bytes', 'VRAM in use, latest sample.', (x) => x.memUsedMb * MB);
    gpu('boo_gpu_memory_total_bytes', 'VRAM size.', (x) => x.memTotalMb * MB);
    gpu('boo_gpu_temperature_celsius', 'GPU temperature, latest sample.', (x) => x.tempC);
    gpu('boo_gpu_power_watts', 'GPU power draw, latest sample.', (x) => x.powerW);
    const c = this.deps.counters;
    gauge('boo_writer_queued_rows', 'Rows waiting in the persistence writer.', [], (g) => g.set(c.get('writer.queued')));
    gauge('boo_ws_connections', 'Open live-stream sockets.', [], (g) => g.set(this.deps.hubStats().connections));
    // Monotonic values kept elsewhere (control's counters, the hub) are exposed as counters: each
    // scrape adds what grew since the previous one.
    const mirror = <L extends string>(name: string, help: string, labelNames: L[], read: () => Array<[Partial<Record<L, string>>, number]>) => {
      const last = new Map<string, number>();
      new Counter<L>({
        name,
        help,
        labelNames,
        registers: r,
        collect() {
          for (const [labels, v] of read()) {
            const k = JSON.stringify(labels);
            // A zero increment still creates the series, so a healthy 0 is scraped too.
            const d = Math.max(0, v - (last.get(k) ?? 0));
            if (Object.keys(labels).length > 0) this.inc(labels, d);
            else this.inc(d);
            last.set(k, v);
          }
        },
      });
    };
    mirror('boo_writer_dropped_rows_total', 'Rows the writer dropped because its queue was full.', ['kind'], () =>
      (['activity', 'transition', 'perf'] as const).map((k) => [{ kind: k }, c.get(`writer.dropped.${k}`)]),
    );
    mirror('boo_writer_errors_total', 'Failed database writes (the batch is retried).', [], () => [[{}, c.get('writer.errors')]]);
    mirror('boo_bus_subscriber_errors_total', 'Domain event subscribers that threw.', [], () => [[{}, c.get('bus_subscriber_errors_total')]]);
    mirror('boo_ws_deltas_dropped_total', 'Live deltas dropped for slow sockets (they get a fresh snapshot).', [], () => [[{}, this.deps.hubStats().deltasDropped]]);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.registry.clear();
  }
}
