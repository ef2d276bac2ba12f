import type { AuthMode, Scope } from '@boocontrol/contracts';
import type { AddressList } from './address-list';
import { ANONYMOUS, type Principal } from './principal';
import type { TokenService } from './token.service';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'invalid' };

export interface AuthenticatorOptions {
  mode: AuthMode;
  tokens: TokenService;
  proxyAddresses: AddressList;
  /** Lower-case header name. */
  proxyHeader: string;
  proxyScope: Scope;
}

/** A proxy user name: printable, no control characters, bounded (it lands in logs and job rows). */
const PROXY_USER = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

/**
 * Turns what a request carries into a principal, per CONTROL_AUTH:
 *  - off:   everyone is the anonymous admin (the guard allows loopback only);
 *  - token: `Authorization: Bearer <token>`;
 *  - proxy: the proxy's user header, believed only when the client address is one of
 *           CONTROL_AUTH_PROXY_ADDRESSES; otherwise (or without it) a Bearer token as above.
 * `missing` = nothing was presented (a page that has not asked for a token yet); `invalid` =
 * something was presented and is wrong (counted by the failure limiter).
 */
export class Authenticator {
  constructor(private readonly opts: AuthenticatorOptions) {}

  get mode(): AuthMode {
    return this.opts.mode;
  }

  /** Whether a request comes from a trusted proxy with a user (such requests skip the failure limiter). */
  proxyUser(headers: Record<string, string | string[] | undefined>, ip: string): string | undefined {
    if (this.opts.mode !== 'proxy' || !this.opts.proxyAddresses.has(ip)) return undefined;
    const raw = headers[this.opts.proxyHeader];
    const user = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    return user && PROXY_USER.test(user) ? user : undefined;
  }

  async fromHeaders(headers: Record<string, string | string[] | undefined>, ip: string): Promise<AuthResult> {
    if (this.opts.mode === 'off') return { ok: true, principal: ANONYMOUS };
    const user = this.proxyUser(headers, ip);
    if (user) return { ok: true, principal: { kind: 'proxy', name: user, scopes: [this.opts.proxyScope], tokenId: null, expiresAt: null } };
    const auth = headers.authorization;
    const value = Array.isArray(auth) ? auth[0] : auth;
    if (!value) return { ok: false, reason: 'missing' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
    if (!m) return { ok: false, reason: 'invalid' };
    return this.fromToken(m[1]!);
  }

  async fromToken(secret: string): Promise<AuthResult> {
    if (this.opts.mode === 'off') return { ok: true, principal: ANONYMOUS };
    const t = await this.opts.tokens.verify(secret);
    if (!t) return { ok: false, reason: 'invalid' };
    return { ok: true, principal: { kind: 'token', name: t.label, scopes: t.scopes, tokenId: t.id, expiresAt: t.expiresAt } };
  }
}
