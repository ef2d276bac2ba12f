import type { BenchLiveFrame } from '@boocontrol/contracts';
import type { ControlContext, Feature } from '../context';
import type { FleetServices } from '../fleet/fleet-services';
import { LeaseRepo } from '../lease/lease.repo';
import { LeaseService } from '../lease/lease.service';
import { BenchRepo } from './bench.repo';
import { registerBenchJob } from './bench.job';
import { registerBenchRoutes } from './bench.routes';
import { BenchService } from './bench.service';

export interface BenchFeature extends Feature {
  /** The fleet lease, for the features after it (evals, the gateway). */
  leases: LeaseService;
}

/**
 * Speed benchmarks (issue 11): the `bench` job type, its REST, the `bench` live topic and the
 * fleet lease it holds. Needs the fleet (recent activity for the HOST_BUSY check).
 */
export function createBenchFeature(ctx: ControlContext, fleet: FleetServices, opts: { settleMs?: number } = {}): BenchFeature {
  const repo = new BenchRepo(ctx.dbState.db);
  const leases = new LeaseService(new LeaseRepo(ctx.dbState.db), ctx.bus, (err, hostId) => ctx.log.warn({ err, hostId }, 'lease renewal failed'));
  const live = new Map<string, BenchLiveFrame>();
  registerBenchJob(ctx.queue.registry, { repo, hosts: ctx.hosts, fleet: ctx.fleet, leases, bus: ctx.bus, live, ...opts });
  const service = new BenchService({ repo, queue: ctx.queue, hosts: ctx.hosts, fleet: ctx.fleet, leases, live, recentActivity: () => fleet.activity.recentRows() });
  ctx.live.bench(() => service.liveRuns());
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () =>
    repo.interruptUnfinished(new Date()).then(
      (n) => n > 0 && ctx.log.warn({ runs: n }, 'bench runs whose job ended are now interrupted'),
      (err: unknown) => ctx.log.error({ err }, 'bench sweep failed'),
    );
  return {
    name: 'bench',
    leases,
    routes(app, registry) {
      registerBenchRoutes(app, registry, service, leases);
    },
    async start() {
      await sweep();
      sweeper = setInterval(() => void sweep(), 30_000);
      sweeper.unref();
    },
    async stop() {
      clearInterval(sweeper);
    },
  };
}
