import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopbackHost, scopeAllows, type RouteScope } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { Authenticator } from './authenticate';
import type { FailureLimiter } from './failure-limiter';
import { ANONYMOUS } from './principal';

export interface GuardOptions {
  auth: Authenticator;
  limiter: FailureLimiter;
  /** Exact origins (scheme://host[:port]) allowed cross-origin; everything else cross-origin is refused. */
  corsOrigins: readonly string[];
}

/** GET/HEAD/OPTIONS read; everything else changes something and needs `act` unless a route says more. */
export const defaultScope = (method: string): RouteScope => (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'act');

const CORS_HEADERS = 'authorization, content-type, idempotency-key';
const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';

/**
 * The access guard: one onRequest hook in front of every route (and of unknown paths, so they
 * do not reveal what exists). In order:
 *  1. public routes pass (health, the auth probe);
 *  2. a browser request from another origin is refused unless listed in CONTROL_CORS_ORIGINS —
 *     the page's own requests are same-origin, and this stops other sites from driving a
 *     cockpit open in the same browser (WS included: WebSockets ignore CORS);
 *  3. CONTROL_AUTH=off answers loopback clients with a loopback Host only (a browser always sends
 *     Host; a rebinding attacker's page would send its own name);
 *  4. an address with too many failed authentications gets AUTH_RATE_LIMITED;
 *  5. credentials → principal (401 otherwise), and its scope must cover the route (403).
 */
export function registerGuard(app: FastifyInstance, opts: GuardOptions): void {
  const { auth, limiter } = opts;
  const allowed = new Set(opts.corsOrigins);
  app.addHook('onRequest', async (req, reply) => {
    const ip = clientIp(req);
    const config = req.routeOptions.config ?? {};
    const scope = config.scope ?? defaultScope(req.method);
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        return reply.code(204).header('access-control-allow-methods', CORS_METHODS).header('access-control-allow-headers', CORS_HEADERS).header('access-control-max-age', '600').send();
      }
    }
    if (scope === 'public') return;
    if (origin !== undefined && !allowed.has(origin) && !sameOrigin(origin, req)) {
      throw new AppError('FORBIDDEN', `cross-origin request from ${origin.slice(0, 100)} refused (allow it with CONTROL_CORS_ORIGINS)`);
    }
    if (auth.mode === 'off') {
      if ((ip !== IN_PROCESS && !isLoopbackHost(ip)) || (req.hostname !== '' && !isLoopbackHost(req.hostname))) {
        throw new AppError('FORBIDDEN', 'CONTROL_AUTH=off answers loopback clients only; set CONTROL_AUTH=token (or proxy) to serve other addresses');
      }
      req.principal = ANONYMOUS;
      return;
    }
    const proxied = auth.proxyUser(req.headers, ip) !== undefined;
    const wait = proxied ? 0 : limiter.blockedFor(ip);
    if (wait > 0) {
      void reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new AppError('AUTH_RATE_LIMITED', `too many failed authentications from this address; retry in ${Math.ceil(wait / 1000)} s`);
    }
    const r = await auth.fromHeaders(req.headers, ip);
    if (!r.ok) {
      // The live stream may authenticate in its hello frame instead (browsers cannot set headers).
      if (config.helloAuth && r.reason === 'missing') return;
      if (r.reason === 'invalid') limiter.fail(ip);
      void reply.header('www-authenticate', 'Bearer realm="boocontrol"');
      throw new AppError('UNAUTHORIZED', r.reason === 'missing' ? 'authentication required: send Authorization: Bearer <token>' : 'the token is invalid, expired or revoked');
    }
    if (!scopeAllows(r.principal.scopes, scope)) {
      throw new AppError('FORBIDDEN', `${req.method} ${req.routeOptions.url ?? 'this route'} needs the ${scope} scope; this caller has ${r.principal.scopes.join(', ') || 'none'}`, { needed: scope, granted: r.principal.scopes });
    }
    req.principal = r.principal;
  });
}

/** What an in-process request (the WS test helper's) reports instead of an address: it never crossed a network. */
export const IN_PROCESS = 'in-process';

/**
 * The client's address: the socket's peer, or the X-Forwarded-For the gateway set when the peer
 * is a trusted hop (Fastify's trustProxy). A request with no socket at all was made in-process.
 */
export function clientIp(req: FastifyRequest): string {
  if (!req.raw.socket) return IN_PROCESS;
  return req.ip;
}

/** The page's own requests: the Origin's host:port is the Host the request was sent to (X-Forwarded-Host via the gateway). */
function sameOrigin(origin: string, req: FastifyRequest): boolean {
  try {
    const o = new URL(origin);
    // Parsed with the Origin's scheme so that a default port (":80") compares equal either way.
    return o.host === new URL(`${o.protocol}//${req.host}`).host;
  } catch {
    return false;
  }
}
