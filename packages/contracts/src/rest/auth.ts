import { z } from 'zod';

/**
 * Access (issue 15): API tokens with scopes, and the auth modes of control.
 *
 * Scopes are cumulative: `admin` includes `act`, and `act` includes `read`. A route needs one
 * scope (or none: `public`); a token with that scope or a higher one may call it.
 *   read  — every GET and the live stream
 *   act   — warm, unload, switch, cancel, retry, script actions, bench, eval
 *   admin — hosts, SSH settings, config edit and apply, pulls, tokens
 */
export const ScopeSchema = z.enum(['read', 'act', 'admin']);
export type Scope = z.infer<typeof ScopeSchema>;
export const SCOPE_ORDER: readonly Scope[] = ['read', 'act', 'admin'];

/** What a route requires: a scope, or nothing at all (health, the auth probe). */
export const RouteScopeSchema = z.enum(['public', 'read', 'act', 'admin']);
export type RouteScope = z.infer<typeof RouteScopeSchema>;

/** Whether a holder of `granted` may call a route that needs `needed`. */
export function scopeAllows(granted: readonly Scope[], needed: RouteScope): boolean {
  if (needed === 'public') return true;
  const want = SCOPE_ORDER.indexOf(needed);
  return granted.some((s) => SCOPE_ORDER.indexOf(s) >= want);
}

/** `off`: loopback only, no credentials. `token`: Bearer tokens. `proxy`: a trusted auth proxy's user header (tokens work too). */
export const AuthModeSchema = z.enum(['off', 'token', 'proxy']);
export type AuthMode = z.infer<typeof AuthModeSchema>;

/** Tokens look like `boo_<8 id chars>_<43 secret chars>`; the prefix before the secret identifies one in lists. */
export const TOKEN_PREFIX = 'boo_';

const IsoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO 8601 time');

export const TokenCreateSchema = z.strictObject({
  label: z.string().trim().min(1).max(100),
  scopes: z.array(ScopeSchema).min(1).max(3),
  /** Absent: the token never expires. Must lie in the future. */
  expiresAt: IsoTime.optional(),
});
export type TokenCreate = z.infer<typeof TokenCreateSchema>;

export const TokenStatusSchema = z.enum(['active', 'expired', 'revoked']);

/** A token as lists show it: never the secret, never its hash. */
export const ApiTokenSchema = z.object({
  id: z.string(),
  label: z.string(),
  scopes: z.array(ScopeSchema),
  /** `boo_<id chars>`: what the token starts with, so a person can tell which one they hold. */
  prefix: z.string(),
  status: TokenStatusSchema,
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** Who created it (a token label, a proxy user, `bootstrap`), for the audit trail. */
  createdBy: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;

/** The answer of a create: the only time the secret is ever shown. */
export const TokenCreatedSchema = z.object({ token: ApiTokenSchema, secret: z.string() });
export type TokenCreated = z.infer<typeof TokenCreatedSchema>;

export const TokenListSchema = z.object({ tokens: z.array(ApiTokenSchema) });
export const TokenParamsSchema = z.object({ id: z.string().regex(/^[a-z0-9]{8,40}$/, 'token id: lowercase letters and digits') });

/** Who the caller is, as control sees it (public: the page asks it before anything else). */
export const WhoAmISchema = z.object({
  mode: AuthModeSchema,
  authenticated: z.boolean(),
  principal: z
    .object({
      kind: z.enum(['anonymous', 'token', 'proxy']),
      name: z.string(),
      scopes: z.array(ScopeSchema),
      tokenId: z.string().nullable(),
    })
    .nullable(),
});
export type WhoAmI = z.infer<typeof WhoAmISchema>;

/**
 * Whether a bind address or Host name is loopback-only. Anything else (0.0.0.0, a LAN address,
 * a host name other than localhost) may be reachable from elsewhere.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
