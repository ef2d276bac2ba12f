import { VERSION } from './version';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Config } from './config';
import type { ControlContext, Feature } from './context';
import type { Db } from './db/db';
import { openDb, prepareDb, type DbState } from './db/connect';
import { Hub } from './live/hub';
import { FleetState } from './fleet/fleet-state';
import { JobsRepo } from './jobs/jobs.repo';
import { ActionQueue } from './jobs/queue';
import { JobRegistry } from './jobs/registry';
import { HostsRepo } from './hosts/hosts.repo';
import { Counters } from './lib/counters';
import { EventBus } from './events/bus';
import { LiveBridge } from './live/bridge';
import { buildApp } from './app';
import { HostDirectory } from './hosts/host-directory';
import { healthFeature } from './health/health.routes';
import { jobsFeature } from './jobs/jobs.routes';
import { createHostConfigFeature, type HostConfigFeatureOptions } from './ssh/ssh-config.routes';
import { createFleetFeature } from './fleet/fleet.feature';
import type { FleetOptions, FleetServices } from './fleet/fleet-services';
import { createActionsFeature } from './actions/actions.feature';
import { createAccessFeature, type AppAccess } from './access/access.feature';
import { createMcpFeature } from './mcp/mcp.feature';

import { createMetricsFeature } from './metrics/metrics.feature';
import { createAlertsFeature, type AlertsFeature, type AlertsOptions } from './alerts/alerts.feature';
import { createReportsFeature, type ReportsFeature, type ReportsOptions } from './reports/reports.feature';

import { createEvalFeature, type EvalFeatureOptions } from './evals/eval.feature';

import { createBenchFeature, type BenchFeature } from './bench/bench.feature';
import { createGatewayFeature, type GatewayFeature, type GatewayFeatureOptions } from './gateway/gateway.feature';

