import { TERMINAL_JOB_STATUSES, type Job } from '@boocontrol/contracts';
import type { Reply } from '../cli/http';
import type { ToolRun } from './tools';

const POLL_MS = 200;

/**
 * Follows a job through GET /api/control/jobs/:id (read scope, like any other caller), sending
 * a progress message whenever its stage or status changes. Ends when the job is finished, the
 * wait runs out (a TIMEOUT answer; the job keeps running), or the client cancels the call.
 */
export async function followJob(run: ToolRun, jobId: string, timeoutMs: number): Promise<{ terminal: true } | { terminal: false; reply: Reply }> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await run.call('GET', `/api/control/jobs/${encodeURIComponent(jobId)}`);
    if (r.status !== 200) return { terminal: false, reply: r };
    const job = r.body as Job;
    const stage = typeof job.detail.stage === 'string' ? job.detail.stage : job.status;
    const seen = `${job.status}/${stage}`;
    if (seen !== last) {
      last = seen;
      const elapsed = typeof job.detail.elapsedMs === 'number' ? ` after ${(job.detail.elapsedMs / 1000).toFixed(1)} s` : '';
      await run.progress(`${job.jobType} on ${job.hostId ?? 'the fleet'}: ${stage}${elapsed}`).catch(() => undefined);
    }
    if (TERMINAL_JOB_STATUSES.includes(job.status)) return { terminal: true };
    if (run.signal.aborted) return { terminal: false, reply: { status: 499, body: { error: { code: 'CANCELLED', message: `the tool call was cancelled; job ${jobId} keeps running`, details: { jobId } } } } };
    if (Date.now() > deadline) {
      return { terminal: false, reply: { status: 504, body: { error: { code: 'TIMEOUT', message: `job ${jobId} is still ${job.status} (stage ${stage}) after ${timeoutMs} ms; it keeps running`, details: { jobId, stage } } } } };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
