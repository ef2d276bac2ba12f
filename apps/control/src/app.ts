import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { randomUUID } from 'node:crypto';
import type { Feature } from './context';
import { registerErrorHandling } from './http/errors';
import { RouteRegistry } from './http/route';
import { buildOpenApi } from './http/openapi';
import { registerWsRoute } from './live/ws.routes';
import type { Hub } from './live/hub';

export interface BuildAppOptions {
  hub: Hub;
  features: Feature[];
  version: string;
  logger: FastifyBaseLogger;
}

/** Registers plugins and feature routes. Never listens: main.ts and tests decide that. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    genReqId: () => randomUUID(),
    bodyLimit: 4 * 1024 * 1024,
    // Blocking switch/warm requests can take minutes; the socket must not be cut under them.
    requestTimeout: 0,
    // By the time the app closes, jobs are cancelled and the hub is closed. A connection that was
    // opened but never sent a request (a proxy's pooled socket) is not "idle" to Node and would
    // hold close() for the headers timeout, past systemd's stop timeout: cut every connection.
    forceCloseConnections: true,
  });
  registerErrorHandling(app);
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const registry = new RouteRegistry();
  registerWsRoute(app, opts.hub);
  for (const f of opts.features) f.routes?.(app, registry);
  app.get('/api/control/openapi.json', async () => buildOpenApi(registry, opts.version));
  return app;
}
