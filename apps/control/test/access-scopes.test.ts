import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema, PROTOCOL_VERSION, WS_CLOSE, type RouteScope } from '@boocontrol/contracts';
import { backends } from './helpers/db';
import { bearer, startAuthedControl, type AuthedControl } from './helpers/access';

interface Op {
  method: string;
  path: string;
  scope: RouteScope;
  security: unknown[];
}

/**
 * The routes whose scope is not the method default (GET → read, anything else → act). A route
 * added later gets the default and is covered by the matrix without touching this table; one
 * that needs more says so in its route() spec and here.
 */
const EXPLICIT: Record<string, RouteScope> = {
  'get /api/control/health': 'public',
  'get /api/control/auth/whoami': 'public',
  'post /api/control/mcp': 'read',
  'delete /api/control/mcp': 'read',
  'post /api/control/hosts': 'admin',
  'put /api/control/hosts/{id}': 'admin',
  'delete /api/control/hosts/{id}': 'admin',
  'put /api/control/hosts/{id}/actions': 'admin',
  'get /api/control/hosts/{id}/ssh': 'admin',
  'patch /api/control/hosts/{id}': 'admin',
  'get /api/control/hosts/{id}/config': 'admin',
  'post /api/control/hosts/{id}/config/validate': 'admin',
  'post /api/control/hosts/{id}/config/diff': 'admin',
  'put /api/control/hosts/{id}/config': 'admin',
  'get /api/control/hosts/{id}/config/backups': 'admin',
  'post /api/control/hosts/{id}/config/restore': 'admin',
  'post /api/control/hosts/{id}/pull': 'admin',
  'get /api/control/tokens': 'admin',
  'post /api/control/tokens': 'admin',
  'delete /api/control/tokens/{id}': 'admin',
};
const expectedScope = (method: string, path: string): RouteScope => EXPLICIT[`${method} ${path}`] ?? (method === 'get' ? 'read' : 'act');

/** Path parameters that name nothing: a call that gets through the guard ends in 400/404, never in a change. */
const PARAM: Record<string, string> = { id: 'nosuchthing0001', actionId: 'none', reqId: '1' };
const concrete = (path: string) =>
  path.replace(/\{([A-Za-z_]+)\}/g, (_, name: string) => {
    if (path.startsWith('/api/control/jobs/')) return '00000000-0000-0000-0000-000000000000';
    if (path.startsWith('/api/control/activity/')) return '999999999';
    if (path.startsWith('/api/control/tokens/')) return 'ffffffffffffffff';
    return PARAM[name] ?? 'x';
  });

