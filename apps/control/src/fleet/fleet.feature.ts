import type { ControlContext, Feature } from '../context';
import { demoFleetEnabled } from '../config';
import { startDemoFleet, type DemoFleet } from '../demo/demo-fleet';
import { registerActivityRoutes } from '../activity/activity.routes';
import { registerLogRoutes } from '../logs/logs.routes';
import { registerModelRoutes } from '../models/models.routes';
import { registerPerfRoutes } from '../perf/perf.routes';
import { buildFleetServices, type FleetOptions, type FleetServices } from './fleet-services';
import { registerHostRoutes } from './hosts.routes';
import { HostsService } from './hosts.service';

/**
 * The live fleet: host registry and connectors, persistence writer, retention, and the hosts,
 * activity, perf, logs and models APIs. Options exist for tests (fast timings).
 */
export interface FleetFeature extends Feature {
  /** Provided to the features composed after it (actions) and to tests. */
  services: FleetServices;
}

export function createFleetFeature(ctx: ControlContext, options: FleetOptions = {}): FleetFeature {
  {
    const s = buildFleetServices(ctx, options);
    const hosts = new HostsService(ctx.fleet, s.registry);
    let demo: DemoFleet | undefined;
    return {
      name: 'fleet',
      services: s,
      routes(app, registry) {
        registerHostRoutes(app, registry, hosts);
        registerActivityRoutes(app, registry, s.activity, s.captures);
        registerPerfRoutes(app, registry, s.perf);
        registerLogRoutes(app, registry, s.logs, (id) => s.registry.has(id), s.repos.logs);
        registerModelRoutes(app, registry, s.models);
      },
      async start() {
        s.writer.start();
        await s.activity.load();
        // Before the connectors replay their hosts' history: the replay is then deduplicated
        // against what the previous run stored, instead of being stored twice.
        await s.logStore.preload(s.logs, 256 * 1024).catch((err: unknown) => ctx.log.warn({ error: (err as Error).message }, 'could not load persisted logs'));
        s.logStore.start();
        await s.registry.start();
        if (demoFleetEnabled(ctx.config)) {
          // No hosts configured: watch three simulated hosts in this process instead (README).
          demo = await startDemoFleet({ ...(ctx.config.DEMO_BASE_PORT ? { basePort: ctx.config.DEMO_BASE_PORT } : {}) });
          for (const h of demo.hosts) await s.registry.addRuntimeHost({ ...h, kind: 'llama-swap', source: 'demo' });
          ctx.log.info({ hosts: demo.hosts.map((h) => h.id) }, 'demo fleet started (no hosts configured)');
        }
        if (!options.retention?.disabled) s.retention.start(options.retention?.rollupEveryMs, options.retention?.pruneEveryMs);
      },
      async stop() {
        await s.registry.stop();
        await demo?.close();
        await s.retention.stop();
        // Rows the connectors produced before stopping are written, so a restart resumes cleanly.
        await s.writer.stop();
        s.logs.close();
        await s.logStore.stop();
        ctx.fleet.close();
      },
    };
  }
}
