import { useEffect, useState } from 'react';
import type { BenchLiveFrame, BenchRun } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { useTopic } from '../../live/context';
import type { BenchView } from '../../live/reducers';
import { fetchBenchCompare, fetchBenchRun } from './bench.api';

export const useBenchLive = () => useTopic<BenchView>('bench');

/**
 * What about a live run changes the stored one: its status and how many points it finished.
 * Refetching on this key (not on every request counter) draws each point as it lands.
 */
const storedKey = (f: BenchLiveFrame | undefined) => (f ? `${f.status}:${f.lastPoint?.index ?? -1}` : '');

export const errText = (e: unknown) => (e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));

/** One stored run, fetched again whenever the `bench` topic says it finished a point or ended. */
export function useBenchRun(id: string | null): { run: BenchRun | null; error: string | null; frame: BenchLiveFrame | undefined } {
  const live = useBenchLive();
  const frame = id ? live?.[id] : undefined;
  const key = storedKey(frame);
  const [run, setRun] = useState<BenchRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!id) return;
    const ac = new AbortController();
    fetchBenchRun(id, ac.signal)
      .then((r) => {
        setRun(r);
        setError(null);
      })
      .catch((e: unknown) => !ac.signal.aborted && setError(errText(e)));
    return () => ac.abort();
  }, [id, key]);
  return { run: run && run.id === id ? run : null, error, frame };
}

/** Several stored runs for the comparison, refetched while any of them is still live. */
export function useBenchCompare(ids: string[]): { runs: BenchRun[] | null; error: string | null } {
  const live = useBenchLive();
  const key = ids.map((i) => storedKey(live?.[i])).join('|');
  const idKey = ids.join(',');
  const [runs, setRuns] = useState<BenchRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const list = idKey.split(',').filter(Boolean);
    if (list.length < 2) {
      setError('pick at least two runs to compare');
      return;
    }
    const ac = new AbortController();
    fetchBenchCompare(list, ac.signal)
      .then((r) => {
        setRuns(r.runs);
        setError(null);
      })
      .catch((e: unknown) => !ac.signal.aborted && setError(errText(e)));
    return () => ac.abort();
  }, [idKey, key]);
  return { runs, error };
}
