import type { ControlContext, Feature } from '../context';
import { CompareRepo } from './compare.repo';
import { CompareService } from './compare.service';
import { registerReportRoutes, type ReportServices } from './reports.routes';
import { ResidencyRepo } from './residency.repo';
import { ResidencyService } from './residency.service';
import { RollupService } from './rollup.service';
import { RollupsRepo } from './rollups.repo';
import { UsageReportService } from './usage.service';

export interface ReportsOptions {
  /** How often dirty hours are rebuilt (default 60 s). */
  rollupEveryMs?: number;
  /** No timers (tests call rollups.runOnce()). */
  manual?: boolean;
  now?: () => Date;
}

export interface ReportsFeature extends Feature {
  services: ReportServices & { rollups: RollupService; rollupsRepo: RollupsRepo };
}

/** Reports (usage, residency, comparisons) and the rollups they read. */
export function createReportsFeature(ctx: ControlContext, opts: ReportsOptions = {}): ReportsFeature {
  const db = ctx.dbState.db;
  const now = opts.now ?? (() => new Date());
  const rollupsRepo = new RollupsRepo(db);
  const rollups = new RollupService({
    repo: rollupsRepo,
    bus: ctx.bus,
    rawSince: () => new Date(now().getTime() - ctx.config.RETENTION_ACTIVITY_DAYS * 86_400_000),
    keepDays: ctx.config.RETENTION_ROLLUP_DAYS,
    log: ctx.log,
    now,
  });
  const services = {
    usage: new UsageReportService(rollupsRepo, now),
    residency: new ResidencyService(new ResidencyRepo(db), () => ctx.fleet.list().map((h) => h.id), now),
    compare: new CompareService(new CompareRepo(db), now),
    rollups,
    rollupsRepo,
  };
  return {
    name: 'reports',
    services,
    routes(app, registry) {
      registerReportRoutes(app, registry, services);
    },
    async start() {
      if (!opts.manual) rollups.start(opts.rollupEveryMs);
    },
    async stop() {
      await rollups.stop();
    },
  };
}
