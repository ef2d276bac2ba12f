import { createContext, useCallback, useContext, useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { ControlStream, type StreamStatus } from './control-stream';
import type { EvalsView, FleetView, JobsView } from './reducers';
import type { ActivityRowLive, Alert, HostSummary } from '@boocontrol/contracts';
import { authRequired, getToken } from '../api/auth-token';

const StreamContext = createContext<ControlStream | null>(null);

let singleton: ControlStream | null = null;
/** One stream per page, whatever number of providers mount (StrictMode mounts twice). */
export function getControlStream(): ControlStream {
  if (!singleton) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    singleton = new ControlStream({ url: `${proto}//${location.host}/api/control/ws`, token: getToken, onUnauthorized: authRequired });
  }
  return singleton;
}

export function ControlStreamProvider({ children, stream = getControlStream() }: { children: ReactNode; stream?: ControlStream }) {
  useEffect(() => {
    stream.start();
  }, [stream]);
  return <StreamContext.Provider value={stream}>{children}</StreamContext.Provider>;
}

export function useControlStream(): ControlStream {
  const s = useContext(StreamContext);
  if (!s) throw new Error('useControlStream outside ControlStreamProvider');
  return s;
}

export function useStreamStatus(): StreamStatus {
  const s = useControlStream();
  const subscribe = useCallback((cb: () => void) => s.onStatus(cb), [s]);
  return useSyncExternalStore(subscribe, () => s.status);
}

/** The reduced state of a topic (undefined until its first snapshot). */
export function useTopic<S>(topic: string | null): S | undefined {
  const s = useControlStream();
  // A stable subscribe function: a new one per render would make React unsubscribe and
  // resubscribe the topic on every render, and the stream would never settle on a snapshot.
  const subscribe = useCallback((cb: () => void) => (topic ? s.subscribe(topic, cb) : () => undefined), [s, topic]);
  return useSyncExternalStore(subscribe, () => (topic ? s.state<S>(topic) : undefined));
}

export const useFleet = () => useTopic<FleetView>('fleet');
export const useHost = (id: string) => useTopic<HostSummary | null>(`host:${id}`);
export const useJobs = () => useTopic<JobsView>('jobs');
export const useActivityLive = () => useTopic<ActivityRowLive[]>('activity');
export const useLogText = (hostId: string, source: string) => useTopic<string>(`logs:${hostId}:${source}`);
export const useAlerts = () => useTopic<Alert[]>('alerts');
export const useEvalsLive = () => useTopic<EvalsView>('evals');
