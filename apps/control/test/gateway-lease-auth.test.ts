import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseRepo } from '../src/lease/lease.repo';
import { LeaseService } from '../src/lease/lease.service';
import { backends } from './helpers/db';
import { chatBody, modelState, post, startGatewayFixture, warm, type GatewayFixture } from './helpers/gateway';
import { FAST } from './helpers/fleet';

describe('gateway and the fleet lease', () => {
  let f: GatewayFixture;
  let leases: LeaseService;
  beforeAll(async () => {
    f = await startGatewayFixture(backends()[0]!, { env: { GATEWAY_LEASE_WAIT_MS: '500' } });
    // A second holder on the same database and bus, as a bench in this process would be.
    leases = new LeaseService(new LeaseRepo(f.testDb.db), f.control.ctx.bus);
    await warm(f.sims[0]!, 'quick');
    await modelState(f, 'a', 'quick', 'ready');
  });
  afterAll(async () => f?.close());

  it('waits for a leased host that holds the loaded model, then reroutes to another candidate', async () => {
    const lease = await leases.acquire('a', { holder: 'test', purpose: 'bench', ttlMs: 5_000 });
    try {
      const t0 = Date.now();
      const res = await post(f.url, '/v1/chat/completions', chatBody('quick'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-boo-host')).toBe('b');
      expect(Number(res.headers.get('x-boo-wait-ms'))).toBeGreaterThanOrEqual(450);
      expect(res.headers.get('x-boo-route-reason')).toMatch(/waited \d+ ms for a lease \(timed out\)/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
      await res.text();
    } finally {
      await lease.release();
    }
  });

  it('is woken by the release and goes to the freed host', async () => {
    await modelState(f, 'a', 'quick', 'ready');
    const lease = await leases.acquire('a', { holder: 'test', purpose: 'bench', ttlMs: 5_000 });
    const pending = post(f.url, '/v1/chat/completions', chatBody('a/quick'));
    await new Promise((r) => setTimeout(r, 100));
    await lease.release();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-boo-host')).toBe('a');
    const waited = Number(res.headers.get('x-boo-wait-ms'));
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThan(450);
    await res.text();
  });

  it('answers 503 HOST_LEASED with Retry-After when the only candidate stays leased', async () => {
    const lease = await leases.acquire('a', { holder: 'test', purpose: 'bench', ttlMs: 5_000 });
    try {
      const res = await post(f.url, '/v1/chat/completions', chatBody('a/quick'));
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await res.json()) as { error: { code: string; type: string; details: { purpose: string } } };
      expect(body.error).toMatchObject({ code: 'HOST_LEASED', type: 'server_error', details: { purpose: 'bench' } });
      const explain = (await (await post(f.api, '/api/control/routing/explain', chatBody('a/quick'))).json()) as { outcome: string };
      expect(explain.outcome).toBe('wait-lease');
    } finally {
      await lease.release();
    }
  });
});

describe('gateway keys and attribution', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGatewayFixture(backends()[0]!, { hosts: 1, env: { GATEWAY_KEYS: 'ci-bot:0123456789abcdef0123' }, control: { fleet: FAST, gateway: { recorderFlushMs: 50 } } });
  });
  afterAll(async () => f?.close());

  it('refuses a missing or unknown key with 401 in OpenAI shape', async () => {
    const none = await post(f.url, '/v1/chat/completions', chatBody('quick'));
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { type: string; code: string } }).error).toMatchObject({ type: 'authentication_error', code: 'UNAUTHORIZED' });
    const wrong = await post(f.url, '/v1/chat/completions', chatBody('quick'), { authorization: 'Bearer not-a-key-at-all' });
    expect(wrong.status).toBe(401);
    await wrong.text();
    const models = await fetch(`${f.url}/v1/models`);
    expect(models.status).toBe(401);
    await models.text();
  });

  it('creates a managed key once, stores only its hash, and revokes it', async () => {
    const created = (await (await post(f.api, '/api/control/gateway/keys', { consumer: 'notebook' })).json()) as { id: string; key: string; prefix: string };
    expect(created.key).toMatch(/^boo-/);
    const list = (await (await fetch(`${f.api}/api/control/gateway/keys`)).json()) as { keys: Array<{ id: string; consumer: string }>; required: boolean };
    expect(list.required).toBe(true);
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(list.keys.map((k) => k.consumer).sort()).toEqual(['ci-bot', 'notebook']);
    const stored = await f.testDb.db.query<{ key_hash: string }>('SELECT key_hash FROM control_gateway_keys');
    expect(stored.rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(created.key);
    const ok = await post(f.url, '/v1/chat/completions', chatBody('quick'), { authorization: `Bearer ${created.key}` });
    expect(ok.status).toBe(200);
    await ok.text();
    expect((await fetch(`${f.api}/api/control/gateway/keys/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    const revoked = await post(f.url, '/v1/chat/completions', chatBody('quick'), { authorization: `Bearer ${created.key}` });
    expect(revoked.status).toBe(401);
    await revoked.text();
  });
});
