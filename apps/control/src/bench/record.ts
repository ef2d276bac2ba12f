import type { BenchLatencyMetric } from '@boocontrol/contracts';

/**
 * One benchmark request as the stream recorder saw it. Times are milliseconds on the monotonic
 * clock (performance.now() by default), absolute; the point deriver makes them relative.
 */
export interface RequestRecord {
  seq: number;
  user: number;
  /** conversation turn (1-based) for the shared-prefix workload */
  turn: number | null;
  maxTokens: number;
  /** when the driver meant to send it (open loop: the arrival; closed loop: when the user was free) */
  tSched: number;
  /** when it was handed to the HTTP client */
  tSent: number;
  /** response headers arrived */
  tFirstByte: number | null;
  /** first SSE event with `choices`, even a role-only one */
  tFirstEvent: number | null;
  /** first non-empty content or reasoning token: the TTFT clock stops here */
  tFirstContent: number | null;
  /** first non-empty visible `content` (TTFO; later than tFirstContent on reasoning models) */
  tFirstVisible: number | null;
  tLastToken: number | null;
  tDone: number | null;
  /** arrival (socket read) time of every token-bearing event */
  chunkTimes: number[];
  status: number | null;
  errorKind: 'http' | 'shed' | 'stream' | 'timeout' | 'network' | 'aborted' | null;
  error: string | null;
  /** a 429's Retry-After, in ms (closed-loop users back off by it) */
  retryAfterMs: number | null;
  finishReason: string | null;
  usage: Record<string, unknown> | null;
  timings: Record<string, unknown> | null;
  /** server counts: usage first, else timings (see tokenSource) */
  promptTokens: number | null;
  outputTokens: number | null;
  cacheN: number | null;
  promptN: number | null;
  tokenSource: 'usage' | 'timings' | 'none';
  /** token-bearing events counted by the client: only a cross-check of outputTokens */
  clientTokens: number;
  /** generated text, kept only when the workload needs it (multi-turn history) */
  text: string | null;
}

export const succeeded = (r: RequestRecord): boolean => r.errorKind === null && r.status === 200;

/** vLLM TPOT: (last token − first token) / (N_out − 1); undefined for N_out ≤ 1. */
export function tpotOf(r: RequestRecord): number | null {
  const n = r.outputTokens ?? r.clientTokens;
  if (r.tFirstContent === null || r.tLastToken === null || n <= 1) return null;
  return (r.tLastToken - r.tFirstContent) / (n - 1);
}

/** Gaps between successive token chunks of one request (vLLM ITL samples). */
export function gapsOf(r: RequestRecord): number[] {
  const out: number[] = [];
  for (let i = 1; i < r.chunkTimes.length; i++) out.push((r.chunkTimes[i] as number) - (r.chunkTimes[i - 1] as number));
  return out;
}

/** End of the request for E2E: the last token chunk (vLLM E2EL), else the end of the body. */
const endOf = (r: RequestRecord): number | null => r.tLastToken ?? r.tDone;

/** The per-request value of a latency metric (itl: the request's own gaps are pooled elsewhere). */
export function latencyOf(r: RequestRecord, metric: Exclude<BenchLatencyMetric, 'itl'>): number | null {
  switch (metric) {
    case 'ttft':
      return r.tFirstContent === null ? null : r.tFirstContent - r.tSent;
    case 'ttftSched':
      return r.tFirstContent === null ? null : r.tFirstContent - r.tSched;
    case 'tpot':
      return tpotOf(r);
    case 'e2e': {
      const e = endOf(r);
      return e === null ? null : e - r.tSent;
    }
    case 'e2eSched': {
      const e = endOf(r);
      return e === null ? null : e - r.tSched;
    }
  }
}
