import type { FastifyInstance } from 'fastify';
import {
  RoutingExplainRequestSchema,
  RoutingExplainSchema,
  RoutingPolicyEntrySchema,
  RoutingPolicyListSchema,
  RoutingPolicyParamsSchema,
  RoutingScoresQuerySchema,
  RoutingScoresSchema,
  type RoutingExplain,
} from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import { AppError, isAppError } from '../lib/errors';
import { estimateTokens } from '../gateway/body';
import type { PolicyBook } from './policies';
import type { Router } from './router';

const tags = ['routing'];

export function registerRoutingRoutes(app: FastifyInstance, registry: RouteRegistry, d: { router: Router; book: PolicyBook; leaseWaitMs: number }): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/routing/scores',
    summary: 'Advisory scores per model × host under a policy (default auto:best), with every input (quality, predicted latency, residency, load, errors)',
    tags,
    query: RoutingScoresQuerySchema,
    response: RoutingScoresSchema,
    handler: ({ query }) => {
      const name = query.policy ?? 'best';
      const entry = d.book.get(name);
      if (!entry) throw new AppError('NOT_FOUND', `no routing policy ${name}`);
      const policy = query.category ? { ...entry.policy, category: query.category } : entry.policy;
      const scores = d.router.scoresFor(policy);
      return { policy: name, category: policy.category ?? null, scores };
    },
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/routing/explain',
    summary: 'Dry run: where a /v1 request would go and why, without sending it',
    tags,
    body: RoutingExplainRequestSchema,
    response: RoutingExplainSchema,
    handler: ({ body }) => {
      const t0 = performance.now();
      const json = body as Record<string, unknown>;
      const need = { kind: body.path === '/v1/embeddings' ? ('embedding' as const) : ('chat' as const), tokens: estimateTokens(json, JSON.stringify(json).length), tools: Array.isArray(json.tools) && json.tools.length > 0 };
      try {
        const dec = d.router.decide(body.model, need);
        const decisionUs = Math.round((performance.now() - t0) * 1000);
        const waits = dec.waitFor.size > 0 && d.leaseWaitMs > 0;
        const out: RoutingExplain = {
          requested: body.model,
          policy: dec.policy,
          chosen: dec.chosen ? { hostId: dec.chosen.hostId, model: dec.chosen.model } : null,
          reason: waits ? `${dec.reason}; would wait up to ${d.leaseWaitMs} ms for ${[...dec.waitFor].join(', ')}` : dec.reason,
          outcome: waits ? 'wait-lease' : dec.chosen ? 'route' : 'error',
          error: dec.chosen || waits ? null : { code: 'HOST_LEASED', message: 'every candidate host is leased' },
          candidates: dec.scores,
          decisionUs,
        };
        return out;
      } catch (err) {
        if (!isAppError(err)) throw err;
        return { requested: body.model, policy: body.model.startsWith('auto:') ? body.model.slice(5) : null, chosen: null, reason: err.message, outcome: 'error' as const, error: { code: err.code, message: err.message }, candidates: [], decisionUs: Math.round((performance.now() - t0) * 1000) };
      }
    },
  });
  const entries = () => d.book.names().map((name) => {
    const e = d.book.get(name)!;
    return { name, model: `auto:${name}`, source: e.source, policy: e.policy };
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/routing/policies',
    summary: 'The auto:* policies in force (built in, ROUTING_FILE, REST overrides)',
    tags,
    response: RoutingPolicyListSchema,
    handler: () => ({ file: d.book.filePath, policies: entries() }),
  });
  route(app, registry, {
    method: 'PUT',
    url: '/api/control/routing/policies/:name',
    summary: 'Add or override a policy until restart (validated; ROUTING_INVALID names the fields)',
    tags,
    params: RoutingPolicyParamsSchema,
    response: RoutingPolicyEntrySchema,
    handler: ({ params, req }) => ({ name: params.name, model: `auto:${params.name}`, source: 'api' as const, policy: d.book.put(params.name, req.body ?? {}) }),
  });
  route(app, registry, {
    method: 'DELETE',
    url: '/api/control/routing/policies/:name',
    summary: 'Drop a REST override (the file or built-in policy applies again)',
    tags,
    params: RoutingPolicyParamsSchema,
    response: RoutingPolicyListSchema,
    handler: ({ params }) => {
      if (!d.book.reset(params.name)) throw new AppError('NOT_FOUND', `policy ${params.name} has no REST override`);
      return { file: d.book.filePath, policies: entries() };
    },
  });
}
