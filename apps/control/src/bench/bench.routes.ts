import type { FastifyInstance } from 'fastify';
import {
  BenchCompareQuerySchema,
  BenchCompareSchema,
  BenchFormatQuerySchema,
  BenchPointParamsSchema,
  BenchRunAcceptedSchema,
  BenchRunListQuerySchema,
  BenchRunListSchema,
  BenchRunParamsSchema,
  BenchRunRequestSchema,
  BenchRunSchema,
  BenchSampleListSchema,
  IdempotencyHeadersSchema,
  LeaseListSchema,
} from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import type { LeaseService } from '../lease/lease.service';
import { benchCsv } from './bench-export';
import type { BenchService } from './bench.service';

const tags = ['bench'];
const BENCH_ERRORS = {
  400: 'BENCH_INVALID_SPEC / BENCH_BAD_JSONL (details name the field or line) / VALIDATION',
  404: 'NOT_FOUND: no such host, model or run',
  409: 'HOST_BUSY: the host serves other traffic (pass takeover: true) / LEASE_HELD: another run holds the host',
};

export function registerBenchRoutes(app: FastifyInstance, registry: RouteRegistry, svc: BenchService, leases: LeaseService): void {
  route(app, registry, {
    method: 'POST',
    url: '/api/control/bench/runs',
    summary: 'Start a speed benchmark on a host (a job on its lane, under the fleet lease); 202 with the run id',
    tags,
    body: BenchRunRequestSchema,
    headers: IdempotencyHeadersSchema,
    response: BenchRunAcceptedSchema,
    status: 202,
    errors: BENCH_ERRORS,
    // The raw body, so the engine's own errors (BENCH_BAD_JSONL with the line) reach the caller.
    handler: ({ req, headers }) => svc.start(req.body, headers['idempotency-key']),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/bench/runs',
    summary: 'Bench runs, newest first (filter by host, model, status); points are counted, not listed',
    tags,
    query: BenchRunListQuerySchema,
    response: BenchRunListSchema,
    handler: async ({ query }) => ({ runs: await svc.list(query) }),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/bench/runs/:id',
    summary: 'One run: its spec, every point with every metric and flag, the knee and SLO capacity (?format=csv)',
    tags,
    params: BenchRunParamsSchema,
    query: BenchFormatQuerySchema,
    response: BenchRunSchema,
    async handler({ params, query, reply }) {
      const run = await svc.get(params.id);
      if (query.format === 'json') return run;
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="bench-${run.id}.csv"`).send(benchCsv([run]));
      return undefined;
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/bench/runs/:id/points/:idx/samples',
    summary: 'The stored requests of one point (send, first token, every chunk, usage, timings; bounded per point), for a per-request scatter',
    tags,
    params: BenchPointParamsSchema,
    response: BenchSampleListSchema,
    errors: { 404: 'NOT_FOUND: no such run, or the run has no point with that index (yet)' },
    handler: ({ params }) => svc.samples(params.id, params.idx),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/bench/runs/:id/cancel',
    summary: 'Cancel a run: it stops within a second; the points already measured are kept',
    tags,
    params: BenchRunParamsSchema,
    response: BenchRunSchema,
    handler: ({ params }) => svc.cancel(params.id),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/bench/compare',
    summary: 'Two to eight runs side by side (?ids=a,b&format=csv)',
    tags,
    query: BenchCompareQuerySchema,
    response: BenchCompareSchema,
    async handler({ query, reply }) {
      const runs = await svc.compare(query.ids);
      if (query.format === 'json') return { runs };
      void reply.type('text/csv; charset=utf-8').send(benchCsv(runs));
      return undefined;
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/leases',
    summary: 'Hosts currently held by a fleet lease (bench, eval), with holder purpose, fencing token and expiry',
    tags: ['leases'],
    response: LeaseListSchema,
    handler: async () => ({ leases: await leases.list() }),
  });
}
