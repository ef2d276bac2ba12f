import {
  BenchCompareSchema,
  BenchRunAcceptedSchema,
  BenchRunListSchema,
  BenchRunSchema,
  BenchSampleListSchema,
  type BenchRunRequestInput,
} from '@boocontrol/contracts';
import { api } from '../../api/client';

const runPath = (id: string) => `/bench/runs/${encodeURIComponent(id)}`;

/** Starts a run; HOST_BUSY and LEASE_HELD come back as ApiError with the control's code. */
export const startBench = (body: BenchRunRequestInput, key: string) =>
  api('/bench/runs', BenchRunAcceptedSchema, { method: 'POST', body, headers: { 'idempotency-key': key } });

export const fetchBenchRuns = (q: { host?: string; model?: string; limit?: number }, signal?: AbortSignal) =>
  api('/bench/runs', BenchRunListSchema, { query: { host: q.host, model: q.model, limit: q.limit ?? 50 }, ...(signal ? { signal } : {}) });

export const fetchBenchRun = (id: string, signal?: AbortSignal) => api(runPath(id), BenchRunSchema, signal ? { signal } : {});

// An empty JSON body: the gateway relays a POST body as a stream and needs one to exist.
export const cancelBench = (id: string) => api(`${runPath(id)}/cancel`, BenchRunSchema, { method: 'POST', body: {} });

export const fetchBenchCompare = (ids: string[], signal?: AbortSignal) => api('/bench/compare', BenchCompareSchema, { query: { ids: ids.join(',') }, ...(signal ? { signal } : {}) });

export const fetchBenchSamples = (id: string, idx: number, signal?: AbortSignal) => api(`${runPath(id)}/points/${idx}/samples`, BenchSampleListSchema, signal ? { signal } : {});

/** Download links (plain anchors: the browser saves the control's CSV as it is). */
export const benchCsvUrl = (id: string) => `/api/control${runPath(id)}?format=csv`;
export const benchJsonUrl = (id: string) => `/api/control${runPath(id)}`;
export const compareCsvUrl = (ids: string[]) => `/api/control/bench/compare?ids=${ids.map(encodeURIComponent).join(',')}&format=csv`;
