import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { registerControlProxy } from './control-proxy';
import { registerGatewayRelay } from './gateway-relay';

export interface ServerAppOptions {
  controlUrl: string;
  /** control's OpenAI-compatible gateway (relayed at /v1/*); default http://127.0.0.1:9504 */
  gatewayUrl?: string;
  /** Built web app (vite build output); omitted in dev, where Vite serves it. */
  webDist?: string | undefined;
  logger?: FastifyServerOptions['logger'];
}

/** The host app's server: the web app (SPA fallback) plus the /api/control and /v1 relays. */
export async function buildServerApp(opts: ServerAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, requestTimeout: 0 });
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  await app.register(async (scope) => registerControlProxy(scope, { controlUrl: opts.controlUrl }));
  await app.register(async (scope) => registerGatewayRelay(scope, { gatewayUrl: opts.gatewayUrl ?? 'http://127.0.0.1:9504' }));

  const dist = opts.webDist;
  if (dist && existsSync(join(dist, 'index.html'))) {
    await app.register(fastifyStatic, { root: dist, wildcard: false, index: ['index.html'] });
    app.setNotFoundHandler((req, reply) => {
      if (req.method !== 'GET' || req.url.startsWith('/api/') || req.url.startsWith('/v1/')) {
        return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` } });
      }
      return reply.type('text/html').sendFile('index.html');
    });
  }
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
