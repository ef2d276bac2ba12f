import { EvalCompareSchema, EvalRunAcceptedSchema, EvalRunDetailSchema, EvalRunListSchema, EvalRunSchema, EvalScoreboardSchema, EvalSuiteListSchema, type EvalRunRequest } from '@boocontrol/contracts';
import { api } from '../../api/client';

export const fetchSuites = (signal?: AbortSignal) => api('/evals/suites', EvalSuiteListSchema, signal ? { signal } : {});
export const fetchScoreboard = (signal?: AbortSignal) => api('/evals/scoreboard', EvalScoreboardSchema, signal ? { signal } : {});
export const fetchRuns = (signal?: AbortSignal) => api('/evals/runs', EvalRunListSchema, { query: { limit: 30 }, ...(signal ? { signal } : {}) });
export const fetchRun = (id: string, signal?: AbortSignal) => api(`/evals/runs/${encodeURIComponent(id)}`, EvalRunDetailSchema, { query: { limit: 500 }, ...(signal ? { signal } : {}) });
export const fetchCompare = (a: string, b: string, signal?: AbortSignal) => api('/evals/compare', EvalCompareSchema, { query: { a, b }, ...(signal ? { signal } : {}) });
export const startRun = (req: EvalRunRequest) => api('/evals/runs', EvalRunAcceptedSchema, { method: 'POST', body: req, headers: { 'idempotency-key': crypto.randomUUID() } });
export const cancelRun = (id: string) => api(`/evals/runs/${encodeURIComponent(id)}/cancel`, EvalRunSchema, { method: 'POST', body: {} });
