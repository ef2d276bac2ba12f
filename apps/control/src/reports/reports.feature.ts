import type { ControlContext, Feature } from '../context';
import { CompareRepo } from './compare.repo';
import { CompareService } from './compare.service';
import { registerReportRoutes, registerSavedReportRoutes, type ReportServices } from './reports.routes';
import { SavedReportsRepo } from './saved.repo';
import { SavedReportsService } from './saved.service';
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
  /** Webhook retry backoff of scheduled reports (tests). */
  retryMs?: number;
}

export interface ReportsFeature extends Feature {
  services: ReportServices & { rollups: RollupService; rollupsRepo: RollupsRepo; saved: SavedReportsService };
}

/** Reports (usage, residency, comparisons) and the rollups they read. */
export function createReportsFeature(ctx: ControlContext, opts: ReportsOptions = {}): ReportsFeature {
  const db = ctx.dbState.db;
  const now = opts.now ?? (() => new Date());
  const rollupsRepo = new RollupsRepo(db);
  const usage = new UsageReportService(rollupsRepo, now);
  const rollups = new RollupService({
    onRebuilt: (from, to) => usage.invalidate(from, to),
    repo: rollupsRepo,
    bus: ctx.bus,
    rawSince: () => new Date(now().getTime() - ctx.config.RETENTION_ACTIVITY_DAYS * 86_400_000),
    keepDays: ctx.config.RETENTION_ROLLUP_DAYS,
    log: ctx.log,
    now,
  });
  const services = {
    usage,
    residency: new ResidencyService(new ResidencyRepo(db), () => ctx.fleet.list().map((h) => h.id), now),
    compare: new CompareService(new CompareRepo(db), now),
    rollups,
    rollupsRepo,
  };
  const saved = new SavedReportsService({
    repo: new SavedReportsRepo(db),
    reports: services,
    webhookUrl: ctx.config.REPORTS_WEBHOOK_URL,
    log: ctx.log,
    now,
    ...(opts.retryMs ? { retryMs: opts.retryMs } : {}),
  });
  return {
    name: 'reports',
    services: { ...services, saved },
    routes(app, registry) {
      registerReportRoutes(app, registry, services);
      registerSavedReportRoutes(app, registry, saved);
    },
    async start() {
      if (opts.manual) return;
      rollups.start(opts.rollupEveryMs);
      saved.start();
    },
    async stop() {
      await saved.stop();
      await rollups.stop();
    },
  };
}
