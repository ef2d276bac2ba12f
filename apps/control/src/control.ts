import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
import { bridgeJobs } from './live/bridge';
import { buildApp } from './app';
import { FEATURES } from './features';

export const VERSION: string = (JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

export interface Control {
  app: FastifyInstance;
  ctx: ControlContext;
  /** Waits for the database, then starts every feature (connectors, demo fleet…). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateControlOptions {
  /** Use this database instead of opening one from config (tests). */
  db?: Db;
  logger?: FastifyBaseLogger;
  features?: typeof FEATURES;
}

/** Builds the whole control service without listening: used by main.ts and by tests alike. */
export async function createControl(config: Config, opts: CreateControlOptions = {}): Promise<Control> {
  const log = opts.logger ?? (pino({ level: config.LOG_LEVEL }) as unknown as FastifyBaseLogger);
  const db = opts.db ?? (await openDb(config.DATABASE_URL, config.PGLITE_DIR, log));
  const dbState: DbState = { db, ok: false, schemaApplied: false };
  const hub = new Hub();
  const counters = new Counters();
  const bus = new EventBus({
    onError: (err, type) => {
      counters.inc('bus_subscriber_errors_total');
      log.error({ err, type }, 'event subscriber failed');
    },
  });
  const fleet = new FleetState(hub);
  const jobsRepo = new JobsRepo(db);
  const queue = new ActionQueue({
    repo: jobsRepo,
    registry: new JobRegistry(),
    heartbeatMs: config.JOB_HEARTBEAT_MS,
    publish: (job) => bus.publish({ type: 'job.changed', job }),
    maxQueuedPerHost: config.ACTION_QUEUE_MAX_PER_HOST,
    onError: (err, jobId) => log.error({ err, jobId }, 'job bookkeeping failed'),
  });
  bridgeJobs(bus, hub, () => queue.recent());
  const ctx: ControlContext = {
    config,
    version: VERSION,
    startedAt: new Date(),
    log,
    dbState,
    hub,
    bus,
    fleet,
    queue,
    jobsRepo,
    hostsRepo: new HostsRepo(db),
    counters,
  };
  const features: Feature[] = (opts.features ?? FEATURES).map((f) => f(ctx));
  const app = await buildApp({ hub, features, version: VERSION, logger: log });
  const stopping = new AbortController();

  return {
    app,
    ctx,
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
