import type { FastifyInstance, FastifyReply } from 'fastify';
import { CompareQuerySchema, CompareReportSchema, ResidencyQuerySchema, ResidencyReportSchema, UsageReportQuerySchema, UsageReportSchema, type ReportFormat } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import type { CompareService } from './compare.service';
import { render, type AnyReport } from './export';
import type { ResidencyService } from './residency.service';
import type { UsageReportService } from './usage.service';

export interface ReportServices {
  usage: UsageReportService;
  residency: ResidencyService;
  compare: CompareService;
}

/** JSON goes back as the object (schema-documented); CSV and Markdown as a download. */
export function sendReport(reply: FastifyReply, report: AnyReport, format: ReportFormat, name: string): FastifyReply | AnyReport {
  if (format === 'json') return report;
  const out = render(report, format);
  return reply.type(out.contentType).header('content-disposition', `attachment; filename="${name}.${out.ext}"`).send(out.body);
}

const FORMATS = 'format=json (default) | csv | md';

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
