import type { FastifyInstance } from 'fastify';
import { HostParamsSchema, PerfQuerySchema, PerfResponseSchema } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import type { PerfService } from './perf.service';

export function registerPerfRoutes(app: FastifyInstance, registry: RouteRegistry, perf: PerfService): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts/:id/perf',
    summary: 'CPU, RAM and GPU history of a host (raw samples for short recent ranges, 5-minute rollups beyond)',
    tags: ['fleet'],
    params: HostParamsSchema,
    query: PerfQuerySchema,
    response: PerfResponseSchema,
    errors: { 404: 'no such host' },
    handler: ({ params, query }) => perf.query(params.id, query),
  });
}
