import type { ControlContext, Feature } from '../context';
import { route } from '../http/route';
import { FleetMetrics } from './prometheus';

/**
 * `GET /metrics` (Prometheus' default path, for a scraper pointed at control) and the same text
 * under `/api/control/metrics` (reachable through the gateway). docs/prometheus.md has the
 * scrape config.
 */
export function createMetricsFeature(ctx: ControlContext, opts: { processMetrics?: boolean } = {}): Feature & { metrics: FleetMetrics } {
  const metrics = new FleetMetrics({
    bus: ctx.bus,
    hosts: () => ctx.fleet.list(),
    counters: ctx.counters,
    hubStats: () => ctx.live.stats(),
    processMetrics: opts.processMetrics ?? true,
  });
  return {
    name: 'metrics',
    metrics,
    routes(app, registry) {
      for (const url of ['/metrics', '/api/control/metrics']) {
        route(app, registry, {
          method: 'GET',
          url,
          summary: 'Prometheus metrics: per host and model requests, tokens, TTFT and speed histograms, swaps, GPUs; control internals',
          tags: ['system'],
          async handler({ reply }) {
            const text = await metrics.text();
            return reply.type(metrics.contentType).send(text);
          },
        });
      }
    },
    async stop() {
      metrics.close();
    },
  };
}
