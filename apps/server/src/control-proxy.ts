import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import WebSocket from 'ws';
import { WS_CLOSE, type ErrorBody } from '@boocontrol/contracts';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded by a proxy. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

export interface ControlProxyOptions {
  controlUrl: string;
  /** How long to wait for control to answer headers; blocking switch calls need minutes. */
  timeoutMs?: number;
}

const unavailable = (message: string): ErrorBody => ({ error: { code: 'CONTROL_UNAVAILABLE', message } });

/**
 * Relays /api/control/* to the control service over HTTP (streamed both ways) and WebSocket.
 * When control is down: HTTP gets a 502 JSON error, a WS gets closed with a clear reason.
 */
export async function registerControlProxy(app: FastifyInstance, opts: ControlProxyOptions): Promise<void> {
  const base = opts.controlUrl;
  const wsBase = base.replace(/^http/, 'ws');

  // Bodies pass through untouched: control validates them, not the gateway.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.get('/api/control/ws', { websocket: true }, (client, req) => relayWs(client, `${wsBase}${req.url}`, req));

  app.all('/api/control/*', async (req, reply) => relayHttp(req, reply, `${base}${req.url}`, opts.timeoutMs ?? 15 * 60_000));
}

async function relayHttp(req: FastifyRequest, reply: FastifyReply, url: string, timeoutMs: number) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (HOP.has(k) || v === undefined) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  // Set, never appended: a client's own X-Forwarded-* are not believed. Control trusts these
  // from the gateway's address only (CONTROL_TRUSTED_HOPS): req.ip for the failure limiter and
  // proxy mode, the Host for its same-origin check.
  setForwarded(headers, req);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  // The caller hanging up (an agent's curl ^C) cancels the upstream call too.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  // A bodiless POST (job cancel) arrives with no payload stream at all.
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined && req.body !== null;
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method,
      headers,
      signal: abort.signal,
      ...(hasBody ? { body: Readable.toWeb(req.body as Readable) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
  } catch (err) {
    clearTimeout(timer);
    req.log.warn({ err: (err as Error).message, url }, 'control unreachable');
    return reply.code(502).send(unavailable(`control service unreachable: ${(err as Error).cause ? String((err as Error & { cause: Error }).cause.message ?? '') : (err as Error).message}`));
  }
  clearTimeout(timer);
  reply.code(res.status);
  res.headers.forEach((value, key) => {
    if (!HOP.has(key)) reply.header(key, value);
  });
  return reply.send(res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream) : null);
}

/** What control needs to decide who a relayed request is from and whether it is same-origin. */
function setForwarded(headers: Headers, req: FastifyRequest): void {
  headers.set('x-forwarded-for', req.ip);
  headers.set('x-forwarded-proto', req.protocol);
  if (req.headers.host) headers.set('x-forwarded-host', req.headers.host);
}

/**
 * Headers a WS upgrade keeps on its way to control: credentials (Authorization, a trusted proxy's
 * user header), Origin and cookies. The handshake's own headers are the ws client's business.
 */
function wsHeaders(req: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (HOP.has(k) || k.startsWith('sec-websocket-') || v === undefined) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  setForwarded(headers, req);
  return headers;
}

function relayWs(client: WebSocket, url: string, req: FastifyRequest) {
  const upstream = new WebSocket(url, { headers: Object.fromEntries(wsHeaders(req)) });
  const pending: Array<{ data: WebSocket.RawData; binary: boolean }> = [];
  const closeBoth = (code: number, reason: string) => {
    const safe = code === 1005 || code === 1006 || code < 1000 ? WS_CLOSE.NORMAL : code;
    if (client.readyState === WebSocket.OPEN) client.close(safe, reason);
    if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
  };
  client.on('message', (data, binary) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
    else if (pending.length < 64) pending.push({ data, binary });
  });
  upstream.on('open', () => {
    for (const m of pending.splice(0)) upstream.send(m.data, { binary: m.binary });
  });
  upstream.on('message', (data, binary) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
  });
  upstream.on('close', (code, reason) => closeBoth(code, reason.toString() || 'control closed the stream'));
  upstream.on('error', (err) => {
    req.log.warn({ err: err.message }, 'control WS unreachable');
    if (client.readyState === WebSocket.OPEN) client.close(WS_CLOSE.CONTROL_UNAVAILABLE, 'control service unavailable');
  });
  client.on('close', () => {
    if (upstream.readyState === WebSocket.OPEN) upstream.close(WS_CLOSE.NORMAL, 'client left');
    else upstream.terminate();
  });
  client.on('error', () => upstream.terminate());
}
