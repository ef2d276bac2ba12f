import type { ControlContext, Feature } from '../context';
import type { LeaseService } from '../lease/lease.service';
import { LoadStatsRepo } from '../models/transitions.repo';
import { loadRoutingFile, PolicyBook } from '../routing/policies';
import { Router } from '../routing/router';
import { registerRoutingRoutes } from '../routing/routing.routes';
import type { ScoreInputs } from '../routing/score';
import { RoutingSignals, StoredQuality, type QualitySource } from '../routing/signals';
import { SignalsRepo } from '../routing/signals.repo';
import { GatewayServer } from './gateway.server';
import { registerGatewayRoutes } from './gateway.routes';
import { HostHealth } from './host-health';
import { KeysRepo } from './keys.repo';
import { KeyStore } from './keys';
import { LeaseView } from './lease-view';
import { fleetInflight, HostTargets, InflightCounter } from './live-inputs';
import { GatewayMetrics } from './metrics';
import { GatewayRecorder } from './recorder';
import { RequestsRepo } from './requests.repo';
import { Upstreams } from './upstream';

export interface GatewayFeatureOptions {
  /** The fleet lease (the bench feature provides it); without it no host is ever leased. */
  leases?: LeaseService | undefined;
  /** Replaces the stored-eval quality signal (the eval engine plugs in here). */
  quality?: QualitySource;
  signalsEveryMs?: number;
  leaseRefreshMs?: number;
  recorderFlushMs?: number;
  rng?: () => number;
}

export interface GatewayFeature extends Feature {
  /** `http://127.0.0.1:<port>` once started. */
  url(): string | null;
  router: Router;
  signals: RoutingSignals;
  recorder: GatewayRecorder;
}

/**
 * The fleet gateway (issue 13, docs/gateway.md): OpenAI-compatible /v1 on GATEWAY_PORT with
 * model resolution, auto:* policies, failover and cooldown, the lease wait, attribution; its
 * REST (keys, requests, usage, status) and the routing REST (scores, explain, policies).
 */
export function createGatewayFeature(ctx: ControlContext, o: GatewayFeatureOptions = {}): GatewayFeature {
  const cfg = ctx.config;
  const db = ctx.dbState.db;
  const book = new PolicyBook(cfg.ROUTING_FILE || null);
  const signalsRepo = new SignalsRepo(db);
  const quality = o.quality ?? new StoredQuality(signalsRepo, (m) => book.facts(m).quality);
  const signals = new RoutingSignals({ repo: signalsRepo, loads: new LoadStatsRepo(db), quality, onError: (err) => ctx.log.warn({ err }, 'routing signals refresh failed') }, o.signalsEveryMs);
  const upstreams = new Upstreams();
  const targets = new HostTargets(ctx.hosts, ctx.fleet);
  const health = new HostHealth({
    baseMs: cfg.GATEWAY_COOLDOWN_MS,
    maxMs: cfg.GATEWAY_COOLDOWN_MAX_MS,
    probe: async (hostId) => {
      const t = await targets.get(hostId);
      return t ? upstreams.probe(t.baseUrl, '/health', t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {}) : false;
    },
    onChange: (hostId, cooling) => ctx.log.info({ hostId, cooling }, cooling ? 'gateway: host cooled down' : 'gateway: host back in rotation'),
  });
  const leases = new LeaseView(o.leases, ctx.bus, o.leaseRefreshMs, (err) => ctx.log.warn({ err }, 'lease refresh failed'));
  const keys = new KeyStore(new KeysRepo(db), cfg.GATEWAY_KEYS, (err) => ctx.log.warn({ err }, 'gateway keys reload failed'));
  const requests = new RequestsRepo(db);
  const recorder = new GatewayRecorder(requests, {
    ...(o.recorderFlushMs ? { flushMs: o.recorderFlushMs } : {}),
    onError: (err) => ctx.log.warn({ err }, 'gateway records not stored'),
    onDrop: (n) => ctx.counters.inc('gateway_records_dropped_total', n),
  });
  const inflight = new InflightCounter();
  const inputs: ScoreInputs = {
    speed: (h, m, n) => signals.speed(h, m, n),
    loadMs: (h, m) => signals.loadMs(h, m),
    quality: (m, c) => signals.quality(m, c),
    inflight: (h, m) => Math.max(inflight.model(h, m), fleetInflight(ctx.fleet.get(h), m)),
    hostInflight: (h) => Math.max(inflight.host(h), fleetInflight(ctx.fleet.get(h))),
    errorRate: (h) => health.errorRate(h),
    coolingDown: (h) => health.coolingDown(h),
    leased: (h) => leases.leased(h),
    facts: (m) => book.facts(m),
    hostTags: (h) => book.hostTags(h),
  };
  const router = new Router(() => ctx.fleet.list(), book, inputs, o.rng);
  const server = new GatewayServer({
    router,
    book,
    fleet: () => ctx.fleet.list(),
    upstreams,
    health,
    leases,
    keys,
    targets,
    inflight,
    record: (r) => recorder.record(r),
    counters: ctx.counters,
    metrics: new GatewayMetrics(),
    leaseWaitMs: cfg.GATEWAY_LEASE_WAIT_MS,
    maxBodyBytes: cfg.GATEWAY_MAX_BODY_MB * 1024 * 1024,
    onError: (err) => ctx.log.error({ err }, 'gateway request failed'),
  });
  const offs = [
    ctx.bus.on('activity.stored', (e) => recorder.activityStored(e.rows)),
    ctx.bus.on('host.changed', (e) => targets.warm(e.host.id)),
    ctx.bus.on('host.removed', (e) => {
      health.forget(e.hostId);
      targets.forget(e.hostId);
    }),
  ];
  let url: string | null = null;
  let pruner: NodeJS.Timeout | undefined;
  // Request records live as long as activity rows (RETENTION_ACTIVITY_DAYS).
  const prune = () =>
    requests.deleteOlderThan(new Date(Date.now() - cfg.RETENTION_ACTIVITY_DAYS * 86_400_000)).catch((err: unknown) => ctx.log.warn({ err }, 'gateway request pruning failed'));
  return {
    name: 'gateway',
    router,
    signals,
    recorder,
    url: () => url,
    routes(app, registry) {
      registerGatewayRoutes(app, registry, { keys, requests, recorder, health, leases, inflight, counters: ctx.counters, fleet: () => ctx.fleet.list(), url: () => url });
      registerRoutingRoutes(app, registry, { router, book, leaseWaitMs: cfg.GATEWAY_LEASE_WAIT_MS });
    },
    async start() {
      // A broken routing file stops the start with the line of every offending field (like HOSTS_FILE).
      if (cfg.ROUTING_FILE) book.setFile(await loadRoutingFile(cfg.ROUTING_FILE));
      await Promise.all([keys.start(), leases.start(), signals.start()]);
      recorder.start();
      pruner = setInterval(() => void prune(), 3_600_000);
      pruner.unref();
      url = await server.listen(cfg.GATEWAY_HOST, cfg.GATEWAY_PORT);
      ctx.log.info({ url, keysRequired: keys.required, policies: book.names() }, 'gateway listening');
    },
    async stop() {
      for (const off of offs) off();
      clearInterval(pruner);
      await server.close();
      await recorder.stop();
      keys.stop();
      leases.close();
      signals.stop();
      health.close();
      await upstreams.close();
    },
  };
}
