import { z } from 'zod';
import { ErrorCodeSchema } from './errors';

export const JobStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatusSchema>;
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** Job types are open-ended on purpose: bench and eval runs reuse the same model later. */
export const JobTypeSchema = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/);

export const JobSchema = z.object({
  id: z.string(),
  hostId: z.string().nullable(),
  jobType: JobTypeSchema,
  status: JobStatusSchema,
  params: z.record(z.string(), z.unknown()),
  /** Progress and result facts: stage, model, loadMs, percent, backup path… */
  detail: z.record(z.string(), z.unknown()),
  outputTail: z.string(),
  /** Set on a child job: it ran in its parent's lane slot (a bench switching its model first). */
  parentId: z.string().nullable().optional(),
  /** The code is one of the error table's (a stored code this build does not know reads as INTERNAL). */
  error: z.object({ code: ErrorCodeSchema, message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Job = z.infer<typeof JobSchema>;

/**
 * The live frame for a job on the `jobs` topic. `line` carries new output since the previous
 * frame (not the whole tail) so a watcher can append.
 */
export const JobFrameSchema = z.object({
  jobId: z.string(),
  hostId: z.string().nullable(),
  jobType: JobTypeSchema,
  status: JobStatusSchema,
  detail: z.record(z.string(), z.unknown()),
  parentId: z.string().optional(),
  line: z.string().optional(),
  at: z.string(),
});
export type JobFrame = z.infer<typeof JobFrameSchema>;
