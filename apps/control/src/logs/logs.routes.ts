import type { FastifyInstance } from 'fastify';
import { HostParamsSchema, LogHistorySchema, LogQuerySchema } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import { AppError } from '../lib/errors';
import type { LogsService } from './logs.service';

export function registerLogRoutes(app: FastifyInstance, registry: RouteRegistry, logs: LogsService, hostExists: (id: string) => boolean): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts/:id/logs',
    summary: 'Recent log text of a host (proxy, upstream or model:<id>); follow it live on logs:<host>:<source>',
    tags: ['logs'],
    params: HostParamsSchema,
    query: LogQuerySchema,
    response: LogHistorySchema,
    errors: { 404: 'no such host' },
    handler: ({ params, query }) => {
      if (!hostExists(params.id)) throw new AppError('NOT_FOUND', `no host "${params.id}"`);
      return { hostId: params.id, source: query.source, text: logs.history(params.id, query.source, query.tail), sources: logs.sources(params.id) };
    },
  });
}
