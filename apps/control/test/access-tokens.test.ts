import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenSchema, PROTOCOL_VERSION, TokenCreatedSchema, TokenListSchema, WS_CLOSE, WhoAmISchema } from '@boocontrol/contracts';
import { BOOTSTRAP_FILE, TokenService } from '../src/access/token.service';
import { TokensRepo } from '../src/access/tokens.repo';
import { backends } from './helpers/db';
import { bearer, startAuthedControl, type AuthedControl } from './helpers/access';

describe.each(backends())('API tokens on $name', (backend) => {
  let t: AuthedControl;
  beforeAll(async () => {
    t = await startAuthedControl(backend, { CONTROL_AUTH_FAIL_LIMIT: '3', CONTROL_AUTH_FAIL_WINDOW_S: '60' });
  });
  afterAll(() => t?.close());
  const inject = (opts: InjectOptions) => t.control.app.inject(opts);

  it('writes a bootstrap admin token to secrets/ (0600) at first start, and keeps it on the next', async () => {
    const st = await stat(join(t.secretsDir, BOOTSTRAP_FILE));
    expect(st.mode & 0o777).toBe(0o600);
    expect(t.admin).toMatch(/^boo_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const who = WhoAmISchema.parse((await inject({ url: '/api/control/auth/whoami', headers: bearer(t.admin) })).json());
    expect(who).toMatchObject({ mode: 'token', authenticated: true, principal: { kind: 'token', scopes: ['admin'] } });
    // The next start (same database, same file) keeps the token instead of making another.
    const again = await new TokenService({ repo: new TokensRepo(t.control.ctx.dbState.db) }).bootstrap(t.secretsDir);
    expect(again).toEqual({ file: join(t.secretsDir, BOOTSTRAP_FILE), created: false });
    expect(TokenListSchema.parse((await inject({ url: '/api/control/tokens', headers: bearer(t.admin) })).json()).tokens.filter((x) => x.createdBy === 'bootstrap')).toHaveLength(1);
  });

  it('creates a token once (secret in that answer only), lists it without secret or hash, records last use, revokes it', async () => {
    const created = TokenCreatedSchema.parse((await inject({ method: 'POST', url: '/api/control/tokens', headers: bearer(t.admin), payload: { label: 'ci runner', scopes: ['act'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() } })).json());
    expect(created.token).toMatchObject({ label: 'ci runner', scopes: ['act'], status: 'active', lastUsedAt: null, createdBy: 'token:bootstrap admin' });
    expect(created.secret.startsWith(created.token.prefix + '_')).toBe(true);
    const listRes = await inject({ url: '/api/control/tokens', headers: bearer(t.admin) });
    expect(listRes.body).not.toContain(created.secret.slice(created.token.prefix.length + 1));
    expect(listRes.body).not.toMatch(/hash/i);
    TokenListSchema.parse(listRes.json());

    expect((await inject({ url: '/api/control/status', headers: bearer(created.secret) })).statusCode).toBe(200);
    await expect
      .poll(async () => TokenListSchema.parse((await inject({ url: '/api/control/tokens', headers: bearer(t.admin) })).json()).tokens.find((x) => x.id === created.token.id)?.lastUsedAt)
      .not.toBeNull();

    const revoked = ApiTokenSchema.parse((await inject({ method: 'DELETE', url: `/api/control/tokens/${created.token.id}`, headers: bearer(t.admin) })).json());
    expect(revoked.status).toBe('revoked');
    // (from an address of its own: this file's failure limit is 3, and the limiter test below counts)
    const after = await inject({ url: '/api/control/status', headers: bearer(created.secret), remoteAddress: '127.0.0.20' });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toContain('Bearer');
    expect(after.json().error.message).toBe('the token is invalid, expired or revoked');
  });

  it('refuses bad token input with typed errors', async () => {
    const cases = [
      { label: '', scopes: ['read'] },
      { label: 'x', scopes: [] },
      { label: 'x', scopes: ['root'] },
      { label: 'x', scopes: ['read'], expiresAt: new Date(Date.now() - 1000).toISOString() },
      { label: 'x', scopes: ['read'], extra: 1 },
    ];
    for (const payload of cases) {
      const res = await inject({ method: 'POST', url: '/api/control/tokens', headers: bearer(t.admin), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION');
    }
    expect((await inject({ method: 'DELETE', url: '/api/control/tokens/ffffffffffffffff', headers: bearer(t.admin) })).statusCode).toBe(404);
    expect((await inject({ method: 'DELETE', url: '/api/control/tokens/NOT-AN-ID', headers: bearer(t.admin) })).statusCode).toBe(400);
  });

  it('closes an open live stream when its token is revoked', async () => {
    const tok = await t.token(['read']);
    const ws = await t.control.app.injectWS('/api/control/ws');
    const closed = new Promise<number>((r) => ws.on('close', (c: number) => r(c)));
    const welcome = new Promise<string>((r) => ws.once('message', (raw: Buffer) => r(JSON.parse(raw.toString()).type)));
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: tok.secret }));
    expect(await welcome).toBe('welcome');
    await inject({ method: 'DELETE', url: `/api/control/tokens/${tok.token.id}`, headers: bearer(t.admin) });
    expect(await closed).toBe(WS_CLOSE.TOKEN_ENDED);
  });

  it('closes an open live stream when its token expires', async () => {
    const tok = await t.token(['read'], { expiresAt: new Date(Date.now() + 1200).toISOString() });
    const ws = await t.control.app.injectWS('/api/control/ws', { headers: bearer(tok.secret) });
    const closed = new Promise<number>((r) => ws.on('close', (c: number) => r(c)));
    const started = Date.now();
    expect(await closed).toBe(WS_CLOSE.TOKEN_ENDED);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await inject({ url: '/api/control/status', headers: bearer(tok.secret), remoteAddress: '127.0.0.21' })).statusCode).toBe(401);
  });

  it('rate-limits failed authentication per address, valid token or not, and leaves other addresses alone', async () => {
    const bad = bearer('boo_0000000000000000_' + 'A'.repeat(43));
    const from = (remoteAddress: string, headers: Record<string, string>) => inject({ url: '/api/control/status', headers, remoteAddress });
    for (let i = 0; i < 3; i++) expect((await from('127.0.0.9', bad)).statusCode).toBe(401);
    const limited = await from('127.0.0.9', bearer(t.admin));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('AUTH_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await from('127.0.0.10', bearer(t.admin))).statusCode).toBe(200);
    // No token at all is not a guess: a page that has not asked for one yet is not punished.
    for (let i = 0; i < 5; i++) expect((await from('127.0.0.11', {})).statusCode).toBe(401);
    expect((await from('127.0.0.11', bearer(t.admin))).statusCode).toBe(200);
    // Health stays public even for a limited address.
    expect((await from('127.0.0.9', {})).statusCode).toBe(429);
    expect((await inject({ url: '/api/control/health', remoteAddress: '127.0.0.9' })).statusCode).toBe(200);
  });

  it('refuses cross-origin browser requests and sends no CORS headers by default', async () => {
    const evil = await inject({ method: 'POST', url: '/api/control/switch', headers: { ...bearer(t.admin), origin: 'http://evil.example', 'content-type': 'application/json' }, payload: '{}' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.message).toContain('CONTROL_CORS_ORIGINS');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const same = await inject({ url: '/api/control/status', headers: { ...bearer(t.admin), origin: 'http://localhost:80', host: 'localhost:80' } });
    expect(same.statusCode).toBe(200);
    expect(same.headers['access-control-allow-origin']).toBeUndefined();
    const ws = await t.control.app.injectWS('/api/control/ws', { headers: { origin: 'http://evil.example' } }).catch((e: Error) => e);
    expect(ws).toBeInstanceOf(Error);
    expect((ws as Error).message).toContain('403');
  });
});

describe('CORS allow-list', () => {
  let t: AuthedControl;
  beforeAll(async () => {
    t = await startAuthedControl(backends()[0]!, { CONTROL_CORS_ORIGINS: 'https://dash.example' });
  });
  afterAll(() => t?.close());

  it('answers the preflight and marks responses for a listed origin only', async () => {
    const pre = await t.control.app.inject({ method: 'OPTIONS', url: '/api/control/switch', headers: { origin: 'https://dash.example', 'access-control-request-method': 'POST' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://dash.example');
    expect(String(pre.headers['access-control-allow-headers'])).toContain('authorization');
    const get = await t.control.app.inject({ url: '/api/control/status', headers: { origin: 'https://dash.example', ...bearer(t.admin) } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe('https://dash.example');
    const other = await t.control.app.inject({ url: '/api/control/status', headers: { origin: 'https://other.example', ...bearer(t.admin) } });
    expect(other.statusCode).toBe(403);
  });
});
