import { JobListQuerySchema, JobListSchema, JobParamsSchema, JobSchema } from '@boocontrol/contracts';
import type { FeatureFactory } from '../context';
import { route } from '../http/route';
import { AppError } from '../lib/errors';

export const jobsFeature: FeatureFactory = (ctx) => ({
  name: 'jobs',
  routes(app, registry) {
    route(app, registry, {
      method: 'GET',
      url: '/api/control/jobs',
      summary: 'Recent jobs, newest first',
      tags: ['jobs'],
      query: JobListQuerySchema,
      response: JobListSchema,
      handler: async ({ query }) => ({ jobs: await ctx.jobsRepo.list({ hostId: query.host, status: query.status, jobType: query.type, limit: query.limit }) }),
    });
    route(app, registry, {
      method: 'GET',
      url: '/api/control/jobs/:id',
      summary: 'One job with its output tail',
      tags: ['jobs'],
      params: JobParamsSchema,
      response: JobSchema,
      async handler({ params }) {
        const job = await ctx.queue.get(params.id);
        if (!job) throw new AppError('NOT_FOUND', `no job ${params.id}`);
        return job;
      },
    });
    route(app, registry, {
      method: 'POST',
      url: '/api/control/jobs/:id/cancel',
      summary: 'Cancel a queued job, or ask a running one to stop (a job another control process owns gets a cancel request on its row)',
      tags: ['jobs'],
      params: JobParamsSchema,
      response: JobSchema,
      handler: ({ params }) => ctx.queue.cancel(params.id),
    });
    route(app, registry, {
      method: 'POST',
      url: '/api/control/jobs/:id/retry',
      summary: 'Run a finished job again as a new job (same type, host and params; detail.retryOf links them)',
      tags: ['jobs'],
      params: JobParamsSchema,
      response: JobSchema,
      handler: ({ params }) => ctx.queue.retry(params.id),
    });
  },
});
