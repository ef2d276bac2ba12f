import { HealthSchema, type Health } from '@boocontrol/contracts';
import type { FeatureFactory } from '../context';
import { route } from '../http/route';
import { probeDb } from '../db/connect';

export const healthFeature: FeatureFactory = (ctx) => ({
  name: 'health',
  routes(app, registry) {
    route(app, registry, {
      method: 'GET',
      url: '/api/control/health',
      summary: 'Liveness, database state and fleet counts',
      tags: ['system'],
      // Public: supervisors and `pnpm start` probe it without credentials. It shows counts, never secrets.
      scope: 'public',
      response: HealthSchema,
      async handler() {
        await probeDb(ctx.dbState);
        const hosts = ctx.fleet.counts();
        const body: Health = {
          status: ctx.dbState.ok ? 'ok' : 'degraded',
          version: ctx.version,
          uptimeS: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000),
          db: { backend: ctx.dbState.db.backend, ok: ctx.dbState.ok, ...(ctx.dbState.error ? { error: ctx.dbState.error } : {}) },
          hosts,
          counters: { ...ctx.counters.toJSON(), 'ws.deltasDropped': ctx.live.stats().deltasDropped, 'ws.connections': ctx.live.stats().connections },
        };
        return body;
      },
    });
  },
});
