import { HostHttp } from '../connectors/http';
import { sleep } from '../lib/backoff';

export type HealthResult = { ok: true; models: number; elapsedMs: number } | { ok: false; reason: string; elapsedMs: number; cancelled?: boolean };

export interface HealthWaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Consecutive good probes required (guards against the old process answering once more). */
  consecutive?: number;
  probeTimeoutMs?: number;
  signal?: AbortSignal | undefined;
  apiKey: string | null;
}

/** One probe: llama-swap's /health answers 200 and /v1/models is a model list. */
async function probe(http: HostHttp, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: true; models: number } | { ok: false; reason: string }> {
  try {
    await http.get('/health', { timeoutMs, ...(signal ? { signal } : {}) });
    const { json } = await http.getJson('/v1/models', { timeoutMs, ...(signal ? { signal } : {}) });
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) return { ok: false, reason: '/v1/models did not return a model list' };
    return { ok: true, models: data.length };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Polls the host until it is healthy (true), the timeout passes or the signal aborts. */
export async function waitForHealthy(baseUrl: string, opts: HealthWaitOptions): Promise<HealthResult> {
  const http = new HostHttp({ baseUrl: baseUrl.replace(/\/+$/, ''), apiKey: opts.apiKey });
  const started = Date.now();
  const until = started + opts.timeoutMs;
  const need = opts.consecutive ?? 2;
  let good = 0;
  let last = 'no probe yet';
  while (Date.now() < until) {
    if (opts.signal?.aborted) return { ok: false, reason: 'cancelled', cancelled: true, elapsedMs: Date.now() - started };
    const r = await probe(http, Math.min(opts.probeTimeoutMs ?? 2_000, Math.max(100, until - Date.now())), opts.signal);
    if (r.ok) {
      good++;
      if (good >= need) return { ok: true, models: r.models, elapsedMs: Date.now() - started };
    } else {
      good = 0;
      last = r.reason;
    }
    await sleep(opts.intervalMs ?? 500, opts.signal);
  }
  return { ok: false, reason: `not healthy within ${opts.timeoutMs} ms (last: ${last})`, elapsedMs: Date.now() - started };
}
