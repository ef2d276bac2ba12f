import type { FastifyInstance } from 'fastify';
import { TokenCreateSchema, TokenCreatedSchema, TokenListSchema, TokenParamsSchema, ApiTokenSchema, WhoAmISchema, type AuthMode, type WhoAmI } from '@boocontrol/contracts';
import { route, type RouteRegistry } from '../http/route';
import type { Authenticator } from './authenticate';
import { clientIp } from './guard';
import type { TokenService } from './token.service';

export function registerAccessRoutes(app: FastifyInstance, registry: RouteRegistry, deps: { mode: AuthMode; auth: Authenticator; tokens: TokenService }): void {
  const tags = ['access'];
  route(app, registry, {
    method: 'GET',
    url: '/api/control/auth/whoami',
    summary: 'The auth mode and who the caller is (public: the page asks before anything else whether it needs a token)',
    tags,
    scope: 'public',
    response: WhoAmISchema,
    async handler({ req }): Promise<WhoAmI> {
      // Public, so the guard did not look: authenticate here, without counting a failure (a
      // page probing with a stale token just learns it must ask for a new one).
      const r = await deps.auth.fromHeaders(req.headers, clientIp(req));
      if (!r.ok) return { mode: deps.mode, authenticated: false, principal: null };
      const p = r.principal;
      return { mode: deps.mode, authenticated: true, principal: { kind: p.kind, name: p.name, scopes: p.scopes, tokenId: p.tokenId } };
    },
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/tokens',
    summary: 'Every API token, newest first (never the secret)',
    tags,
    scope: 'admin',
    response: TokenListSchema,
    handler: async () => ({ tokens: await deps.tokens.list() }),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/tokens',
    summary: 'Create an API token: label, scopes (read < act < admin), optional expiresAt. The secret is in this answer only.',
    tags,
    scope: 'admin',
    body: TokenCreateSchema,
    response: TokenCreatedSchema,
    status: 201,
    handler: ({ body, req }) => deps.tokens.create(body, req.principal ? `${req.principal.kind}:${req.principal.name}` : null),
  });
  route(app, registry, {
    method: 'DELETE',
    url: '/api/control/tokens/:id',
    summary: 'Revoke a token (at once in this process; open live streams using it are closed). The row stays for the audit trail.',
    tags,
    scope: 'admin',
    params: TokenParamsSchema,
    response: ApiTokenSchema,
    errors: { 404: 'no such token' },
    handler: ({ params }) => deps.tokens.revoke(params.id),
  });
}
