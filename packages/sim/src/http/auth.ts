// llama-swap API-key auth (protocol reference §2.1): Basic (password = key), then Bearer, then
// x-api-key. Only active when apiKeys is non-empty; a few paths are always public.
import type { IncomingMessage } from 'node:http';

const PUBLIC = new Set(['/health', '/wol-health', '/', '/favicon.ico', '/upstream']);

export function isPublic(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && PUBLIC.has(path);
}

export function extractKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const dec = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const i = dec.indexOf(':');
    return i >= 0 ? dec.slice(i + 1) : dec;
  }
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x : undefined;
}

export function authorized(req: IncomingMessage, keys: readonly string[]): boolean {
  if (keys.length === 0) return true;
  const k = extractKey(req);
  return k !== undefined && keys.includes(k);
}
