import type { FastifyInstance } from 'fastify';
import { HostParamsSchema, ModelListQuerySchema, ModelListSchema, TransitionListQuerySchema, TransitionListSchema } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import type { ModelsService } from './models.service';

export function registerModelRoutes(app: FastifyInstance, registry: RouteRegistry, models: ModelsService): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/models',
    summary: 'Every model in the fleet: where, state, last use, request count, median speeds',
    tags: ['models'],
    query: ModelListQuerySchema,
    response: ModelListSchema,
    handler: ({ query }) => models.list(query),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts/:id/transitions',
    summary: 'Model state transitions of a host (newest first) with load times',
    tags: ['models'],
    params: HostParamsSchema,
    query: TransitionListQuerySchema,
    response: TransitionListSchema,
    errors: { 404: 'no such host' },
    handler: ({ params, query }) => models.transitions(params.id, query),
  });
}
