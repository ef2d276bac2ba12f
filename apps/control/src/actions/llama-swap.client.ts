import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { authHeaders, describeFetchError, errorMessageOf } from '../connectors/http';
import { RunningSchema } from '../connectors/kinds/llama-swap-wire';
import { AppError } from '../lib/errors';

/**
 * The llama-swap calls actions make (protocol reference §4): warm through
 * `GET /upstream/<model>/health` (held open until the swap and the start complete), unload one or
 * all (blocking until the processes exited), `/running`, and cancelling an in-flight request.
 * Model ids may contain `/` and are URL-encoded into paths (gotcha 13).
 */
export interface LlamaSwapTarget {
  hostId: string;
  baseUrl: string;
  /** Never logged, never returned. */
  apiKey: string | null;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface RunningProcess {
  model: string;
  state: string;
}

const enc = (model: string) => encodeURIComponent(model);

export class LlamaSwapClient {
  constructor(private readonly target: LlamaSwapTarget) {}

  /** Resolves when the model answers healthy; throws UPSTREAM_ERROR with llama-swap's reason on a failed load. */
  async warm(model: string, o: CallOptions): Promise<{ ms: number }> {
    const started = Date.now();
    const res = await this.call('GET', `/upstream/${enc(model)}/health`, o, `loading ${model}`);
    if (res.status === 200) return { ms: Date.now() - started };
    if (res.status === 404) throw new AppError('NOT_FOUND', `host ${this.target.hostId} has no model ${model}`, { model, status: 404 });
    throw new AppError('UPSTREAM_ERROR', `loading ${model} on ${this.target.hostId} failed: ${errorMessageOf(res.text) || `HTTP ${res.status}`}`, { model, status: res.status });
  }

  /** Unloads one model, or every model when `model` is undefined. Blocks until stopped. */
  async unload(model: string | undefined, o: CallOptions): Promise<void> {
    const path = model === undefined ? '/api/models/unload' : `/api/models/unload/${enc(model)}`;
    const res = await this.call('POST', path, o, model ? `unloading ${model}` : 'unloading all models');
    if (res.status >= 200 && res.status < 300) return;
    if (res.status === 404 && model) throw new AppError('NOT_FOUND', `host ${this.target.hostId} has no model ${model}`, { model, status: 404 });
    throw new AppError('UPSTREAM_ERROR', `unload on ${this.target.hostId} failed: ${errorMessageOf(res.text) || `HTTP ${res.status}`}`, { status: res.status });
  }

  /** Processes that are starting, ready or stopping. */
  async running(o: CallOptions): Promise<RunningProcess[]> {
    const res = await this.call('GET', '/running', o, 'reading /running');
    if (res.status !== 200) throw new AppError('UPSTREAM_ERROR', `/running on ${this.target.hostId} answered HTTP ${res.status}`, { status: res.status });
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      throw new AppError('UPSTREAM_ERROR', `/running on ${this.target.hostId} did not return JSON`);
    }
    // The same wire schema the connector reconciles with: one reading of /running.
    const parsed = RunningSchema.safeParse(json);
    if (!parsed.success) throw new AppError('UPSTREAM_ERROR', `/running on ${this.target.hostId} has an unexpected shape`, { issues: parsed.error.issues.slice(0, 3) });
    return (parsed.data.running ?? []).map((r) => ({ model: r.model, state: r.state }));
  }

  /** `POST /api/inflight/{id}/cancel` (llama-swap v235+). */
  async cancelInflight(id: string, o: CallOptions): Promise<void> {
    if (!/^[0-9]{1,18}$/.test(id)) throw new AppError('VALIDATION', 'in-flight ids are decimal numbers');
    const res = await this.call('POST', `/api/inflight/${id}/cancel`, o, `cancelling request ${id}`);
    if (res.status >= 200 && res.status < 300) return;
    const msg = errorMessageOf(res.text);
    if (res.status === 404 && /inflight request not found/i.test(msg)) throw new AppError('NOT_FOUND', `request ${id} is no longer in flight on ${this.target.hostId}`);
    if (res.status === 404 || res.status === 405) {
      throw new AppError('UPSTREAM_ERROR', `host ${this.target.hostId} cannot cancel in-flight requests (needs llama-swap v235+)`, { status: res.status, unsupported: true });
    }
    throw new AppError('UPSTREAM_ERROR', `cancel on ${this.target.hostId} failed: ${msg || `HTTP ${res.status}`}`, { status: res.status });
  }

  /**
   * Follows `/logs/stream/<model>?no-history` until the signal aborts: the loading log of a
   * model while it starts. Best effort: errors end the stream quietly.
   */
  async followLog(model: string, signal: AbortSignal, onText: (text: string) => void): Promise<void> {
    try {
      const res = await fetch(`${this.target.baseUrl}/logs/stream/${enc(model)}?no-history`, { headers: { accept: 'text/plain', ...authHeaders(this.target.apiKey) }, signal });
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        return;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const text = decoder.decode(value, { stream: true });
        if (text) onText(text);
      }
    } catch {
      /* aborted or broken: the log tail is a nicety */
    }
  }

  private async call(method: 'GET' | 'POST', path: string, o: CallOptions, what: string): Promise<{ status: number; text: string }> {
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    try {
      const res = await rawRequest(`${this.target.baseUrl}${path}`, method, { accept: 'application/json', ...authHeaders(this.target.apiKey) }, signal);
      if (res.status === 401 || res.status === 403) throw new AppError('UPSTREAM_ERROR', `${what}: host ${this.target.hostId} refused the API key (HTTP ${res.status})`, { status: res.status });
      return res;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (o.signal?.aborted) throw new AppError('CANCELLED', `${what}: cancelled`);
      if (timeout.aborted) throw new AppError('TIMEOUT', `${what}: host ${this.target.hostId} did not answer within ${o.timeoutMs} ms`, { timeoutMs: o.timeoutMs });
      throw new AppError('UPSTREAM_UNAVAILABLE', `${what}: host ${this.target.hostId} unreachable (${describeFetchError(err)})`);
    }
  }
}

/**
 * One HTTP exchange with node:http rather than fetch: a warm may legitimately wait for minutes
 * before the first response byte (healthCheckTimeout plus evictions), and fetch's built-in
 * headers timeout (300 s) would cut it. Our own deadline is the signal. Bodies are capped at 64 KiB.
 */
function rawRequest(url: string, method: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method, headers: { ...headers, ...(method === 'POST' ? { 'content-length': '0' } : {}) }, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 64 * 1024) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').slice(0, 64 * 1024) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
