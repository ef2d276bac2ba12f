import { useEffect, useRef, useState } from 'react';
import { TERMINAL_JOB_STATUSES, type Job, type JobStatus } from '@boocontrol/contracts';
import { fetchJob } from '../api/jobs';
import { useJobs } from './context';

export const isFinished = (s: JobStatus) => TERMINAL_JOB_STATUSES.includes(s);

export interface WatchedJob {
  /** The stored job once it finished, else the job the API returned when it was created. */
  job: Job;
  status: JobStatus;
  detail: Record<string, unknown>;
  output: string;
  error: Job['error'];
  finished: boolean;
}

/**
 * One job as it moves, for every view that starts one (switch, warm, unload, config apply,
 * pull): the job the API returned, overlaid with what the `jobs` topic knows — its snapshot
 * entry (the snapshot also lists jobs that ended in the last minute, so a job that ended before
 * we subscribed is still seen to finish), the latest frame (status, detail) and the output
 * streamed since. Frames carry neither the error nor the whole output tail, so once the job
 * finishes the stored job is fetched once; `onFinished` gets it.
 */
export function useJob(initial: Job | null, onFinished?: (job: Job) => void): WatchedJob | null {
  const jobs = useJobs();
  const [final, setFinal] = useState<Job | null>(null);
  // the latest callback without refetching when a parent passes a new closure each render
  const finishedCb = useRef(onFinished);
  finishedCb.current = onFinished;
  const id = initial?.id;
  const frame = id ? jobs?.frames[id] : undefined;
  const snap = id ? jobs?.jobs.find((j) => j.id === id) : undefined;
  const liveStatus = frame?.status ?? snap?.status ?? initial?.status ?? 'queued';
  const finished = isFinished(final?.status ?? liveStatus);
  const mine = final !== null && final.id === id ? final : null;

  useEffect(() => {
    if (!id || !finished || mine) return;
    let live = true;
    fetchJob(id)
      .then((j) => {
        if (!live) return;
        setFinal(j);
        finishedCb.current?.(j);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [id, finished, mine]);

  if (!initial) return null;
  return {
    job: mine ?? initial,
    status: mine?.status ?? liveStatus,
    detail: { ...initial.detail, ...(snap?.detail ?? {}), ...(frame?.detail ?? {}), ...(mine?.detail ?? {}) },
    output: mine?.outputTail || (id ? jobs?.output[id] : '') || snap?.outputTail || initial.outputTail,
    error: mine?.error ?? snap?.error ?? initial.error,
    finished: isFinished(mine?.status ?? liveStatus),
  };
}
