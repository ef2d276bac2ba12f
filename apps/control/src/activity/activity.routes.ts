import type { FastifyInstance } from 'fastify';
import { ActivityListQuerySchema, ActivityPageSchema, ActivityParamsSchema, ActivityRowSchema, ActivityStatsQuerySchema, ActivityStatsSchema, CaptureSchema } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import type { CapturesService } from '../captures/captures.service';
import type { ActivityService } from './activity.service';

export function registerActivityRoutes(app: FastifyInstance, registry: RouteRegistry, activity: ActivityService, captures: CapturesService): void {
  const tags = ['activity'];
  route(app, registry, {
    method: 'GET',
    url: '/api/control/activity',
    summary: 'Stored requests across the fleet: filters, sort, cursor pagination',
    tags,
    query: ActivityListQuerySchema,
    response: ActivityPageSchema,
    handler: ({ query }) => activity.list(query),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/activity/stats',
    summary: 'Per host and model: requests, errors, tokens, p50/p95 speeds',
    tags,
    query: ActivityStatsQuerySchema,
    response: ActivityStatsSchema,
    handler: ({ query }) => activity.stats(query),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/activity/:id',
    summary: 'One stored request',
    tags,
    params: ActivityParamsSchema,
    response: ActivityRowSchema,
    errors: { 404: 'no such row' },
    handler: ({ params }) => activity.get(params.id),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/activity/:id/capture',
    summary: 'Request and response of a stored request (fetched from the host on first use; secrets redacted)',
    tags,
    params: ActivityParamsSchema,
    response: CaptureSchema,
    errors: { 404: 'no capture (none recorded, or the host no longer has it)', 503: 'the host is unreachable' },
    handler: ({ params }) => captures.get(params.id),
  });
}
