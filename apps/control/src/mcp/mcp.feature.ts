import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ControlContext, Feature } from '../context';
import { route } from '../http/route';
import { AppError } from '../lib/errors';
import { clientIp, IN_PROCESS } from '../access/guard';
import { buildMcpServer } from './server';
import type { RestCall } from './tools';

/**
 * A tool call made over HTTP becomes an in-process REST call that carries the MCP caller's own
 * credentials and address, so the guard decides exactly as it did for the MCP request itself:
 * a read token can list tools and fleet status but gets FORBIDDEN from switch_model.
 */
function callerOf(app: FastifyInstance, req: FastifyRequest, proxyHeader: string): RestCall {
  const creds: Record<string, string> = {};
  for (const h of ['authorization', proxyHeader, 'host']) {
    const v = req.headers[h];
    if (typeof v === 'string') creds[h] = v;
  }
  const ip = clientIp(req);
  return async (method, path, body, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url: path,
      headers: { ...creds, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      remoteAddress: ip === IN_PROCESS ? '127.0.0.1' : ip,
    });
    let parsed: unknown = res.body;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      /* plain text */
    }
    return { status: res.statusCode, body: parsed };
  };
}

/** MCP over Streamable HTTP at /api/control/mcp (stateless: one server per POST). docs/mcp.md. */
export function createMcpFeature(ctx: ControlContext): Feature {
  return {
    name: 'mcp',
    routes(app, registry) {
      route(app, registry, {
        method: 'POST',
        url: '/api/control/mcp',
        summary: 'MCP (Streamable HTTP, stateless): tools fleet_status, list_models, switch_model, … — each tool call is a REST call with your credentials',
        tags: ['mcp'],
        // Listing tools needs read; every tool call is then checked against its own route's scope.
        scope: 'read',
        async handler({ req, reply }) {
          const server = buildMcpServer(callerOf(app, req, ctx.config.CONTROL_AUTH_PROXY_HEADER), ctx.version);
          const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
          reply.hijack();
          reply.raw.on('close', () => {
            void transport.close();
            void server.close();
          });
          await server.connect(transport);
          await transport.handleRequest(req.raw, reply.raw, req.body);
          return undefined;
        },
      });
      for (const method of ['GET', 'DELETE'] as const) {
        route(app, registry, {
          method,
          url: '/api/control/mcp',
          summary: 'Not offered: the MCP endpoint is stateless (no server-initiated stream, no sessions)',
          tags: ['mcp'],
          scope: 'read',
          handler: () => {
            throw new AppError('METHOD_NOT_ALLOWED', 'the MCP endpoint is stateless: POST only');
          },
        });
      }
    },
  };
}
