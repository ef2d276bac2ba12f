import { z } from 'zod';
import { JobSchema, JobStatusSchema } from '../jobs';

export const JobListQuerySchema = z.object({
  host: z.string().optional(),
  status: JobStatusSchema.optional(),
  type: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const JobListSchema = z.object({ jobs: z.array(JobSchema) });
export const JobParamsSchema = z.object({ id: z.string().min(1).max(64) });
