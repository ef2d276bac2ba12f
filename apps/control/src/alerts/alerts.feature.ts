import { randomUUID } from 'node:crypto';
import {
  AlertListQuerySchema,
  AlertListSchema,
  AlertParamsSchema,
  AlertRulesResponseSchema,
  DeliveryListSchema,
  SilenceBodySchema,
  SilenceListSchema,
  SilenceParamsSchema,
  SilenceSchema,
  type Silence,
} from '@boocontrol/contracts';
import type { ControlContext, Feature } from '../context';
import { route } from '../http/route';
import { AppError } from '../lib/errors';
import { CompareRepo } from '../reports/compare.repo';
import { figuresOf } from '../reports/compare.service';
import { AlertsRepo } from './alerts.repo';
import { AlertEngine, publicAlert } from './engine';
import { Notifier } from './notifier';
import { AlertObserver, key } from './observer';
import { loadAlertsConfig, type AlertsConfig } from './rules';

export interface AlertsOptions {
  /** Instead of ALERTS_FILE (tests). */
  config?: AlertsConfig;
  evalEveryMs?: number;
  pollMs?: number;
  now?: () => Date;
}

export interface AlertsFeature extends Feature {
  engine: AlertEngine;
  notifier: Notifier;
}

/**
 * Alerts: rules from ALERTS_FILE (or the shipped defaults) evaluated on the live state and the
 * stored-row stream, a history table, silences, webhook/ntfy delivery and the `alerts` topic.
 * The file is read here, at composition: a bad file stops control at boot (ALERTS_FILE_INVALID).
 */
export function createAlertsFeature(ctx: ControlContext, opts: AlertsOptions = {}): AlertsFeature {
  const cfg = opts.config ?? loadAlertsConfig(ctx.config.ALERTS_FILE);
  const db = ctx.dbState.db;
  const repo = new AlertsRepo(db);
  const compare = new CompareRepo(db);
  const now = opts.now ?? (() => new Date());
  const notifier = new Notifier({ repo, channels: cfg.notify, attempts: cfg.delivery.attempts, backoffMs: cfg.delivery.backoffMs, log: ctx.log, now, ...(opts.pollMs ? { pollMs: opts.pollMs } : {}) });
  const engine = new AlertEngine({
    repo,
    rules: cfg.rules,
    observer: new AlertObserver(ctx.bus),
    notifier,
    bus: ctx.bus,
    hosts: () => ctx.fleet.list(),
    baselines: async () => {
      const m = new Map<string, number>();
      for (const r of await compare.lastBenchRuns(1, {})) {
        const p95 = figuresOf(r.point).ttftP95Ms;
        if (p95 !== null) m.set(key(r.hostId, r.model), p95);
      }
      return m;
    },
    log: ctx.log,
    evalEveryMs: opts.evalEveryMs ?? ctx.config.ALERTS_EVAL_EVERY_MS,
    now,
  });
  ctx.live.alerts(() => engine.firing());
  let pruner: NodeJS.Timeout | undefined;
  return {
    name: 'alerts',
    engine,
    notifier,
    routes(app, registry) {
      route(app, registry, {
        method: 'GET',
        url: '/api/control/alerts',
        summary: 'Firing alerts (state=all: the history, newest first); live on the alerts topic',
        tags: ['alerts'],
        query: AlertListQuerySchema,
        response: AlertListSchema,
        handler: async ({ query }) => ({ alerts: query.state === 'firing' ? engine.firing() : (await repo.history(query.limit)).map(publicAlert) }),
      });
      route(app, registry, {
        method: 'GET',
        url: '/api/control/alerts/rules',
        summary: 'The rules in force and the notification channels (names only)',
        tags: ['alerts'],
        response: AlertRulesResponseSchema,
        handler: () => ({ file: cfg.file, rules: [...engine.rules], channels: cfg.notify.map((c) => ({ name: c.name, kind: c.kind })) }),
      });
      route(app, registry, {
        method: 'GET',
        url: '/api/control/alerts/:id/deliveries',
        summary: 'Where the notifications of an alert stand (attempts, last error)',
        tags: ['alerts'],
        params: AlertParamsSchema,
        response: DeliveryListSchema,
        errors: { 404: 'no such alert' },
        handler: async ({ params }) => {
          if (!(await repo.get(params.id))) throw new AppError('NOT_FOUND', `no alert "${params.id}"`);
          return { deliveries: await repo.deliveries(params.id) };
        },
      });
      route(app, registry, {
        method: 'GET',
        url: '/api/control/alerts/silences',
        summary: 'Active silences',
        tags: ['alerts'],
        response: SilenceListSchema,
        handler: async () => ({ silences: await repo.activeSilences(now()) }),
      });
      route(app, registry, {
        method: 'POST',
        url: '/api/control/alerts/silences',
        summary: 'Silence a rule and/or host for a while: alerts still record, nothing is notified',
        tags: ['alerts'],
        body: SilenceBodySchema,
        response: SilenceSchema,
        status: 201,
        handler: async ({ body }) => {
          if (body.rule && !engine.rules.some((r) => r.id === body.rule)) throw new AppError('NOT_FOUND', `no rule "${body.rule}"`);
          const start = now();
          const s: Silence = { id: randomUUID(), rule: body.rule ?? null, hostId: body.hostId ?? null, comment: body.comment, startsAt: start.toISOString(), endsAt: new Date(start.getTime() + body.durationS * 1000).toISOString() };
          await repo.addSilence(s);
          await engine.refreshSilences();
          return s;
        },
      });
      route(app, registry, {
        method: 'DELETE',
        url: '/api/control/alerts/silences/:id',
        summary: 'End a silence',
        tags: ['alerts'],
        params: SilenceParamsSchema,
        status: 204,
        errors: { 404: 'no such silence' },
        handler: async ({ params }) => {
          if (!(await repo.deleteSilence(params.id))) throw new AppError('NOT_FOUND', `no silence "${params.id}"`);
          await engine.refreshSilences();
          return undefined;
        },
      });
    },
    async start() {
      await engine.start();
      pruner = setInterval(() => void repo.deleteResolvedOlderThan(new Date(now().getTime() - ctx.config.RETENTION_ACTIVITY_DAYS * 86_400_000)).catch(() => undefined), 3_600_000);
      pruner.unref();
    },
    async stop() {
      if (pruner) clearInterval(pruner);
      await engine.stop();
    },
  };
}
