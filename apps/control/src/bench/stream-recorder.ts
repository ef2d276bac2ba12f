import { performance } from 'node:perf_hooks';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, request } from 'undici';
import type { RequestRecord } from './record';

/**
 * Sends one streamed chat completion and records when every part of it arrived.
 *
 * Timestamps come from a monotonic clock (performance.now(), never Date.now()) taken once per
 * socket read, before the read is parsed: several SSE events that arrive in one read share that
 * time, which is the truth about when the bytes arrived (methodology §1.8 item 5); parsing cost
 * never shifts a timestamp. undici's `request` hands us Node stream reads directly, with no
 * WHATWG stream layer between the socket and the clock.
 */
export interface Clock {
  now(): number;
}
export const monotonicClock: Clock = { now: () => performance.now() };

export type RecordBase = Pick<RequestRecord, 'seq' | 'user' | 'turn' | 'maxTokens' | 'tSched' | 'tSent'>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** The message of any error body generation: `{error:"…"}`, `{error:{message}}`, or plain text. */
export function errorMessage(status: number, text: string): string {
  try {
    const j = obj(JSON.parse(text));
    const e = j?.error;
    if (typeof e === 'string') return `HTTP ${status}: ${e}`;
    const m = obj(e)?.message;
    if (typeof m === 'string') return `HTTP ${status}: ${m}`;
  } catch {
    // not JSON: fall through to the text
  }
  return `HTTP ${status}: ${text.trim().slice(0, 200) || 'no body'}`;
}

/**
 * Builds a RequestRecord from the events of one response. Pure (no I/O): the caller feeds text
 * with the time it arrived, so the traps are tested on exact inputs.
 *
 * - TTFT stops at the first non-empty `content` or `reasoning_content` delta, never at the
 *   role-only first chunk or an empty delta (vLLM's chat TTFT trap).
 * - `usage` may come with the finish chunk (older llama-server) or in a trailing chunk with
 *   `choices: []` (current llama-server with include_usage); `timings` in whichever is last.
 * - When the server sends no `usage` (llama-server without include_usage support, or the
 *   simulator before it added usage to streams), counts fall back to `timings.predicted_n` and
 *   `prompt_n + cache_n`; tokenSource says which was used.
 */
export class StreamParser {
  private readonly rec: RequestRecord;
  private readonly parser = createParser({ onEvent: (e) => this.onEvent(e) });
  private now = 0;
  private sawDone = false;
  private streamError: string | null = null;
  private malformed = 0;

  constructor(base: RecordBase, keepText: boolean) {
    this.rec = {
      ...base,
      tFirstByte: null,
      tFirstEvent: null,
      tFirstContent: null,
      tFirstVisible: null,
      tLastToken: null,
      tDone: null,
      chunkTimes: [],
      status: null,
      errorKind: null,
      error: null,
      retryAfterMs: null,
      finishReason: null,
      usage: null,
      timings: null,
      promptTokens: null,
      outputTokens: null,
      cacheN: null,
      promptN: null,
      tokenSource: 'none',
      clientTokens: 0,
      text: keepText ? '' : null,
    };
  }

  headers(status: number, t: number): void {
    this.rec.status = status;
    this.rec.tFirstByte = t;
  }

  feed(text: string, t: number): void {
    this.now = t;
    this.parser.feed(text);
  }

