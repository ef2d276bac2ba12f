// Response helpers: llama-swap's error bodies per wire generation (protocol reference §2.4) and
// Go net/http's plain-text defaults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Wire } from '../types';

/** Per-response body byte counters for the access log. */
export const accessBytes = new WeakMap<ServerResponse, { bytes: number }>();

/** Counts body bytes written around OutgoingMessage (the direct streaming path). */
export function countAccessBytes(res: ServerResponse, n: number): void {
  const c = accessBytes.get(res);
  if (c) c.bytes += n;
}

const CODE: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'bad_request'],
  401: ['authentication_error', 'unauthorized'],
  403: ['authentication_error', 'forbidden'],
  404: ['invalid_request_error', 'not_found'],
  409: ['invalid_request_error', 'conflict'],
  413: ['invalid_request_error', 'invalid_request'],
  429: ['rate_limit_error', 'rate_limit_exceeded'],
  500: ['server_error', 'internal_error'],
  502: ['server_error', 'bad_gateway'],
  503: ['server_error', 'service_unavailable'],
  504: ['server_error', 'gateway_timeout'],
};

export function errorEnvelope(status: number, message: string, code?: string): string {
  const [type, c] = CODE[status] ?? (status >= 500 ? ['server_error', 'internal_error'] : ['invalid_request_error', 'invalid_request']);
  return JSON.stringify({ src: 'llama-swap', error: { message, type, param: null, code: code ?? c } });
}

/** llama-swap SendResponse: content negotiation on Accept, then the wire's JSON error body. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  wire: Wire,
  status: number,
  message: string,
  opts: { code?: string; headers?: Record<string, string> } = {},
): string {
  if (res.headersSent || res.destroyed) return '';
  for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v);
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/plain')) {
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(`llama-swap: ${message}`);
    return `llama-swap: ${message}`;
  }
  if (accept.includes('text/html')) {
    res.writeHead(status, { 'Content-Type': 'text/html' });
    const html = `<html><body><h1>llama-swap</h1><p>${escapeHtml(message)}</p></body></html>`;
    res.end(html);
    return html;
  }
  const body = wire === 'head' ? errorEnvelope(status, message, opts.code) : JSON.stringify({ src: 'llama-swap', error: message });
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(body);
  return body;
}

/** The v218–v250 429 body is the bare `{"error":"Too many requests"}`; HEAD uses the envelope. */
export function sendTooMany(req: IncomingMessage, res: ServerResponse, wire: Wire): string {
  if (wire === 'head') return sendError(req, res, wire, 429, 'Too many requests', { code: 'concurrency_limit', headers: { 'Retry-After': '1' } });
  if (res.headersSent) return '';
  res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
  res.end('{"error":"Too many requests"}');
  return '{"error":"Too many requests"}';
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(s)), ...headers });
  res.end(s);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Go http.NotFound. */
export function goNotFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end('404 page not found\n');
}

export function goMethodNotAllowed(res: ServerResponse, allow: string[]): void {
  res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', Allow: allow.join(', ') });
  res.end('Method Not Allowed\n');
}

export function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { Location: location, 'Content-Type': 'text/html; charset=utf-8' });
  res.end(status === 302 || status === 301 ? `<a href="${escapeHtml(location)}">${status === 302 ? 'Found' : 'Moved Permanently'}</a>.\n\n` : '');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c] ?? c);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** X-Forwarded-For first hop, else X-Real-IP, else the peer address. */
export function remoteIp(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  if (first) return first;
  const xr = req.headers['x-real-ip'];
  if (typeof xr === 'string' && xr) return xr;
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}
