import { backoffDelay, sleep } from '../lib/backoff';
import type { ConnectorTimings } from './types';

export interface SuperviseOptions {
  signal: AbortSignal;
  timings: ConnectorTimings;
  /**
   * One connection attempt and, if it succeeds, the whole life of that connection. It calls
   * `connected()` once the host is live, which resets the backoff; it returns or throws when the
   * connection is over.
   */
  session(signal: AbortSignal, connected: () => void): Promise<void>;
  /**
   * Called after each session with its error (null when the host closed cleanly) and the wait
   * before the next attempt; returning a number replaces that wait.
   */
  ended(err: unknown, attempt: number, delayMs: number): number | void;
  random?: () => number;
}

/**
 * Reconnect loop with the backoff llama-swap's own UI uses: 1, 2, 4, then 5 s forever, plus
 * jitter so a fleet that lost its network does not reconnect in lockstep. Runs until aborted.
 */
export async function supervise(opts: SuperviseOptions): Promise<void> {
  let attempt = 0;
  const { timings: t } = opts;
  while (!opts.signal.aborted) {
    let err: unknown = null;
    try {
      await opts.session(opts.signal, () => {
        attempt = 0;
      });
    } catch (e) {
      err = e;
    }
    if (opts.signal.aborted) return;
    attempt++;
    const delay = backoffDelay(attempt, { baseMs: t.backoffBaseMs, maxMs: t.backoffMaxMs, jitter: t.backoffJitter, ...(opts.random ? { random: opts.random } : {}) });
    const override = opts.ended(err, attempt, delay);
    await sleep(typeof override === 'number' ? override : delay, opts.signal);
  }
}