  private onEvent(ev: EventSourceMessage): void {
    const t = this.now;
    const r = this.rec;
    if (ev.data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    let j: Record<string, unknown> | null;
    try {
      j = obj(JSON.parse(ev.data));
    } catch {
      j = null;
    }
    if (!j) {
      this.malformed++;
      return;
    }
    if (j.error !== undefined) {
      // llama-server reports a mid-stream failure as a data event, then ends the stream
      this.streamError = errorMessage(200, JSON.stringify({ error: j.error })).replace(/^HTTP 200: /, '');
      return;
    }
    if (obj(j.usage)) r.usage = j.usage as Record<string, unknown>;
    if (obj(j.timings)) r.timings = j.timings as Record<string, unknown>;
    const choices = Array.isArray(j.choices) ? j.choices : null;
    const c = choices ? obj(choices[0]) : null;
    if (!c) return;
    r.tFirstEvent ??= t;
    const d = obj(c.delta);
    const content = typeof d?.content === 'string' ? d.content : typeof c.text === 'string' ? c.text : '';
    const reasoning = typeof d?.reasoning_content === 'string' ? d.reasoning_content : typeof d?.reasoning === 'string' ? d.reasoning : '';
    if (content.length > 0 || reasoning.length > 0) {
      r.chunkTimes.push(t);
      r.clientTokens++;
      r.tFirstContent ??= t;
      if (content.length > 0) r.tFirstVisible ??= t;
      r.tLastToken = t;
      if (r.text !== null) r.text += content;
    }
    if (typeof c.finish_reason === 'string') r.finishReason = c.finish_reason;
  }

  /** The body ended (cleanly or not, per `transportError`). */
  finish(t: number, transportError?: string): RequestRecord {
    const r = this.rec;
    r.tDone = t;
    this.settleCounts();
    if (this.streamError) this.failWith('stream', this.streamError);
    else if (transportError) this.failWith('stream', `stream dropped: ${transportError}`);
    else if (!this.sawDone && r.finishReason === null) this.failWith('stream', 'stream ended before the final chunk');
    else if (this.malformed > 0 && r.clientTokens === 0) this.failWith('stream', `${this.malformed} malformed events and no tokens`);
    return r;
  }

  /** The request failed before or instead of a stream. */
  fail(kind: NonNullable<RequestRecord['errorKind']>, message: string, t: number, retryAfterMs: number | null = null): RequestRecord {
    this.rec.tDone = t;
    this.rec.retryAfterMs = retryAfterMs;
    this.failWith(kind, message);
    return this.rec;
  }

  private failWith(kind: NonNullable<RequestRecord['errorKind']>, message: string): void {
    this.rec.errorKind = kind;
    this.rec.error = message;
  }

  private settleCounts(): void {
    const r = this.rec;
    const u = r.usage;
    const tm = r.timings;
    r.cacheN = num(tm?.cache_n) ?? num(obj(u?.prompt_tokens_details)?.cached_tokens);
    r.promptN = num(tm?.prompt_n);
    const uOut = num(u?.completion_tokens);
    const uIn = num(u?.prompt_tokens);
    if (uOut !== null) {
      r.outputTokens = uOut;
      r.promptTokens = uIn;
      r.tokenSource = 'usage';
    } else if (num(tm?.predicted_n) !== null) {
      r.outputTokens = num(tm?.predicted_n);
      r.promptTokens = r.promptN !== null ? r.promptN + (r.cacheN ?? 0) : null;
      r.tokenSource = 'timings';
    }
  }
}

export interface HttpTarget {
  baseUrl: string;
  apiKey?: string | undefined;
  dispatcher: Agent;
  clock: Clock;
  timeoutMs: number;
}

/**
 * One dispatcher per run, sized to the run's concurrency: Node's default fetch pool and
 * aiohttp's 100-connection limit are known to queue requests inside the client (methodology
 * §1.8 item 1). Header and body timeouts follow the run's request timeout instead of undici's
 * 300 s defaults, which cut long generations.
 */
export function createDispatcher(connections: number, timeoutMs: number): Agent {
  return new Agent({ connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 });
}

const TIMEOUT = Symbol('timeout');

function classify(err: unknown, afterHeaders: boolean): { kind: NonNullable<RequestRecord['errorKind']>; message: string } {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout', message: `timed out (${code})` };
  const message = `${code ? `${code}: ` : ''}${e.message ?? String(err)}`;
  return { kind: afterHeaders ? 'stream' : 'network', message };
}

/**
 * POSTs `body` to `path` as a streamed request and records it. Never throws: every failure is
 * a record with an errorKind, so one bad request never stops a run. `signal` cancels the run.
 */
export async function sendStreaming(target: HttpTarget, path: string, body: unknown, base: RecordBase, keepText: boolean, signal: AbortSignal): Promise<RequestRecord> {
  const { clock } = target;
  const p = new StreamParser(base, keepText);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal.reason);
  if (signal.aborted) return p.fail('aborted', 'cancelled', clock.now());
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ctl.abort(TIMEOUT), target.timeoutMs);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  let afterHeaders = false;
  try {
    const res = await request(new URL(path, target.baseUrl), { method: 'POST', headers, body: JSON.stringify(body), dispatcher: target.dispatcher, signal: ctl.signal });
    afterHeaders = true;
    p.headers(res.statusCode, clock.now());
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      const ra = Number(res.headers['retry-after']);
      return p.fail(res.statusCode === 429 ? 'shed' : 'http', errorMessage(res.statusCode, text.slice(0, 4096)), clock.now(), Number.isFinite(ra) ? ra * 1000 : null);
    }
    const decoder = new TextDecoder();
    const dropped = await new Promise<string | undefined>((resolve) => {
      res.body.on('data', (buf: Buffer) => p.feed(decoder.decode(buf, { stream: true }), clock.now()));
      res.body.on('end', () => resolve(undefined));
      res.body.on('error', (e: Error) => resolve(e.message || 'error'));
    });
    if (ctl.signal.aborted) throw ctl.signal.reason;
    return p.finish(clock.now(), dropped);
  } catch (err) {
    const t = clock.now();
    if (ctl.signal.reason === TIMEOUT) return p.fail('timeout', `no complete answer within ${target.timeoutMs} ms`, t);
    if (signal.aborted) return p.fail('aborted', 'cancelled', t);
    const c = classify(err, afterHeaders);
    return p.fail(c.kind, c.message, t);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
