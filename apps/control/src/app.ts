import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { randomUUID } from 'node:crypto';
import type { Feature } from './context';
import { registerErrorHandling } from './http/errors';
import { RouteRegistry } from './http/route';
import { buildOpenApi } from './http/openapi';
import { registerWsRoute } from './live/ws.routes';
import type { Hub } from './live/hub';
import type { AppAccess } from './access/access.feature';

export interface BuildAppOptions {
  hub: Hub;
  features: Feature[];
  version: string;
  logger: FastifyBaseLogger;
  /** The access guard and WS authentication; absent only in tests that run without the access feature. */
  access?: AppAccess | undefined;
  /** Addresses whose X-Forwarded-For/-Host are believed (the gateway): req.ip and req.host follow them. */
  trustedHops?: readonly string[];
}

/** Request bodies above this are refused with PAYLOAD_TOO_LARGE (413). docs/access.md lists every limit. */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/** The WS transport drops a frame above this; the hub refuses client frames above MAX_CLIENT_FRAME_BYTES (16 KiB) first. */
export const WS_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Registers plugins and feature routes. Never listens: main.ts and tests decide that. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    genReqId: () => randomUUID(),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: opts.trustedHops && opts.trustedHops.length > 0 ? [...opts.trustedHops] : false,
    // Blocking switch/warm requests can take minutes; the socket must not be cut under them.
    requestTimeout: 0,
    // By the time the app closes, jobs are cancelled and the hub is closed. A connection that was
    // opened but never sent a request (a proxy's pooled socket) is not "idle" to Node and would
    // hold close() for the headers timeout, past systemd's stop timeout: cut every connection.
    forceCloseConnections: true,
  });
  registerErrorHandling(app);
  // First, so that it is in front of every route registered below (and of unknown paths).
  opts.access?.guard(app);
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD_BYTES } });
  const registry = new RouteRegistry();
  registerWsRoute(app, opts.hub, opts.access?.ws);
  for (const f of opts.features) f.routes?.(app, registry);
  app.get('/api/control/openapi.json', { config: { scope: 'read' } }, async () => buildOpenApi(registry, opts.version));
  return app;
}
