import { ActivityPageSchema, ActivityStatsSchema, CaptureSchema } from '@boocontrol/contracts';
import { api } from '../../api/client';

export interface ActivityFilters {
  host?: string | undefined;
  model?: string | undefined;
  status?: string | undefined;
  q?: string | undefined;
  consumer?: string | undefined;
  session?: string | undefined;
  from?: string | undefined;
  sort: string;
  order: 'asc' | 'desc';
}

export const fetchActivity = (f: ActivityFilters, cursor: string | null, signal?: AbortSignal) =>
  api('/activity', ActivityPageSchema, {
    query: { host: f.host, model: f.model, status: f.status, q: f.q, consumer: f.consumer, session: f.session, from: f.from, sort: f.sort, order: f.order, limit: 200, cursor },
    ...(signal ? { signal } : {}),
  });

export const fetchStats = (f: { host?: string | undefined; model?: string | undefined; from?: string | undefined }, signal?: AbortSignal) =>
  api('/activity/stats', ActivityStatsSchema, { query: { host: f.host, model: f.model, from: f.from }, ...(signal ? { signal } : {}) });

export const fetchCapture = (id: string, signal?: AbortSignal) => api(`/activity/${encodeURIComponent(id)}/capture`, CaptureSchema, signal ? { signal } : {});
