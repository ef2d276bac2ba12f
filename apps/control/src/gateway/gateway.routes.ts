import type { FastifyInstance } from 'fastify';
import {
  GatewayKeyCreatedSchema,
  GatewayKeyCreateSchema,
  GatewayKeyListSchema,
  GatewayKeyParamsSchema,
  GatewayRequestListQuerySchema,
  GatewayRequestListSchema,
  GatewayStatusSchema,
  GatewayUsageQuerySchema,
  GatewayUsageSchema,
  type HostSummary,
} from '@boocontrol/contracts';
import { z } from 'zod';
import { route, type RouteRegistry } from '../http/route';
import type { Counters } from '../lib/counters';
import type { HostHealth } from './host-health';
import type { KeyStore } from './keys';
import type { LeaseView } from './lease-view';
import type { InflightCounter } from './live-inputs';
import type { GatewayRecorder } from './recorder';
import type { RequestsRepo } from './requests.repo';

export interface GatewayRoutesDeps {
  keys: KeyStore;
  requests: RequestsRepo;
  recorder: GatewayRecorder;
  health: HostHealth;
  leases: LeaseView;
  inflight: InflightCounter;
  counters: Counters;
  fleet: () => HostSummary[];
  url: () => string | null;
}

const tags = ['gateway'];
const date = (s: string | undefined) => (s ? new Date(s) : undefined);

export function registerGatewayRoutes(app: FastifyInstance, registry: RouteRegistry, d: GatewayRoutesDeps): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/gateway/keys',
    summary: 'Gateway keys (id, consumer, prefix; never the key); required is true once any key exists',
    tags,
    response: GatewayKeyListSchema,
    handler: () => ({ keys: d.keys.list(), required: d.keys.required }),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/gateway/keys',
    summary: 'Create a key for a consumer; the key is in this response only (stored as a hash)',
    tags,
    body: GatewayKeyCreateSchema,
    response: GatewayKeyCreatedSchema,
    status: 201,
    handler: ({ body }) => d.keys.create(body.consumer),
  });
  route(app, registry, {
    method: 'DELETE',
    url: '/api/control/gateway/keys/:id',
    summary: 'Revoke a managed key (GATEWAY_KEYS entries are removed from the environment)',
    tags,
    params: GatewayKeyParamsSchema,
    response: z.object({ revoked: z.string() }),
    errors: { 404: 'NOT_FOUND', 409: 'CONFLICT: an env key' },
    handler: async ({ params }) => {
      await d.keys.revoke(params.id);
      return { revoked: params.id };
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/gateway/requests',
    summary: 'Gateway requests, newest first: consumer, session, route reason, overhead, tokens from the joined activity row',
    tags,
    query: GatewayRequestListQuerySchema,
    response: GatewayRequestListSchema,
    handler: async ({ query }) => {
      await d.recorder.flush();
      return { requests: await d.requests.list({ consumers: query.consumer, session: query.session, hosts: query.host, from: date(query.from), to: date(query.to) }, query.limit) };
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/gateway/usage',
    summary: 'Requests and tokens by consumer, host and model (default: the last 24 hours)',
    tags,
    query: GatewayUsageQuerySchema,
    response: GatewayUsageSchema,
    handler: async ({ query }) => {
      await d.recorder.flush();
      const to = date(query.to) ?? new Date();
      const from = date(query.from) ?? new Date(to.getTime() - 86_400_000);
      return { from: from.toISOString(), to: to.toISOString(), groups: await d.requests.usage({ from, to, hosts: query.host, models: query.model }) };
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/gateway/status',
    summary: 'The gateway listener, host cooldowns, error rates, in-flight and leases, counters',
    tags,
    response: GatewayStatusSchema,
    handler: () => {
      const ids = [...new Set([...d.fleet().map((h) => h.id), ...d.health.ids()])].sort();
      const counters = Object.fromEntries(Object.entries(d.counters.toJSON()).filter(([k]) => k.startsWith('gateway_')));
      return {
        listening: d.url(),
        keysRequired: d.keys.required,
        inflight: d.inflight.total,
        hosts: ids.map((hostId) => ({ hostId, ...d.health.snapshot(hostId), inflight: d.inflight.host(hostId), leased: d.leases.leased(hostId) })),
        counters,
      };
    },
  });
}