export const FEATURE_NAMES = ['access', 'health', 'jobs', 'host-config', 'metrics', 'fleet', 'actions', 'bench', 'evals', 'gateway', 'reports', 'alerts', 'mcp'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export { VERSION };

export interface Control {
  app: FastifyInstance;
  ctx: ControlContext;
  /** The live stream's hub (the WS route and tests that connect a socket to it). */
  hub: Hub;
  /** The fleet feature's services, when it runs (tests and benches reach the registry and writer). */
  fleet: FleetServices | undefined;
  /** The reports feature (rollups, report services), when it runs. */
  reports: ReportsFeature['services'] | undefined;
  /** The alerts feature (engine, notifier), when it runs. */
  alerts: AlertsFeature | undefined;
  /** The gateway feature, when it runs (its URL once started; tests and benches). */
  gateway: GatewayFeature | undefined;
  /** Waits for the database, then starts every feature (connectors, demo fleet…). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateControlOptions {
  /** Use this database instead of opening one from config (tests). */
  db?: Db;
  logger?: FastifyBaseLogger;
  /** Run only these features (tests); default all. A feature's dependencies must be listed too. */
  features?: readonly FeatureName[];
  fleet?: FleetOptions;
  hostConfig?: HostConfigFeatureOptions;
  bench?: { settleMs?: number };
  metrics?: { processMetrics?: boolean };
  reports?: ReportsOptions;
  alerts?: AlertsOptions;
  evals?: EvalFeatureOptions;
  gateway?: Omit<GatewayFeatureOptions, 'leases'>;
}

/**
 * The composition root: every feature is built here, in start order, from the context and from
 * what the features before it provide. Adding a capability adds its lines here; nothing looks
 * anything up behind the scenes.
 */
function compose(
  ctx: ControlContext,
  opts: CreateControlOptions,
): {
  features: Feature[];
  fleet: FleetServices | undefined;
  access: AppAccess | undefined;
  reports: ReportsFeature | undefined;
  alerts: AlertsFeature | undefined;
  gateway: GatewayFeature | undefined;
} {
  const on = new Set<FeatureName>(opts.features ?? FEATURE_NAMES);
  const features: Feature[] = [];
  // Never silently open: a configured auth mode without the feature that enforces it is a bug.
  if (!on.has('access') && ctx.config.CONTROL_AUTH !== 'off') throw new Error(`CONTROL_AUTH=${ctx.config.CONTROL_AUTH} needs the access feature`);
  const access = on.has('access') ? createAccessFeature(ctx) : undefined;
  if (access) features.push(access);
  if (on.has('health')) features.push(healthFeature(ctx));
  if (on.has('jobs')) features.push(jobsFeature(ctx));
  if (on.has('host-config')) features.push(createHostConfigFeature(ctx, opts.hostConfig));
  // Before the fleet: its counters subscribe to the bus and must see the first stored rows.
  if (on.has('metrics')) features.push(createMetricsFeature(ctx, opts.metrics));
  const fleet = on.has('fleet') ? createFleetFeature(ctx, opts.fleet) : undefined;
  if (fleet) features.push(fleet);
  if (on.has('actions')) {
    if (!fleet) throw new Error('the actions feature needs the fleet feature');
    features.push(createActionsFeature(ctx, fleet.services));
  }
  let bench: BenchFeature | undefined;
  if (on.has('bench')) {
    if (!fleet || !on.has('actions')) throw new Error('the bench feature needs the fleet and actions features (it warms models as child jobs)');
    bench = createBenchFeature(ctx, fleet.services, opts.bench);
    features.push(bench);
    if (on.has('evals')) features.push(createEvalFeature(ctx, bench.leases, opts.evals));
  } else if (on.has('evals')) {
    throw new Error('the evals feature needs the bench feature (the fleet lease)');
  }
  // The gateway reads the live fleet from ctx; with the bench feature it honours the fleet lease.
  const gateway = on.has('gateway') ? createGatewayFeature(ctx, { ...opts.gateway, leases: bench?.leases }) : undefined;
  if (gateway) features.push(gateway);
  const reports = on.has('reports') ? createReportsFeature(ctx, opts.reports) : undefined;
  if (reports) features.push(reports);
  const alerts = on.has('alerts') ? createAlertsFeature(ctx, opts.alerts) : undefined;
  if (alerts) features.push(alerts);
  if (on.has('mcp')) features.push(createMcpFeature(ctx));
  return { features, fleet: fleet?.services, access: access?.access, reports, alerts, gateway };
}

/** Builds the whole control service without listening: used by main.ts and by tests alike. */
export async function createControl(config: Config, opts: CreateControlOptions = {}): Promise<Control> {
  const log = opts.logger ?? (pino({ level: config.LOG_LEVEL }) as unknown as FastifyBaseLogger);
  const db = opts.db ?? (await openDb(config.DATABASE_URL, config.PGLITE_DIR, log, config.PGLITE_THREAD));
  const dbState: DbState = { db, ok: false, schemaApplied: false };
  const hub = new Hub();
  const counters = new Counters();
  const bus = new EventBus({
    onError: (err, type) => {
      counters.inc('bus_subscriber_errors_total');
      log.error({ err, type }, 'event subscriber failed');
    },
  });
  const live = new LiveBridge(bus, hub);
  const fleet = new FleetState(bus);
  live.fleet(fleet);
  const hostsRepo = new HostsRepo(db);
  const jobsRepo = new JobsRepo(db);
  const queue = new ActionQueue({
    repo: jobsRepo,
    registry: new JobRegistry(),
    heartbeatMs: config.JOB_HEARTBEAT_MS,
    publish: (job) => bus.publish({ type: 'job.changed', job }),
    maxQueuedPerHost: config.ACTION_QUEUE_MAX_PER_HOST,
    onError: (err, jobId) => log.error({ err, jobId }, 'job bookkeeping failed'),
  });
  live.jobs(() => queue.recent());
  const ctx: ControlContext = {
    config,
    version: VERSION,
    startedAt: new Date(),
    log,
    dbState,
    live,
    bus,
    fleet,
    queue,
    jobsRepo,
    hostsRepo,
    hosts: new HostDirectory({ fleet, hostsRepo, providers: config.LLAMA_PROVIDERS, secretsDir: config.SECRETS_DIR }),
    counters,
  };
  const { features, fleet: fleetServices, access, reports, alerts, gateway } = compose(ctx, opts);
  const app = await buildApp({ hub, features, version: VERSION, logger: log, access, trustedHops: config.CONTROL_TRUSTED_HOPS });
  const stopping = new AbortController();

  return {
    app,
    ctx,
    hub,
    fleet: fleetServices,
    reports: reports?.services,
    alerts,
    gateway,
    async start() {
      await prepareDb(dbState, log, stopping.signal);
      if (stopping.signal.aborted) return;
      // Jobs whose owner stopped beating belonged to a process that is gone (a live second
      // control sharing the database keeps its own); the queue's watch sweeps later ones.
      const interrupted = await jobsRepo.interruptStale(new Date(Date.now() - 3 * config.JOB_HEARTBEAT_MS));
      if (interrupted > 0) log.warn({ interrupted }, 'jobs left unfinished by a previous run are now interrupted');
      queue.startWatch();
      for (const f of features) await f.start?.();
    },
    async close() {
      stopping.abort();
      await queue.close();
      for (const f of [...features].reverse()) await f.stop?.().catch((err: unknown) => log.error({ err, feature: f.name }, 'feature stop failed'));
      hub.close();
      await app.close();
      await db.close();
    },
  };
}
