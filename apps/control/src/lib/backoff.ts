/** Exponential backoff: base, 2·base, 4·base … capped at max, with ±jitter (fraction of the delay). */
export function backoffDelay(attempt: number, opts: { baseMs: number; maxMs: number; jitter?: number; random?: () => number }): number {
  const raw = Math.min(opts.baseMs * 2 ** Math.max(0, attempt - 1), opts.maxMs);
  const jitter = opts.jitter ?? 0;
  if (jitter === 0) return raw;
  const r = (opts.random ?? Math.random)();
  return Math.max(0, Math.round(raw * (1 - jitter + 2 * jitter * r)));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
