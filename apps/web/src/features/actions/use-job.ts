import { useEffect, useState } from 'react';
import type { Job, JobStatus } from '@boocontrol/contracts';
import { useJobs } from '../../live/context';
import { fetchJob } from './actions.api';

const TERMINAL: JobStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];
export const isFinished = (s: JobStatus) => TERMINAL.includes(s);

export interface WatchedJob {
  job: Job;
  status: JobStatus;
  detail: Record<string, unknown>;
  output: string;
  finished: boolean;
}

/**
 * A job as it moves: the job the API returned, overlaid with the latest live frame (status,
 * detail) and the output streamed since. Once it finishes, the stored job is fetched once for
 * its error and full output tail (frames carry neither).
 */
export function useWatchedJob(initial: Job | null): WatchedJob | null {
  const jobs = useJobs();
  const [final, setFinal] = useState<Job | null>(null);
  const frame = initial ? jobs?.frames[initial.id] : undefined;
  // the topic's snapshot also lists jobs that ended in the last minute: one that ended before we
  // subscribed (no frame will come) is still seen to finish
  const snap = initial ? jobs?.jobs.find((j) => j.id === initial.id) : undefined;
  const status = final?.status ?? frame?.status ?? snap?.status ?? initial?.status ?? 'queued';
  const finished = isFinished(status);
  useEffect(() => {
    setFinal(null);
  }, [initial?.id]);
  useEffect(() => {
    if (!initial || !finished || final?.id === initial.id) return;
    let live = true;
    fetchJob(initial.id)
      .then((j) => live && setFinal(j))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [initial, finished, final?.id]);
  if (!initial) return null;
  const base = final ?? initial;
  const streamed = jobs?.output[initial.id] ?? '';
  return {
    job: base,
    status,
    detail: { ...initial.detail, ...(frame?.detail ?? {}), ...(final?.detail ?? {}) },
    output: final?.outputTail || streamed || initial.outputTail,
    finished,
  };
}

/** Re-renders every `ms` while `on` (for elapsed clocks). */
export function useTicker(on: boolean, ms = 200): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [on, ms]);
  return now;
}

export function fmtElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0.0 s';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
/** Log text from llama-server carries colour codes; the panels show plain text. */
export const stripAnsi = (text: string): string => text.replace(ANSI, '');
