import { z } from 'zod';
import { ErrorBodySchema } from '@boocontrol/contracts';
import type { RouteRegistry } from './route';

const toSchema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' });

// `idempotency-key` → `Idempotency-Key`: routes key headers as Node does, documents show them as sent
const headerName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path' | 'header') {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name: where === 'header' ? headerName(name) : name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** OpenAPI 3 document generated from the same zod schemas the routes parse with. */
export function buildOpenApi(registry: RouteRegistry, version: string): object {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorBody = toSchema(ErrorBodySchema, 'output');
  for (const op of registry.operations) {
    const responses: Record<string, unknown> = {
      [String(op.status)]: {
        description: 'success',
        ...(op.response ? { content: { 'application/json': { schema: toSchema(op.response, 'output') } } } : {}),
      },
      default: { description: 'error (see error.code)', content: { 'application/json': { schema: errorBody } } },
    };
    for (const [status, description] of Object.entries(op.errors)) {
      responses[status] = { description, content: { 'application/json': { schema: errorBody } } };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: op.tags,
      // Per-route security: none for public routes, a bearer token with at least this scope otherwise.
      security: op.scope === 'public' ? [] : [{ bearer: [] }],
      'x-required-scope': op.scope,
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query'), ...parameters(op.headers, 'header')],
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(op.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'BooControl control API',
      version,
      description:
        'Fleet cockpit for llama-swap hosts. Errors carry a stable error.code. Security: with CONTROL_AUTH=token every route but the public ones needs `Authorization: Bearer <token>` whose scopes cover `x-required-scope` (read < act < admin); with CONTROL_AUTH=proxy a trusted proxy user header works too; with CONTROL_AUTH=off (loopback only) nothing is checked.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a BooControl API token (boo_…)' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