describe.each(backends())('scope matrix on $name', (backend) => {
  let t: AuthedControl;
  let ops: Op[];
  const creds: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    // No failure limit here: the matrix presents revoked and expired tokens on purpose, many times.
    t = await startAuthedControl(backend, { CONTROL_AUTH_FAIL_LIMIT: '1000000' });
    const doc = (await t.control.app.inject({ url: '/api/control/openapi.json', headers: bearer(t.admin) })).json() as {
      paths: Record<string, Record<string, { security: unknown[]; 'x-required-scope': RouteScope }>>;
    };
    ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, o]) => ({ method, path, scope: o['x-required-scope'], security: o.security })));
    const [read, act, admin, revoked, expiring] = await Promise.all([
      t.token(['read']),
      t.token(['act']),
      t.token(['admin']),
      t.token(['admin']),
      t.token(['admin'], { expiresAt: new Date(Date.now() + 1500).toISOString() }),
    ]);
    expect((await t.control.app.inject({ method: 'DELETE', url: `/api/control/tokens/${revoked.token.id}`, headers: bearer(t.admin) })).statusCode).toBe(200);
    Object.assign(creds, { none: {}, read: bearer(read.secret), act: bearer(act.secret), admin: bearer(admin.secret), revoked: bearer(revoked.secret), expired: bearer(expiring.secret) });
    // Past its expiry, the last one is a dead token from now on.
    await new Promise((r) => setTimeout(r, Date.parse(expiring.token.expiresAt!) - Date.now() + 50));
  }, 30_000);
  afterAll(() => t?.close());

  it('the OpenAPI document marks security and the required scope on every route', () => {
    expect(ops.length).toBeGreaterThan(30);
    for (const op of ops) {
      expect(op.scope, `${op.method} ${op.path}`).toBe(expectedScope(op.method, op.path));
      expect(op.security, `${op.method} ${op.path}`).toEqual(op.scope === 'public' ? [] : [{ bearer: [] }]);
    }
  });

  it('every route × {no token, read, act, admin, revoked, expired} answers as its scope says', async () => {
    const rank = { public: -1, read: 0, act: 1, admin: 2 } as const;
    const failures: string[] = [];
    const passed: Record<number, number> = {};
    for (const op of ops) {
      const url = concrete(op.path);
      for (const [who, headers] of Object.entries(creds)) {
        const res = await t.control.app.inject({
          method: op.method.toUpperCase() as 'GET',
          url,
          headers: { ...headers, ...(op.method === 'get' || op.method === 'delete' ? {} : { 'content-type': 'application/json' }) },
          ...(op.method === 'get' || op.method === 'delete' ? {} : { payload: '{}' }),
        });
        const code = res.statusCode >= 400 ? ErrorBodySchema.safeParse(res.json()).data?.error.code : undefined;
        let want: string;
        if (op.scope === 'public') want = 'not 401/403';
        else if (who === 'none' || who === 'revoked' || who === 'expired') want = '401';
        else want = rank[who as 'read' | 'act' | 'admin'] >= rank[op.scope] ? 'not 401/403' : '403';
        const ok = want === 'not 401/403' ? res.statusCode !== 401 && res.statusCode !== 403 : String(res.statusCode) === want && code === (want === '401' ? 'UNAUTHORIZED' : 'FORBIDDEN');
        if (ok && want === 'not 401/403') passed[res.statusCode] = (passed[res.statusCode] ?? 0) + 1;
        if (!ok) failures.push(`${op.method.toUpperCase()} ${url} as ${who}: ${res.statusCode} ${code ?? ''} (want ${want})`);
      }
    }
    expect(failures).toEqual([]);
    // Calls that got through reached the routes: they answer for themselves (bad input, no such thing).
    expect(Object.keys(passed).map(Number).every((s) => s < 500 || s === 502 || s === 503), JSON.stringify(passed)).toBe(true);
  }, 120_000);

  it('unknown paths do not say what exists: 401 without a token, 404 with one', async () => {
    expect((await t.control.app.inject({ url: '/api/control/nope' })).statusCode).toBe(401);
    expect((await t.control.app.inject({ method: 'POST', url: '/api/control/nope' })).statusCode).toBe(401);
    expect((await t.control.app.inject({ url: '/api/control/nope', headers: creds.read })).statusCode).toBe(404);
    expect((await t.control.app.inject({ url: '/api/control/openapi.json' })).statusCode).toBe(401);
  });

  it('a read token can not switch a model; the live stream takes read tokens and refuses the rest', async () => {
    const sw = await t.control.app.inject({ method: 'POST', url: '/api/control/switch', headers: creds.read, payload: { model: 'quick' } });
    expect(sw.statusCode).toBe(403);
    expect(sw.json().error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('act scope') });
    const byHeader = await t.control.app.injectWS('/api/control/ws', { headers: creds.read });
    const first = new Promise<string>((r) => byHeader.once('message', (raw: Buffer) => r(JSON.parse(raw.toString()).type)));
    byHeader.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    expect(await first).toBe('welcome');
    byHeader.terminate();
    for (const who of ['none', 'revoked', 'expired', 'read'] as const) {
      const headers = who === 'read' ? {} : creds[who]!;
      const ws = await t.control.app.injectWS('/api/control/ws', { headers }).catch((e: Error) => e);
      if (ws instanceof Error) {
        // A header token that is wrong fails the upgrade itself.
        expect(who === 'revoked' || who === 'expired', `${who}: ${ws.message}`).toBe(true);
        expect(ws.message).toContain('401');
        continue;
      }
      const frames: Array<{ type: string; code?: string }> = [];
      const closed = new Promise<number>((r) => ws.on('close', (c: number) => r(c)));
      ws.on('message', (raw: Buffer) => frames.push(JSON.parse(raw.toString()) as { type: string }));
      const token = who === 'read' ? (creds.read!.authorization ?? '').slice(7) : undefined;
      ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, ...(token ? { token } : {}) }));
      if (who === 'read') {
        await expect.poll(() => frames.map((f) => f.type)).toContain('welcome');
        ws.terminate();
      } else {
        expect(await closed).toBe(WS_CLOSE.UNAUTHORIZED);
        expect(frames).toEqual([expect.objectContaining({ type: 'error', code: 'UNAUTHORIZED' })]);
      }
    }
  });
});
