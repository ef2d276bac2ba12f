import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from './config';
import type { DbState } from './db/connect';
import type { LiveBridge } from './live/bridge';
import type { FleetState } from './fleet/fleet-state';
import type { ActionQueue } from './jobs/queue';
import type { JobsRepo } from './jobs/jobs.repo';
import type { HostsRepo } from './hosts/hosts.repo';
import type { HostDirectory } from './hosts/host-directory';
import type { RouteRegistry } from './http/route';
import type { Counters } from './lib/counters';
import type { EventBus } from './events/bus';

/** Everything a feature may use. Built once in control.ts; tests build it with a real database. */
export interface ControlContext {
  config: Config;
  version: string;
  startedAt: Date;
  log: FastifyBaseLogger;
  dbState: DbState;
  /** The live stream, as features see it: topics are bridged from bus events (live/bridge.ts). */
  live: LiveBridge;
  /** Domain events: producers publish here; the live stream and later consumers subscribe. */
  bus: EventBus;
  fleet: FleetState;
  queue: ActionQueue;
  jobsRepo: JobsRepo;
  hostsRepo: HostsRepo;
  /** Resolves a host (base URL, API key, SSH record, actions) for anyone acting on it. */
  hosts: HostDirectory;
  counters: Counters;
}

/**
 * A feature plugs into control through this shape: routes (parse → one service call → map) and
 * a lifecycle. Each lives in its own folder as a `*.feature.ts` (or `*.routes.ts` for route-only
 * ones) and is built in the composition root, control.ts, from the context and what earlier
 * features provide.
 */
export interface Feature {
  name: string;
  routes?(app: FastifyInstance, registry: RouteRegistry): void;
  /** Called after the database is ready and the server listens. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type FeatureFactory = (ctx: ControlContext) => Feature;
