import type { ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross the proxy. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

export interface ForwardRequest {
  baseUrl: string;
  /** e.g. /v1/chat/completions (appended to the base URL's path) */
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  res: ServerResponse;
  /** When true, a 5xx comes back as `retry` instead of reaching the client (a connection error before the first byte always does). */
  mayRetry: boolean;
  /** Headers added to the response, computed when the upstream's headers arrive. */
  extraHeaders: (upstreamStatus: number) => Record<string, string>;
}

export type ForwardResult =
  | { kind: 'retry'; reason: string; status: number | null }
  | { kind: 'sent'; status: number; upstreamMs: number; bytes: number; error: string | null; clientClosed: boolean };

const errText = (err: Error): string => {
  const code = (err as { code?: string }).code ?? (err.cause as { code?: string } | undefined)?.code;
  return `${code ? `${code}: ` : ''}${err.message || String(err)}`;
};

/**
 * Upstream connections: one undici Pool per host origin, keep-alive, unlimited sockets (each
 * open stream holds one). A response is relayed through undici's dispatch handler: the headers
 * as they arrive, then every chunk as the parser hands it over, written to the client at once
 * (no buffering, no re-chunking), with backpressure passed back to the upstream socket.
 */
export class Upstreams {
  private readonly pools = new Map<string, { pool: Pool; basePath: string }>();

  constructor(private readonly opts: { headersTimeoutMs?: number; bodyTimeoutMs?: number } = {}) {}

  private pool(baseUrl: string): { pool: Pool; basePath: string } {
    let p = this.pools.get(baseUrl);
    if (!p) {
      const u = new URL(baseUrl);
      p = {
        pool: new Pool(u.origin, {
          connections: null,
          pipelining: 1,
          keepAliveTimeout: 10_000,
          // llama-swap answers headers only once a model has loaded (healthCheckTimeout, 120 s default).
          headersTimeout: this.opts.headersTimeoutMs ?? 600_000,
          bodyTimeout: this.opts.bodyTimeoutMs ?? 600_000,
        }),
        basePath: u.pathname.replace(/\/+$/, ''),
      };
      this.pools.set(baseUrl, p);
    }
    return p;
  }

  /** GET a path with a short timeout; true on a 2xx (the cooldown probe). */
  async probe(baseUrl: string, path: string, headers: Record<string, string>, timeoutMs = 2_000): Promise<boolean> {
    const { pool, basePath } = this.pool(baseUrl);
    const r = await pool.request({ method: 'GET', path: basePath + path, headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await r.body.dump();
    return r.statusCode >= 200 && r.statusCode < 300;
  }

  forward(f: ForwardRequest): Promise<ForwardResult> {
    const { pool, basePath } = this.pool(f.baseUrl);
    const started = performance.now();
    return new Promise<ForwardResult>((resolve) => {
      let settled = false;
      let relaying = false;
      let bytes = 0;
      let status = 0;
      let upstreamMs = 0;
      let ctl: Dispatcher.DispatchController | undefined;
      let clientClosed = false;
      const res = f.res;
      const settle = (r: ForwardResult) => {
        if (settled) return;
        settled = true;
        res.off('close', onClientClose);
        resolve(r);
      };
      const onClientClose = () => {
        if (res.writableFinished) return;
        clientClosed = true;
        ctl?.abort(new Error('client closed the connection'));
      };
      res.on('close', onClientClose);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          ctl = controller;
          if (res.destroyed) controller.abort(new Error('client closed the connection'));
        },
        onResponseStart(_controller, statusCode, headers) {
          if (statusCode < 200) return;
          status = statusCode;
          upstreamMs = performance.now() - started;
          if (statusCode >= 500 && f.mayRetry) {
            settle({ kind: 'retry', reason: `upstream answered ${statusCode}`, status: statusCode });
            return;
          }
          const out: Record<string, string | string[]> = {};
          for (const k in headers) if (!HOP.has(k)) out[k] = headers[k] as string | string[];
          Object.assign(out, f.extraHeaders(statusCode));
          res.writeHead(statusCode, out);
          relaying = true;
          // A stream's headers go out now; a whole body carries them with its first write.
          if (headers['content-length'] === undefined) res.flushHeaders();
        },
        onResponseData(controller, chunk) {
          if (!relaying) return;
          bytes += chunk.length;
          if (!res.write(chunk)) {
            controller.pause();
            res.once('drain', () => controller.resume());
          }
        },
        onResponseEnd() {
          if (!relaying) return;
          res.end();
          settle({ kind: 'sent', status, upstreamMs, bytes, error: null, clientClosed: false });
        },
        onResponseError(_controller, err) {
          if (settled && !relaying) return;
          if (!relaying) {
            if (res.destroyed || clientClosed) settle({ kind: 'sent', status: 499, upstreamMs, bytes: 0, error: 'client closed the connection', clientClosed: true });
            else settle({ kind: 'retry', reason: errText(err), status: null });
            return;
          }
          // After the first byte nothing can be retried: the client sees the stream cut.
          res.destroy(err);
          settle({ kind: 'sent', status, upstreamMs, bytes, error: clientClosed ? 'client closed the connection' : `upstream failed mid-response: ${errText(err)}`, clientClosed });
        },
      };
      pool.dispatch({ method: 'POST', path: basePath + f.path, headers: f.headers, body: f.body }, handler);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.pool.close().catch(() => undefined)));
    this.pools.clear();
  }
}
