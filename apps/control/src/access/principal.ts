import type { Scope } from '@boocontrol/contracts';

/** Who is calling, once authenticated. Routes read it as `req.principal`. */
export interface Principal {
  kind: 'anonymous' | 'token' | 'proxy';
  /** A token's label, a proxy user's name, or `anonymous` (CONTROL_AUTH=off). */
  name: string;
  scopes: Scope[];
  tokenId: string | null;
  /** When a token principal stops being valid (a live stream is closed then). */
  expiresAt: Date | null;
}

export const ALL_SCOPES: Scope[] = ['read', 'act', 'admin'];

/** CONTROL_AUTH=off: everyone on loopback may do everything, as before auth existed. */
export const ANONYMOUS: Principal = { kind: 'anonymous', name: 'anonymous', scopes: ALL_SCOPES, tokenId: null, expiresAt: null };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access guard on every non-public route; undefined on public ones. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the route needs (route() sets it from its spec; the guard reads it). */
    scope?: import('@boocontrol/contracts').RouteScope;
    /** The live stream: credentials may also come in the hello frame instead of the upgrade. */
    helloAuth?: boolean;
  }
}
