// Entry point for every request to a simulated host: access log, CORS preflight, auth, then the
// llama-swap route table. Routes absent from a wire generation fall through to Go's plain 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostCore } from '../core';
import { goDuration } from '../time';
import { authorized, isPublic } from './auth';
import { handleManagement } from './management';
import { handleDispatch } from './dispatch';
import { MULTIPART_PATHS, POST_JSON_PATHS, VERSIONLESS_PATHS } from './paths';
import { accessBytes, goMethodNotAllowed, goNotFound, sendError } from './respond';

const UNLOGGED = ['/wol-health', '/api/performance', '/metrics'];

function accessLog(core: HostCore, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (UNLOGGED.some((p) => path.startsWith(p))) return;
  const start = performance.now();
  const counter = { bytes: 0 };
  accessBytes.set(res, counter);
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  // string length, not UTF-8 bytes: exact for the ASCII the simulator writes, and cheap per token
  const count = (c: unknown): void => {
    if (typeof c === 'string') counter.bytes += c.length;
    else if (c instanceof Uint8Array) counter.bytes += c.byteLength;
  };
  (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
    count(a[0]);
    return write(...a);
  };
  (res as unknown as { end: (...a: unknown[]) => ServerResponse }).end = (...a: unknown[]) => {
    if (typeof a[0] !== 'function') count(a[0]);
    return end(...a);
  };
  const epoch = core.epoch;
  res.once('close', () => {
    if (core.epoch !== epoch) return;
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const ua = req.headers['user-agent'] ?? '';
    core.log('info', `Request ${ip} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${counter.bytes} "${ua}" ${goDuration(performance.now() - start)}`);
  });
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = req.headers['access-control-request-headers'];
  const allow = typeof requested === 'string' && requested.trim() ? requested.replace(/[^A-Za-z0-9,\- ]/g, '') : 'Content-Type, Authorization, Accept, X-Requested-With';
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': allow,
    'Access-Control-Max-Age': '86400',
  });
  res.end();
}

export async function handleRequest(core: HostCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  accessLog(core, req, res, path);
  if (method === 'OPTIONS') return preflight(req, res);
  if (!isPublic(method, path) && !authorized(req, core.cfg.apiKeys)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="llama-swap"');
    sendError(req, res, core.wire, 401, 'unauthorized: invalid or missing API key');
    return;
  }
  if (await handleManagement(core, req, res, url)) return;
  if (await handleDispatch(core, req, res, url)) return;
  // ServeMux registers the inference routes with their method, so other methods get 405
  if (POST_JSON_PATHS.has(path) || VERSIONLESS_PATHS.has(path) || MULTIPART_PATHS.has(path)) return goMethodNotAllowed(res, ['POST']);
  goNotFound(res);
}
