/**
 * Small HTTP client for remote hosts: timeouts, Bearer auth, a size cap on bodies and errors that
 * say what went wrong in words a user can act on ("timed out after 2000 ms", "HTTP 401").
 * Remote hosts are only ever called from here (llama-swap sends no CORS headers on /api/*).
 */

export type HostErrorKind = 'timeout' | 'unreachable' | 'http' | 'auth' | 'too-large' | 'invalid' | 'aborted';

export class HostError extends Error {
  constructor(
    readonly kind: HostErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HostError';
  }
  /** The host did not answer at all (as opposed to answering badly). */
  get unreachable(): boolean {
    return this.kind === 'timeout' || this.kind === 'unreachable';
  }
}

export interface HostHttpOptions {
  baseUrl: string;
  apiKey: string | null;
}

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Bodies above this are refused with kind `too-large` (default 32 MiB). */
  maxBytes?: number;
  /** Statuses that are not errors for this call (e.g. 404 while probing capabilities). */
  okStatuses?: number[];
  headers?: Record<string, string>;
}

export interface HostResponse {
  status: number;
  text: string;
}

const DEFAULT_MAX = 32 * 1024 * 1024;

/**
 * A signal for one request: aborted by `parent` or after `timeoutMs`. Hand-rolled rather than
 * AbortSignal.any([parent, AbortSignal.timeout()]): every composite stays registered on a
 * long-lived parent (the session's signal) in Node 20, which leaks under thousands of requests.
 * `dispose` detaches it.
 */
export function requestSignal(parent: AbortSignal | undefined, timeoutMs: number): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const ctl = new AbortController();
  let timedOut = false;
  const onParent = () => ctl.abort(parent?.reason);
  if (parent?.aborted) ctl.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new Error('timeout'));
  }, timeoutMs);
  return {
    signal: ctl.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** The root cause of a fetch failure, e.g. ECONNREFUSED, in a sentence. */
export function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host name not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  return e.cause?.message ?? e.message ?? String(err);
}

export function authHeaders(apiKey: string | null): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** Reads a body stream with a size cap so a misbehaving host cannot exhaust memory. */
async function readCapped(res: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new HostError('too-large', `response of ${declared} bytes exceeds the ${maxBytes}-byte cap`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let out = '';
  let total = 0;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new HostError('too-large', `response exceeds the ${maxBytes}-byte cap`);
      out += decoder.decode(value, { stream: true });
    }
    return out + decoder.decode();
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

export class HostHttp {
  constructor(private readonly opts: HostHttpOptions) {}

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  url(path: string): string {
    return `${this.opts.baseUrl}${path}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...authHeaders(this.opts.apiKey), ...extra };
  }

  /** GET and return status + text; throws HostError for transport problems and unexpected statuses. */
  async get(path: string, ro: RequestOptions): Promise<HostResponse> {
    const rs = requestSignal(ro.signal, ro.timeoutMs);
    let res: Response;
    let text: string;
    try {
      try {
        res = await fetch(this.url(path), { headers: this.headers(ro.headers), signal: rs.signal });
      } catch (err) {
        throw this.wrap(err, ro, rs.timedOut());
      }
      try {
        text = await readCapped(res, ro.maxBytes ?? DEFAULT_MAX, rs.signal);
      } catch (err) {
        if (err instanceof HostError) throw err;
        throw this.wrap(err, ro, rs.timedOut());
      }
    } finally {
      rs.dispose();
    }
    if (res.status >= 200 && res.status < 300) return { status: res.status, text };
    if (ro.okStatuses?.includes(res.status)) return { status: res.status, text };
    if (res.status === 401 || res.status === 403) throw new HostError('auth', `authentication failed (HTTP ${res.status}): check the host's API key`, res.status);
    throw new HostError('http', `HTTP ${res.status} from ${path}${text ? `: ${errorMessageOf(text)}` : ''}`, res.status);
  }

  /** GET and JSON.parse; a body that is not JSON is an `invalid` HostError. */
  async getJson(path: string, ro: RequestOptions): Promise<{ status: number; json: unknown }> {
    const r = await this.get(path, ro);
    try {
      return { status: r.status, json: r.text === '' ? null : (JSON.parse(r.text) as unknown) };
    } catch {
      throw new HostError('invalid', `${path} did not return JSON`, r.status);
    }
  }

  private wrap(err: unknown, ro: RequestOptions, timedOut: boolean): HostError {
    if (ro.signal?.aborted) return new HostError('aborted', 'aborted');
    if (timedOut) return new HostError('timeout', `timed out after ${ro.timeoutMs} ms`);
    return new HostError('unreachable', describeFetchError(err));
  }
}

/** llama-swap error bodies come in three generations (protocol §2.4): pick the message out. */
export function errorMessageOf(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error.slice(0, 300);
    if (j.error && typeof j.error === 'object' && typeof (j.error as { message?: unknown }).message === 'string') {
      return String((j.error as { message: string }).message).slice(0, 300);
    }
    if (typeof j.message === 'string') return j.message.slice(0, 300);
  } catch {
    // plain text body
  }
  return text.slice(0, 300).trim();
}
