import { Writable } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyBaseLogger, InjectOptions } from 'fastify';
import { PROTOCOL_VERSION } from '@boocontrol/contracts';
import type { SimHost } from '@boocontrol/sim';
import { backends } from './helpers/db';
import { chat, startSim, waitFor } from './helpers/fleet';
import { bearer, startAuthedControl, type AuthedControl } from './helpers/access';

const HOST_KEY = 'sk-host-key-9f3c2a7d41b8e6';
const SSH_KEY_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQSECRETSECRET';
const FAKE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${SSH_KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`;

/**
 * Issue 15, hardening: a full run — tokens made, used, guessed and revoked; a switch with its job
 * output; stored activity and its capture from a host that needs an API key; an SSH config read
 * that fails with a key on file; the live stream — with every log line (at trace level) and every
 * response body and header kept. None of them may hold a token, the host's API key or the SSH key.
 * The only exception is the one answer that creates a token: it shows that token's secret once.
 */
describe('secrets never reach logs or responses', () => {
  let sim: SimHost;
  let t: AuthedControl;
  const logs: string[] = [];
  const seen: string[] = [];
  const secrets: string[] = [HOST_KEY, SSH_KEY_BODY];

  beforeAll(async () => {
    sim = await startSim({ config: { apiKeys: [HOST_KEY], models: { quick: { loadMs: 80, genTps: 4000 }, other: { loadMs: 80, genTps: 4000 } } } });
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (logs.push(chunk.toString()), cb()) });
    const logger = pino({ level: 'trace' }, sink) as unknown as FastifyBaseLogger;
    t = await startAuthedControl(backends()[0]!, { LLAMA_PROVIDERS: JSON.stringify([{ id: 'h1', label: 'Host 1', baseUrl: sim.url, kind: 'llama-swap', apiKey: HOST_KEY }]), LOG_LEVEL: 'trace' }, { logger });
    secrets.push(t.admin);
    await writeFile(join(t.secretsDir, 'h1_ed25519'), FAKE_KEY, { mode: 0o600 });
    await waitFor('h1 online', () => t.control.ctx.fleet.get('h1')?.status === 'online');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  const everythingSoFar = () => [...logs, ...seen].join('\n');
  const call = async (opts: InjectOptions, keep = true) => {
    const res = await t.control.app.inject(opts);
    if (keep) seen.push(JSON.stringify(res.headers), res.body);
    return res;
  };

  it('holds for a full run', async () => {
    const created = await call({ method: 'POST', url: '/api/control/tokens', headers: bearer(t.admin), payload: { label: 'agent', scopes: ['admin'] } }, false);
    const agent = created.json().secret as string;
    secrets.push(agent);
    const guess = 'boo_0123456789abcdef_' + 'G'.repeat(43);
    secrets.push(guess);
    const me = bearer(agent);

    // Guessing, a malformed header, and a token sent where the page would (the hello frame).
    await call({ url: '/api/control/status', headers: bearer(guess) });
    await call({ url: '/api/control/status', headers: { authorization: `Basic ${Buffer.from(`u:${guess}`).toString('base64')}` } });
    // With request logging on, Fastify reads the peer address: give the in-process upgrade one.
    const ws = await t.control.app.injectWS('/api/control/ws', { socket: { remoteAddress: '127.0.0.1' } } as never);
    ws.on('message', (raw: Buffer) => seen.push(raw.toString()));
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: agent }));
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['fleet', 'jobs', 'activity'] }));

    // A switch (job output), traffic with the host's key, its capture, the host as the API shows it.
    expect((await call({ method: 'POST', url: '/api/control/switch', headers: me, payload: { model: 'other', host: 'h1' } })).statusCode).toBe(200);
    expect(await chat(sim, 'quick', { apiKey: HOST_KEY })).toBe(200);
    await waitFor('a stored request', async () => ((await call({ url: '/api/control/activity', headers: me }, false)).json().rows as unknown[]).length > 0);
    const rows = (await call({ url: '/api/control/activity', headers: me })).json().rows as Array<{ id: number }>;
    const capture = await call({ url: `/api/control/activity/${rows[0]!.id}/capture`, headers: me });
    // The host recorded our Authorization header; control shows that it was there, not what it was.
    expect(capture.statusCode).toBe(200);
    expect(capture.body.toLowerCase()).toContain('authorization');
    for (const url of ['/api/control/jobs', '/api/control/hosts', '/api/control/hosts/h1', '/api/control/status', '/api/control/health', '/api/control/openapi.json', '/api/control/tokens']) await call({ url, headers: me });

    // SSH settings with a key on file, then a config read that cannot connect (nothing listens on port 1).
    await call({ method: 'PATCH', url: '/api/control/hosts/h1', headers: me, payload: { ssh: { host: '127.0.0.1', port: 1, user: 'boo', identityFile: 'h1_ed25519', hostKey: 'SHA256:' + 'A'.repeat(43) }, configPath: '/etc/llama-swap/config.yaml' } });
    await call({ url: '/api/control/hosts/h1/ssh', headers: me });
    const read = await call({ url: '/api/control/hosts/h1/config', headers: me });
    expect(read.json().error.code).toBe('SSH_FAILED');
    expect(everythingSoFar()).toContain('h1_ed25519'); // the key's name is fine to show; its content is not

    // The token ends; its stream is closed, and its next use is refused.
    await call({ method: 'DELETE', url: `/api/control/tokens/${created.json().token.id}`, headers: bearer(t.admin) });
    await call({ url: '/api/control/status', headers: me });
    ws.terminate();

    expect(logs.length).toBeGreaterThan(20);
    expect(seen.length).toBeGreaterThan(30);
    const everything = [...logs, ...seen].join('\n');
    for (const s of secrets) expect(everything.includes(s), `a secret (${s.slice(0, 8)}…) leaked`).toBe(false);
    // The stored job rows too (their output tail is what `boo job` prints).
    const jobs = await t.control.ctx.dbState.db.query<{ row: string }>('SELECT row_to_json(j)::text AS row FROM control_jobs j');
    for (const s of secrets) expect(jobs.rows.some((r) => r.row.includes(s))).toBe(false);
  }, 90_000);
});
