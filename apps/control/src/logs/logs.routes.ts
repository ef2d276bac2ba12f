import type { FastifyInstance } from 'fastify';
import { HostParamsSchema, LogHistorySchema, LogQuerySchema, LogSearchQuerySchema, LogSearchResultSchema } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import { AppError } from '../lib/errors';
import type { LogsService } from './logs.service';
import type { LogsRepo } from './logs.repo';

export function registerLogRoutes(app: FastifyInstance, registry: RouteRegistry, logs: LogsService, hostExists: (id: string) => boolean, repo?: LogsRepo): void {
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
  if (!repo) return;
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts/:id/logs/search',
    summary: 'Search the persisted log of a host (any source, or one) over a time range',
    tags: ['logs'],
    params: HostParamsSchema,
    query: LogSearchQuerySchema,
    response: LogSearchResultSchema,
    errors: { 400: 'BAD_RANGE' },
    handler: async ({ params, query }) => {
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
      if (!(from < to)) throw new AppError('BAD_RANGE', 'from must be before to', { from: from.toISOString(), to: to.toISOString() });
      // Chunks are arbitrary slices of the stream: a line split over two chunks is matched in
      // each half; lines are cut on newlines inside the matching chunks.
      const chunks = await repo.search(params.id, { text: query.q, source: query.source, from, to, limit: 2000 });
      const needle = query.q?.toLowerCase();
      const lines: Array<{ ts: string; source: string; line: string }> = [];
      for (const c of chunks) {
        for (const line of c.text.split('\n')) {
          if (line === '' || (needle && !line.toLowerCase().includes(needle))) continue;
          lines.push({ ts: c.ts.toISOString(), source: c.source, line: line.length > 4000 ? `${line.slice(0, 4000)}…` : line });
        }
      }
      const truncated = lines.length > query.limit;
      return { hostId: params.id, from: from.toISOString(), to: to.toISOString(), lines: lines.slice(-query.limit), truncated };
    },
  });
}
