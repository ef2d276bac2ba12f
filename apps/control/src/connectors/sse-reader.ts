import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { HostError, describeFetchError } from './http';

/**
 * A fetch-based SSE reader. `EventSource` cannot carry an API key (llama-swap has no query-string
 * auth), so we read the body ourselves and frame it with eventsource-parser, which accepts
 * `data:x` and `data: x` alike and ignores `:` comment lines (llama-server pings).
 *
 * Nothing here relies on heartbeats: llama-swap sends none and a stream may stay silent for
 * hours. Liveness is the caller's business (the connector probes the host separately).
 */
export interface SseOptions {
  headers: Record<string, string>;
  /** How long to wait for the response headers. */
  connectTimeoutMs: number;
  signal: AbortSignal;
  /**
   * Largest event we buffer (characters). Frames over 1 MiB are normal (log history, legacy
   * metrics snapshots); anything above this cap is skipped up to its terminating blank line and
   * reported through `onOversize`, and the stream carries on.
   */
  maxEventBytes?: number;
  onEvent(ev: EventSourceMessage): void;
  onOversize?(approxBytes: number): void;
}

export interface SseStream {
  status: number;
  /** Resolves when the server ends the stream; rejects with a HostError on transport errors. */
  done: Promise<void>;
}

export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** Finds the end of an SSE event (a blank line) in `s`; returns the index just after it, or -1. */
function eventEnd(s: string): number {
  const m = /\r?\n\r?\n|\r\r/.exec(s);
  return m ? m.index + m[0].length : -1;
}

export async function openSse(url: string, opts: SseOptions): Promise<SseStream> {
  // One controller for the whole request: it follows the caller's signal, and a timer aborts it
  // if the headers do not arrive in time. The timer is cleared once they do, so it never cuts
  // a long-lived body.
  const ctl = new AbortController();
  const follow = () => ctl.abort(opts.signal.reason);
  if (opts.signal.aborted) throw new HostError('aborted', 'aborted');
  opts.signal.addEventListener('abort', follow, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new Error('connect timeout'));
  }, opts.connectTimeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'text/event-stream', ...opts.headers }, signal: ctl.signal });
  } catch (err) {
    opts.signal.removeEventListener('abort', follow);
    if (opts.signal.aborted) throw new HostError('aborted', 'aborted');
    if (timedOut) throw new HostError('timeout', `event stream did not answer within ${opts.connectTimeoutMs} ms`);
    throw new HostError('unreachable', describeFetchError(err));
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel().catch(() => undefined);
    throw new HostError('auth', `authentication failed (HTTP ${res.status}): check the host's API key`, res.status);
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new HostError('http', `event stream answered HTTP ${res.status}`, res.status);
  }
  const body = res.body;
  const done = pump(body, opts).finally(() => opts.signal.removeEventListener('abort', follow));
  return { status: res.status, done };
}

async function pump(body: ReadableStream<Uint8Array>, opts: SseOptions): Promise<void> {
  const max = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  let skipping = false;
  let skipped = 0;
  let skipTail = '';
  const parser = createParser({
    maxBufferSize: max,
    onEvent: (ev) => opts.onEvent(ev),
    onError: (err) => {
      if (err.type === 'max-buffer-size-exceeded') {
        skipping = true;
        skipped = max;
        skipTail = '';
      }
      // unknown fields and bad `retry` values are ignored: llama-swap never sends them
    },
  });
  const feed = (text: string): void => {
    let rest = text;
    while (rest.length > 0) {
      if (skipping) {
        const joined = skipTail + rest;
        const end = eventEnd(joined);
        if (end === -1) {
          skipped += rest.length;
          skipTail = joined.slice(-3);
          return;
        }
        skipped += end - skipTail.length;
        opts.onOversize?.(skipped);
        skipping = false;
        parser.reset();
        rest = joined.slice(end);
        continue;
      }
      // If the parser overflows here, it was on the unterminated tail of this chunk (it checks its
      // buffer after consuming whole lines), so skipping resumes with the next chunk.
      parser.feed(rest);
      return;
    }
  };
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (opts.signal.aborted) return;
        throw new HostError('unreachable', `event stream broke: ${describeFetchError(err)}`);
      }
      if (chunk.done) {
        feed(decoder.decode());
        return;
      }
      feed(decoder.decode(chunk.value, { stream: true }));
    }
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
}
