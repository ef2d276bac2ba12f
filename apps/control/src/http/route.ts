import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RouteScope } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import { defaultScope } from '../access/guard';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType, R extends z.ZodType, H extends z.ZodType = z.ZodUnknown> {
  method: Method;
  url: string;
  summary: string;
  tags?: string[];
  /**
   * What a caller needs (docs/access.md). Default: `read` for GET, `act` for anything that
   * changes something. Say `admin` for hosts, SSH, config, pulls and tokens; `public` only for
   * what must answer without credentials (health).
   */
  scope?: RouteScope;
  body?: B;
  query?: Q;
  params?: P;
  /** Request headers the route reads, keyed in lower case (Node's header names). */
  headers?: H;
  /** Success body schema (status `status`, default 200); documents the route in OpenAPI. */
  response?: R;
  status?: number;
  /** Extra documented error statuses, e.g. { 504: 'timed out; body has the job id' }. */
  errors?: Record<number, string>;
  handler: (ctx: {
    body: z.output<B>;
    query: z.output<Q>;
    params: z.output<P>;
    headers: z.output<H>;
    req: FastifyRequest;
    reply: FastifyReply;
  }) => Promise<z.input<R> | undefined> | z.input<R> | undefined;
}

export interface OpenApiOperation {
  method: string;
  path: string;
  summary: string;
  tags: string[];
  scope: RouteScope;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  headers?: z.ZodType;
  response?: z.ZodType;
  status: number;
  errors: Record<number, string>;
}

/** Routes registered through `route()` are collected here for /api/control/openapi.json. */
export class RouteRegistry {
  readonly operations: OpenApiOperation[] = [];
}

function parseOr400<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return value as z.output<T>;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw new AppError('VALIDATION', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/**
 * Schema-first route: parse body/query/params with the shared zod schemas, call the handler,
 * and record the operation for OpenAPI. Handlers stay thin: parse, call one service, map.
 */
export function route<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown, R extends z.ZodType = z.ZodUnknown, H extends z.ZodType = z.ZodUnknown>(
  app: FastifyInstance,
  registry: RouteRegistry,
  spec: RouteSpec<B, Q, P, R, H>,
): void {
  const scope = spec.scope ?? defaultScope(spec.method);
  registry.operations.push({
    method: spec.method.toLowerCase(),
    path: spec.url.replace(/:([A-Za-z_]+)/g, '{$1}'),
    summary: spec.summary,
    tags: spec.tags ?? [],
    scope,
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.response ? { response: spec.response } : {}),
    status: spec.status ?? 200,
    errors: spec.errors ?? {},
  });
  app.route({
    method: spec.method,
    url: spec.url,
    config: { scope },
    handler: async (req, reply) => {
      const body = parseOr400(spec.body, req.body ?? {}, 'body');
      const query = parseOr400(spec.query, req.query ?? {}, 'query');
      const params = parseOr400(spec.params, req.params ?? {}, 'params');
      const headers = parseOr400(spec.headers, req.headers, 'headers');
      const result = await spec.handler({ body, query, params, headers, req, reply });
      if (reply.sent) return reply;
      reply.code(spec.status ?? 200);
      return result ?? null;
    },
  });
}
