/**
 * Prometheus histograms of the gateway (G4): its own overhead and the upstream's time to
 * response headers, in milliseconds, plus request and failover counts. Served as text on the
 * gateway's `GET /metrics`. Observing is two array updates; nothing allocates per request.
 */
const BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

class Histogram {
  private readonly counts = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  private sum = 0;
  private n = 0;

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  observe(v: number): void {
    let i = 0;
    while (i < BUCKETS_MS.length && v > BUCKETS_MS[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.n++;
  }

  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let acc = 0;
    BUCKETS_MS.forEach((b, i) => {
      acc += this.counts[i]!;
      lines.push(`${this.name}_bucket{le="${b}"} ${acc}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.n}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.n}`);
    return lines.join('\n');
  }
}

export class GatewayMetrics {
  readonly overhead = new Histogram('boo_gateway_overhead_ms', 'Gateway time outside the upstream and lease waits (ms)');
  readonly upstreamTtfb = new Histogram('boo_gateway_upstream_headers_ms', 'Upstream time to response headers (ms)');
  private readonly statuses = new Map<string, number>();

  request(status: number, overheadMs: number, upstreamMs: number | null): void {
    const k = status >= 500 ? '5xx' : status >= 400 ? '4xx' : '2xx';
    this.statuses.set(k, (this.statuses.get(k) ?? 0) + 1);
    if (upstreamMs !== null) {
      this.overhead.observe(overheadMs);
      this.upstreamTtfb.observe(upstreamMs);
    }
  }

  text(counters: Record<string, number>, inflight: number): string {
    const out = [this.overhead.text(), this.upstreamTtfb.text(), '# HELP boo_gateway_requests_total Gateway requests by status class', '# TYPE boo_gateway_requests_total counter'];
    for (const [k, v] of [...this.statuses].sort()) out.push(`boo_gateway_requests_total{status="${k}"} ${v}`);
    out.push('# TYPE boo_gateway_inflight gauge', `boo_gateway_inflight ${inflight}`);
    for (const [k, v] of Object.entries(counters)) if (k.startsWith('gateway_')) out.push(`# TYPE boo_${k} counter`, `boo_${k} ${v}`);
    return `${out.join('\n')}\n`;
  }
}
