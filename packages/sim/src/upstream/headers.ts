// Response headers as llama-server (cpp-httplib) sends them and llama-swap's ReverseProxy passes
// them on. Every response gets `Server: llama.cpp` (the default header) and
// `Access-Control-Allow-Origin` set to the request's Origin — an empty value when there is none,
// because the pre-routing handler sets it unconditionally. Bodies set in one piece carry
// Content-Length; streamed bodies are chunked, and Go drops Transfer-Encoding and httplib's
// Keep-Alive as hop-by-hop headers. There is no Date: httplib does not write one, and the Date Go
// adds on the wire never enters the header map that llama-swap captures.
import type { UpstreamRequest } from './types';

export const JSON_TYPE = 'application/json; charset=utf-8';

function origin(req: Pick<UpstreamRequest, 'headers'> | null): string {
  return req?.headers.Origin ?? '';
}

/** Headers of a response whose whole body is known up front. */
export function bodyHeaders(req: Pick<UpstreamRequest, 'headers'> | null, body: string, contentType = JSON_TYPE, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin(req),
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Type': contentType,
    Server: 'llama.cpp',
    ...extra,
  };
}

/** Headers of a streamed (chunked) server-sent-events response. */
export function streamHeaders(req: Pick<UpstreamRequest, 'headers'> | null, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin(req),
    'Cache-Control': 'no-cache',
    'Content-Type': 'text/event-stream',
    Server: 'llama.cpp',
    ...extra,
  };
}
