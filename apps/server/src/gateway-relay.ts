import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the client computes are not forwarded. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

export interface GatewayRelayOptions {
  /** control's gateway listener (GATEWAY_PORT), e.g. http://127.0.0.1:9504 */
  gatewayUrl: string;
}

const unavailable = (message: string) => JSON.stringify({ error: { message, type: 'server_error', param: null, code: 'CONTROL_UNAVAILABLE' } });

/**
 * Relays /v1/* to control's gateway so that one origin (:9500) serves the cockpit and the
 * OpenAI-compatible endpoint. Both bodies stream: the request is piped up as it arrives, the
 * response is written back chunk by chunk as undici hands it over (no buffering, no re-chunking),
 * over a keep-alive pool. When the gateway is down the caller gets a 502 in OpenAI's error shape.
 */
export async function registerGatewayRelay(app: FastifyInstance, opts: GatewayRelayOptions): Promise<void> {
  const u = new URL(opts.gatewayUrl);
  const basePath = u.pathname.replace(/\/+$/, '');
  const pool = new Pool(u.origin, { connections: null, keepAliveTimeout: 10_000, headersTimeout: 900_000, bodyTimeout: 900_000 });
  app.addHook('onClose', async () => pool.close());
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  app.all('/v1/*', (req, reply) => relay(pool, basePath, req, reply));
}

function relay(pool: Pool, basePath: string, req: FastifyRequest, reply: FastifyReply): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  headers['x-forwarded-for'] = req.ip;
  reply.hijack();
  const res = reply.raw;
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined && req.body !== null;
  let relaying = false;
  let ctl: Dispatcher.DispatchController | undefined;
  res.on('close', () => {
    if (!res.writableFinished) ctl?.abort(new Error('client closed the connection'));
  });
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      ctl = controller;
    },
    onResponseStart(_c, status, h) {
      if (status < 200) return;
      const out: Record<string, string | string[]> = {};
      for (const k in h) if (!HOP.has(k)) out[k] = h[k] as string | string[];
      res.writeHead(status, out);
      if (h['content-length'] === undefined) res.flushHeaders();
      relaying = true;
    },
    onResponseData(controller, chunk) {
      if (!res.write(chunk)) {
        controller.pause();
        res.once('drain', () => controller.resume());
      }
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError(_c, err) {
      if (relaying) {
        res.destroy(err);
        return;
      }
      if (res.destroyed) return;
      req.log.warn({ err: err.message }, 'gateway unreachable');
      const body = unavailable(`the gateway is unreachable: ${(err as { code?: string }).code ?? err.message}`);
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    },
  };
  pool.dispatch({ method: req.method as Dispatcher.HttpMethod, path: basePath + req.url, headers, ...(hasBody ? { body: req.body as Readable } : {}) }, handler);
}
