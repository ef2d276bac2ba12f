import { WS_CLOSE } from '@boocontrol/contracts';
import type { FastifyInstance } from 'fastify';
import type { ControlContext, Feature } from '../context';
import type { RouteRegistry } from '../http/route';
import type { WsAccess } from '../live/ws.routes';
import { AddressList } from './address-list';
import { Authenticator } from './authenticate';
import { FailureLimiter } from './failure-limiter';
import { registerGuard } from './guard';
import { registerAccessRoutes } from './access.routes';
import type { Principal } from './principal';
import { TokenService } from './token.service';
import { TokensRepo } from './tokens.repo';

/** What buildApp needs from access: the guard goes in before any route, the WS uses the rest. */
export interface AppAccess {
  guard(app: FastifyInstance): void;
  ws: WsAccess;
}

export interface AccessFeature extends Feature {
  access: AppAccess;
  tokens: TokenService;
}

/** Longest a setTimeout may wait (about 24.8 days); an expiry further out is re-armed later. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Access (issue 15): API tokens with scopes, CONTROL_AUTH modes, the guard in front of every
 * route, and authentication of the live stream. docs/access.md.
 */
export function createAccessFeature(ctx: ControlContext): AccessFeature {
  const cfg = ctx.config;
  const streams = new Map<string, Set<(code: number, reason: string) => void>>();
  const tokens = new TokenService({
    repo: new TokensRepo(ctx.dbState.db),
    log: ctx.log,
    // A revoked token's open streams end now, not at their next reconnect.
    onRevoked: (id) => {
      for (const close of streams.get(id) ?? []) close(WS_CLOSE.TOKEN_ENDED, 'token revoked');
    },
  });
  const auth = new Authenticator({
    mode: cfg.CONTROL_AUTH,
    tokens,
    proxyAddresses: new AddressList(cfg.CONTROL_AUTH_PROXY_ADDRESSES),
    proxyHeader: cfg.CONTROL_AUTH_PROXY_HEADER,
    proxyScope: cfg.CONTROL_AUTH_PROXY_SCOPE,
  });
  const limiter = new FailureLimiter(cfg.CONTROL_AUTH_FAIL_LIMIT, cfg.CONTROL_AUTH_FAIL_WINDOW_S * 1000);

  const ws: WsAccess = {
    async helloAuth(token, ip) {
      const wait = limiter.blockedFor(ip);
      if (wait > 0) return { ok: false, code: 'AUTH_RATE_LIMITED', message: `too many failed authentications; retry in ${Math.ceil(wait / 1000)} s` };
      if (token === undefined) return { ok: false, code: 'UNAUTHORIZED', message: 'authentication required: send the API token in the hello frame' };
      const r = await auth.fromToken(token);
      if (r.ok) return r;
      limiter.fail(ip);
      return { ok: false, code: 'UNAUTHORIZED', message: 'the token is invalid, expired or revoked' };
    },
    track(principal: Principal, close) {
      if (!principal.tokenId) return () => undefined;
      const id = principal.tokenId;
      let set = streams.get(id);
      if (!set) streams.set(id, (set = new Set()));
      set.add(close);
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (!principal.expiresAt) return;
        const left = principal.expiresAt.getTime() - Date.now();
        timer = setTimeout(() => (left > MAX_TIMER_MS ? arm() : close(WS_CLOSE.TOKEN_ENDED, 'token expired')), Math.max(0, Math.min(left, MAX_TIMER_MS)));
        timer.unref();
      };
      arm();
      return () => {
        clearTimeout(timer);
        set.delete(close);
        if (set.size === 0) streams.delete(id);
      };
    },
  };

  return {
    name: 'access',
    tokens,
    access: {
      guard: (app) => registerGuard(app, { auth, limiter, corsOrigins: cfg.CONTROL_CORS_ORIGINS }),
      ws,
    },
    routes(app: FastifyInstance, registry: RouteRegistry) {
      registerAccessRoutes(app, registry, { mode: cfg.CONTROL_AUTH, auth, tokens });
    },
    async start() {
      if (cfg.CONTROL_AUTH === 'off') return;
      const b = await tokens.bootstrap(cfg.SECRETS_DIR);
      if (b?.created) ctx.log.warn({ file: b.file }, 'no admin API token existed: created one and wrote it to this file (mode 0600); use it to create others, then revoke it');
      ctx.log.info({ mode: cfg.CONTROL_AUTH }, 'access control on');
    },
  };
}
