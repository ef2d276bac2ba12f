import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, WS_CLOSE, WhoAmISchema } from '@boocontrol/contracts';
import { ConfigError, loadConfig } from '../src/config';
import { loadServerConfig } from '../../server/src/config';
import { buildServerApp } from '../../server/src/app';
import { backends } from './helpers/db';
import { startTestControl } from './helpers/control';
import { bearer, startAuthedControl, type AuthedControl } from './helpers/access';

const root = join(__dirname, '../../..');
const noFile = join(tmpdir(), 'boo-no-such.env');

describe('CONTROL_AUTH=off is for loopback only', () => {
  it('the config refuses a non-loopback bind with auth off, naming the variable', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'boo.lan']) {
      try {
        loadConfig({ CONTROL_HOST: host }, noFile);
        expect.unreachable(host);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).variables).toEqual(['CONTROL_AUTH']);
        expect((err as Error).message).toContain(`CONTROL_HOST=${host}`);
      }
    }
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(loadConfig({ CONTROL_HOST: host }, noFile).CONTROL_AUTH).toBe('off');
    expect(loadConfig({ CONTROL_HOST: '0.0.0.0', CONTROL_AUTH: 'token' }, noFile).CONTROL_AUTH).toBe('token');
    expect(() => loadConfig({ CONTROL_AUTH: 'proxy' }, noFile)).toThrow(/CONTROL_AUTH_PROXY_ADDRESSES/);
  });

  it('the control process exits 2 at boot with CONTROL_HOST=0.0.0.0 and auth off', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/control/src/main.ts'], {
      cwd: root,
      env: { ...process.env, CONTROL_HOST: '0.0.0.0', CONTROL_AUTH: '', CONTROL_PORT: '0', BOOCONTROL_ENV_FILE: noFile, DEMO_FLEET: 'off' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/CONTROL_AUTH=off is only allowed while control binds to loopback/);
  });

  it('the gateway refuses a non-loopback bind unless CONTROL_AUTH is on', () => {
    expect(() => loadServerConfig({ SERVER_HOST: '0.0.0.0' })).toThrow(/CONTROL_AUTH/);
    expect(loadServerConfig({ SERVER_HOST: '0.0.0.0', CONTROL_AUTH: 'token' }).SERVER_HOST).toBe('0.0.0.0');
    expect(loadServerConfig({}).SERVER_HOST).toBe('127.0.0.1');
  });

  it('answers nobody but loopback clients and loopback Host names (no DNS rebinding)', async () => {
    const t = await startTestControl(backends()[0]!);
    try {
      const app = t.control.app;
      expect((await app.inject({ url: '/api/control/status' })).statusCode).toBe(200);
      const far = await app.inject({ url: '/api/control/status', remoteAddress: '10.1.2.3' });
      expect(far.statusCode).toBe(403);
      expect(far.json().error.message).toContain('CONTROL_AUTH');
      // Via the gateway on loopback, control sees the gateway's client in X-Forwarded-For.
      expect((await app.inject({ url: '/api/control/status', headers: { 'x-forwarded-for': '10.1.2.3' } })).statusCode).toBe(403);
      expect((await app.inject({ url: '/api/control/status', headers: { host: 'rebound.example:9500' } })).statusCode).toBe(403);
      expect((await app.inject({ url: '/api/control/health', remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
      expect(WhoAmISchema.parse((await app.inject({ url: '/api/control/auth/whoami' })).json())).toMatchObject({ mode: 'off', authenticated: true, principal: { kind: 'anonymous' } });
    } finally {
      await t.close();
    }
  });
});

describe('CONTROL_AUTH=proxy', () => {
  let t: AuthedControl;
  let gw: FastifyInstance;
  let gwUrl: string;
  // 10.77.0.2 is never contacted: inject() only claims it as the peer address.
  beforeAll(async () => {
    t = await startAuthedControl(backends()[0]!, { CONTROL_AUTH: 'proxy', CONTROL_AUTH_PROXY_ADDRESSES: '10.77.0.0/24', CONTROL_AUTH_PROXY_SCOPE: 'act' });
    const controlUrl = await t.control.app.listen({ host: '127.0.0.1', port: 0 });
    gw = await buildServerApp({ controlUrl });
    gwUrl = await gw.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await t?.close();
  });
  const as = (remoteAddress: string, headers: Record<string, string> = {}) => t.control.app.inject({ url: '/api/control/auth/whoami', remoteAddress, headers });

  it('believes the user header from a configured proxy address, with the configured scope', async () => {
    const who = WhoAmISchema.parse((await as('10.77.0.2', { 'remote-user': 'alice' })).json());
    expect(who).toMatchObject({ mode: 'proxy', authenticated: true, principal: { kind: 'proxy', name: 'alice', scopes: ['act'] } });
    expect((await t.control.app.inject({ url: '/api/control/status', remoteAddress: '10.77.0.2', headers: { 'remote-user': 'alice' } })).statusCode).toBe(200);
    // act, not admin: the proxy user cannot make tokens.
    expect((await t.control.app.inject({ method: 'POST', url: '/api/control/tokens', remoteAddress: '10.77.0.2', headers: { 'remote-user': 'alice' }, payload: { label: 'x', scopes: ['read'] } })).statusCode).toBe(403);
  });

  it('ignores the header from any other address, forged X-Forwarded-For included', async () => {
    expect(WhoAmISchema.parse((await as('10.88.0.5', { 'remote-user': 'mallory' })).json()).authenticated).toBe(false);
    expect(WhoAmISchema.parse((await as('10.88.0.5', { 'remote-user': 'mallory', 'x-forwarded-for': '10.77.0.2' })).json()).authenticated).toBe(false);
    expect((await t.control.app.inject({ url: '/api/control/status', remoteAddress: '10.88.0.5', headers: { 'remote-user': 'mallory' } })).statusCode).toBe(401);
    // The gateway (a trusted hop) forwards its own client's address, which is not a proxy here.
    const relayed = await fetch(`${gwUrl}/api/control/status`, { headers: { 'remote-user': 'mallory', 'x-forwarded-for': '10.77.0.2' } });
    expect(relayed.status).toBe(401);
  });

  it('the live stream through the gateway: a header token authenticates the upgrade; a forged user header does not', async () => {
    const open = (headers: Record<string, string>) => {
      const ws = new WebSocket(`${gwUrl.replace(/^http/, 'ws')}/api/control/ws`, { headers });
      const first = new Promise<{ frame?: { type: string; code?: string }; close?: number }>((resolve) => {
        ws.once('message', (raw) => resolve({ frame: JSON.parse(raw.toString()) as { type: string } }));
        ws.once('close', (code) => resolve({ close: code }));
      });
      const closed = new Promise<number>((r) => ws.once('close', (c) => r(c)));
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION })));
      return { ws, first, closed };
    };
    const good = open(bearer(t.admin));
    expect((await good.first).frame?.type).toBe('welcome');
    good.ws.close();
    const forged = open({ 'remote-user': 'mallory' });
    expect((await forged.first).frame).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
    expect(await forged.closed).toBe(WS_CLOSE.UNAUTHORIZED);
  });

  it('still takes Bearer tokens (agents next to the proxy)', async () => {
    expect((await t.control.app.inject({ url: '/api/control/status', remoteAddress: '10.88.0.5', headers: bearer(t.admin) })).statusCode).toBe(200);
    expect((await fetch(`${gwUrl}/api/control/status`, { headers: bearer(t.admin) })).status).toBe(200);
  });
});
