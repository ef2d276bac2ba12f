import { AlertListSchema, CompareReportSchema, ResidencyReportSchema, StoredReportListSchema, UsageReportSchema, type UsageGroup } from '@boocontrol/contracts';
import { api } from '../../api/client';

export interface RangeSel {
  range?: string;
  from?: string;
  to?: string;
}

const sig = (signal?: AbortSignal) => (signal ? { signal } : {});
export const fetchUsage = (r: RangeSel, groupBy: UsageGroup, signal?: AbortSignal) => api('/reports/usage', UsageReportSchema, { query: { ...r, groupBy }, ...sig(signal) });
export const fetchResidency = (r: RangeSel, host?: string, signal?: AbortSignal) => api('/reports/residency', ResidencyReportSchema, { query: { ...r, host }, ...sig(signal) });
export const fetchCompare = (signal?: AbortSignal) => api('/reports/compare', CompareReportSchema, sig(signal));
export const fetchAlertHistory = (signal?: AbortSignal) => api('/alerts', AlertListSchema, { query: { state: 'all', limit: 50 }, ...sig(signal) });
export const fetchStoredReports = (signal?: AbortSignal) => api('/reports/saved', StoredReportListSchema, sig(signal));

/** The export URL of a report: the same query with `format=` (the browser downloads it). */
export function exportUrl(kind: 'usage' | 'residency' | 'compare', q: Record<string, string | undefined>, format: 'csv' | 'md' | 'json'): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) qs.set(k, v);
  qs.set('format', format);
  return `/api/control/reports/${kind}?${qs}`;
}
