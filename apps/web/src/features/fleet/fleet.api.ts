import { HostDetailSchema, PerfResponseSchema, TransitionListSchema, type PerfMetric } from '@boocontrol/contracts';
import { api } from '../../api/client';

export const fetchPerf = (hostId: string, q: { from?: string; to?: string; metric?: PerfMetric[]; points?: number }, signal?: AbortSignal) =>
  api(`/hosts/${encodeURIComponent(hostId)}/perf`, PerfResponseSchema, {
    query: { from: q.from, to: q.to, metric: q.metric?.join(','), points: q.points },
    ...(signal ? { signal } : {}),
  });

export const fetchHost = (hostId: string, signal?: AbortSignal) => api(`/hosts/${encodeURIComponent(hostId)}`, HostDetailSchema, signal ? { signal } : {});

export const fetchTransitions = (hostId: string, limit = 50, signal?: AbortSignal) =>
  api(`/hosts/${encodeURIComponent(hostId)}/transitions`, TransitionListSchema, { query: { limit }, ...(signal ? { signal } : {}) });
