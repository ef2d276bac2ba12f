import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HostCreateSchema, HostDetailSchema, HostListSchema, HostParamsSchema, HostUpdateSchema } from '@boocontrol/contracts';
import { route } from '../http/route';
import type { RouteRegistry } from '../http/route';
import type { HostsService } from './hosts.service';

export function registerHostRoutes(app: FastifyInstance, registry: RouteRegistry, hosts: HostsService): void {
  const tags = ['fleet'];
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts',
    summary: 'Every host with its live status',
    tags,
    response: HostListSchema,
    handler: () => hosts.list(),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts/:id',
    summary: 'One host: live summary and configuration (never the key itself)',
    tags,
    params: HostParamsSchema,
    response: HostDetailSchema,
    errors: { 404: 'no such host' },
    handler: ({ params }) => hosts.detail(params.id),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/hosts',
    scope: 'admin',
    summary: 'Add a host (persisted; watched from now on)',
    tags,
    body: HostCreateSchema,
    response: HostDetailSchema,
    status: 201,
    errors: { 409: 'a host with this id exists' },
    handler: ({ body }) => hosts.add(body),
  });
  route(app, registry, {
    method: 'PUT',
    url: '/api/control/hosts/:id',
    scope: 'admin',
    summary: 'Replace the connection facts of a host added in the UI (reconnects when the URL, kind or key changes)',
    tags,
    params: HostParamsSchema,
    body: HostUpdateSchema,
    response: HostDetailSchema,
    errors: { 404: 'no such host', 409: 'the host comes from LLAMA_PROVIDERS' },
    handler: ({ params, body }) => hosts.edit(params.id, body),
  });
  route(app, registry, {
    method: 'DELETE',
    url: '/api/control/hosts/:id',
    scope: 'admin',
    summary: 'Stop watching a host added in the UI (its history stays)',
    tags,
    params: HostParamsSchema,
    response: z.object({ removed: z.string() }),
    errors: { 404: 'no such host', 409: 'the host comes from LLAMA_PROVIDERS' },
    async handler({ params }) {
      await hosts.remove(params.id);
      return { removed: params.id };
    },
  });
}
