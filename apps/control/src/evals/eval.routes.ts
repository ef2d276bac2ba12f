import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  EvalCompareQuerySchema,
  EvalCompareSchema,
  EvalRunAcceptedSchema,
  EvalRunDetailSchema,
  EvalRunGetQuerySchema,
  EvalRunListQuerySchema,
  EvalRunParamsSchema,
  EvalRunRequestSchema,
  EvalRunSchema,
  EvalSandboxStateSchema,
  EvalScoreboardQuerySchema,
  EvalScoreboardSchema,
  EvalSuiteListSchema,
  EvalRunListSchema,
  IdempotencyHeadersSchema,
} from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import { evalCsv } from './eval-export';
import type { EvalService } from './eval.service';
import type { Sandbox } from './sandbox/sandbox';
import type { SuiteStore } from './suites/loader';

const tags = ['evals'];
const ERRORS = {
  400: 'EVAL_INVALID_RUN / EVAL_SUITE_INVALID (details name the file and line) / VALIDATION',
  404: 'NOT_FOUND (host, model, run) / EVAL_UNKNOWN_SUITE / EVAL_JUDGE_NOT_FOUND',
  409: 'LEASE_HELD: another bench or eval holds the host',
  503: 'SANDBOX_UNAVAILABLE: code evals need a working bubblewrap (never run unsandboxed)',
};

export function registerEvalRoutes(app: FastifyInstance, registry: RouteRegistry, svc: EvalService, suites: SuiteStore, sandbox: Sandbox): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/evals/suites',
    summary: 'Eval suites on disk: kind, version, item count and content hash',
    tags,
    response: EvalSuiteListSchema,
    handler: () => ({ suites: suites.summaries() }),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/evals/runs',
    summary: 'Start an eval run (a job on the host lane, under the fleet lease); 202 with the run id',
    tags,
    body: EvalRunRequestSchema,
    headers: IdempotencyHeadersSchema,
    response: EvalRunAcceptedSchema,
    status: 202,
    errors: ERRORS,
    // the raw body, so the service's own typed error (EVAL_INVALID_RUN) reaches the caller
    handler: ({ req, headers }) => svc.start(req.body, headers['idempotency-key']),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/evals/runs',
    summary: 'Eval runs, newest first (filter by suite, host, model, status)',
    tags,
    query: EvalRunListQuerySchema,
    response: EvalRunListSchema,
    handler: async ({ query }) => ({ runs: await svc.list(query) }),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/evals/runs/:id',
    summary: 'One run with its per-item results, paginated (?offset&limit; ?format=csv exports every item)',
    tags,
    params: EvalRunParamsSchema,
    query: EvalRunGetQuerySchema,
    response: EvalRunDetailSchema,
    async handler({ params, query, reply }) {
      if (query.format === 'json') return svc.detail(params.id, query);
      const d = await svc.detail(params.id, { offset: 0, limit: 100_000 });
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="eval-${d.id}.csv"`).send(evalCsv(d, d.items));
      return undefined;
    },
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/evals/runs/:id/cancel',
    summary: 'Cancel a run; the items already graded are kept',
    tags,
    params: EvalRunParamsSchema,
    response: EvalRunSchema,
    handler: ({ params }) => svc.cancel(params.id),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/evals/runs/:id/resume',
    summary: 'Resume an interrupted, failed or cancelled run: a new job grades only the items not yet stored',
    tags,
    params: EvalRunParamsSchema,
    response: EvalRunAcceptedSchema,
    status: 202,
    errors: { 409: 'CONFLICT: the run is not resumable, or its suite changed' },
    handler: ({ params }) => svc.resume(params.id),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/evals/scoreboard',
    summary: 'Scores per suite × model × host × exact config, with 95 % CIs and the separable pairs',
    tags,
    query: EvalScoreboardQuerySchema,
    response: EvalScoreboardSchema,
    handler: ({ query }) => svc.scoreboard(query.suite),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/evals/compare',
    summary: 'Two runs of one suite item by item (better / worse) with a paired test of the difference',
    tags,
    query: EvalCompareQuerySchema,
    response: EvalCompareSchema,
    handler: ({ query }) => svc.compare(query.a, query.b),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/evals/sandbox',
    summary: 'Whether code evals can run: bubblewrap found and its self-test passed (?run=1 reruns it)',
    tags,
    query: z.object({ run: z.enum(['0', '1']).default('0') }),
    response: EvalSandboxStateSchema,
    async handler({ query }) {
      if (query.run === '1') await sandbox.selftest(true);
      return sandbox.state();
    },
  });
}
