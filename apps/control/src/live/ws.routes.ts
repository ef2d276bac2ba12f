import type { FastifyInstance } from 'fastify';
import { WS_CLOSE, type ErrorCode, type ServerFrame } from '@boocontrol/contracts';
import type { Principal } from '../access/principal';
import type { Hub } from './hub';
import { clientIp } from '../access/guard';

/** How the live stream authenticates (the access feature provides it; absent = no auth at all). */
export interface WsAccess {
  /** A token sent in the hello frame → principal, or the error to answer with. */
  helloAuth(token: string | undefined, ip: string): Promise<{ ok: true; principal: Principal } | { ok: false; code: ErrorCode; message: string }>;
  /** Keeps an open stream of a principal; `close` ends it when its token is revoked or expires. Returns the release. */
  track(principal: Principal, close: (code: number, reason: string) => void): () => void;
}

/** A page gets this long to send an authenticating hello before the socket is closed. */
const HELLO_TIMEOUT_MS = 10_000;
/** Frames a client may send while its hello is being checked (it normally sends one subscribe). */
const MAX_EARLY_FRAMES = 16;

/**
 * One sequenced stream for every live view: `/api/control/ws`. The access guard has already
 * checked the upgrade: either it carried credentials (a header token, a trusted proxy's user)
 * and `req.principal` is set, or it carried none and the first frame must be a hello with a
 * token. Until then nothing reaches the hub.
 */
export function registerWsRoute(app: FastifyInstance, hub: Hub, access?: WsAccess): void {
  app.get('/api/control/ws', { websocket: true, config: { scope: 'read', helloAuth: true } }, (socket, req) => {
    let release: (() => void) | undefined;
    let conn: ReturnType<Hub['connect']> | undefined;
    const early: Buffer[] = [];
    const attach = (principal: Principal | undefined) => {
      conn = hub.connect(socket);
      if (principal && access) release = access.track(principal, (code, reason) => socket.close(code, reason));
      for (const raw of early.splice(0)) conn.onMessage(raw);
    };
    const refuse = (code: ErrorCode, message: string) => {
      socket.send(JSON.stringify({ type: 'error', code, message } satisfies ServerFrame));
      socket.close(WS_CLOSE.UNAUTHORIZED, message.slice(0, 120));
    };
    let timer: NodeJS.Timeout | undefined;
    let checking = false;
    if (!access || req.principal) attach(req.principal);
    else timer = setTimeout(() => refuse('UNAUTHORIZED', 'no authenticating hello within 10 s'), HELLO_TIMEOUT_MS);

    socket.on('message', (raw: Buffer) => {
      if (conn) return conn.onMessage(raw);
      if (checking) {
        if (early.length < MAX_EARLY_FRAMES) early.push(raw);
        return;
      }
      checking = true;
      early.push(raw);
      void (async () => {
        const token = helloToken(raw);
        const r = await access!.helloAuth(token, clientIp(req));
        clearTimeout(timer);
        if (socket.readyState !== socket.OPEN) return;
        if (r.ok) attach(r.principal);
        else refuse(r.code, r.message);
      })().catch(() => refuse('INTERNAL', 'authentication failed'));
    });
    const closed = () => {
      clearTimeout(timer);
      release?.();
      conn?.onClose();
    };
    socket.on('close', closed);
    socket.on('error', closed);
  });
}

/** The token of a first frame that is a hello; anything else authenticates nothing. */
function helloToken(raw: Buffer): string | undefined {
  if (raw.length > 4096) return undefined;
  try {
    const f = JSON.parse(raw.toString()) as { type?: unknown; token?: unknown };
    return f.type === 'hello' && typeof f.token === 'string' ? f.token : undefined;
  } catch {
    return undefined;
  }
}
