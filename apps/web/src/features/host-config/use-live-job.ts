import type { Job, JobStatus } from '@boocontrol/contracts';
import { useJobs } from '../../live/context';

export interface LiveJob {
  id: string;
  status: JobStatus;
  detail: Record<string, unknown>;
  output: string;
  error: Job['error'];
  finished: boolean;
}

const TERMINAL: JobStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/**
 * A job as the live `jobs` topic sees it: the latest frame (status, detail) and the output that
 * streamed since we started watching, over the job the API returned when it was created. The
 * topic's snapshot also lists jobs that ended in the last minute, so a job that ended before we
 * subscribed is still seen to finish.
 */
export function useLiveJob(job: Job | null): LiveJob | null {
  const jobs = useJobs();
  if (!job) return null;
  const frame = jobs?.frames[job.id];
  const snap = jobs?.jobs.find((j) => j.id === job.id);
  const status = frame?.status ?? snap?.status ?? job.status;
  const output = jobs?.output[job.id] || snap?.outputTail || job.outputTail;
  return {
    id: job.id,
    status,
    detail: { ...job.detail, ...(snap?.detail ?? {}), ...(frame?.detail ?? {}) },
    output,
    error: snap?.error ?? job.error,
    finished: TERMINAL.includes(status),
  };
}
