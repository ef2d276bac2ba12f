import type { FastifyInstance, FastifyReply } from 'fastify';
import { GenerateReportBodySchema, ReportIdParamsSchema, StoredReportListSchema, StoredReportQuerySchema, StoredReportSchema } from '@boocontrol/contracts';
import { CompareQuerySchema, CompareReportSchema, ResidencyQuerySchema, ResidencyReportSchema, UsageReportQuerySchema, UsageReportSchema, type ReportFormat } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import { AppError } from '../lib/errors';
import type { CompareService } from './compare.service';
import { render, type AnyReport } from './export';
import type { ResidencyService } from './residency.service';
import type { SavedReportsService } from './saved.service';
import type { UsageReportService } from './usage.service';

export interface ReportServices {
  usage: UsageReportService;
  residency: ResidencyService;
  compare: CompareService;
}

export function registerSavedReportRoutes(app: FastifyInstance, registry: RouteRegistry, saved: SavedReportsService): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/reports/saved',
    summary: 'Stored reports (daily and weekly schedules, and reports made by hand), newest first',
    tags: ['reports'],
    response: StoredReportListSchema,
    handler: async () => ({ reports: await saved.list() }),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/reports/saved/:id',
    summary: `One stored report (${FORMATS})`,
    tags: ['reports'],
    params: ReportIdParamsSchema,
    query: StoredReportQuerySchema,
    errors: { 404: 'no such report' },
    handler: async ({ params, query, reply }) => {
      const { meta, report } = await saved.get(params.id);
      return sendReport(reply, report, query.format, meta.title.replace(/[^A-Za-z0-9._-]+/g, '-')) as never;
    },
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/reports/saved',
    summary: 'Generate a report of the last 24 h now and store it',
    tags: ['reports'],
    body: GenerateReportBodySchema,
    response: StoredReportSchema,
    status: 201,
    handler: async ({ body }) => {
      const r = await saved.generate(body.kind, 'manual');
      if (!r) throw new AppError('CONFLICT', 'the report exists already');
      return r;
    },
  });
}

const FORMATS = 'format=json (default) | csv | md';

/** JSON goes back as the object (schema-documented); CSV and Markdown as a download. */
export function sendReport(reply: FastifyReply, report: AnyReport, format: ReportFormat, name: string): FastifyReply | AnyReport {
  if (format === 'json') return report;
  const out = render(report, format);
  return reply.type(out.contentType).header('content-disposition', `attachment; filename="${name}.${out.ext}"`).send(out.body);
}


export function registerReportRoutes(app: FastifyInstance, registry: RouteRegistry, s: ReportServices): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/reports/usage',
    summary: `Usage over a range grouped by host, model, consumer or day, from the rollups (${FORMATS})`,
    tags: ['reports'],
    query: UsageReportQuerySchema,
    response: UsageReportSchema,
    errors: { 400: 'BAD_RANGE or VALIDATION' },
    handler: async ({ query, reply }) => {
      const { format, ...q } = query;
      const r = await s.usage.usage(q);
      return sendReport(reply, r, format, `usage-${q.groupBy}-${r.from.slice(0, 10)}`) as never;
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/reports/residency',
    summary: `Which models were resident when, per host, with every swap and who triggered it (${FORMATS})`,
    tags: ['reports'],
    query: ResidencyQuerySchema,
    response: ResidencyReportSchema,
    errors: { 400: 'BAD_RANGE or VALIDATION' },
    handler: async ({ query, reply }) => {
      const { format, ...q } = query;
      const r = await s.residency.residency(q);
      return sendReport(reply, r, format, `residency-${r.from.slice(0, 10)}`) as never;
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/reports/compare',
    summary: `The last two bench (and eval) runs per host × model side by side, with deltas (${FORMATS})`,
    tags: ['reports'],
    query: CompareQuerySchema,
    response: CompareReportSchema,
    handler: async ({ query, reply }) => {
      const { format, ...q } = query;
      return sendReport(reply, await s.compare.compare(q), format, 'compare') as never;
    },
  });
}
