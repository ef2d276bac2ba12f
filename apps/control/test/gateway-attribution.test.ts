import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/db';
import { chatBody, post, startGatewayFixture, type GatewayFixture } from './helpers/gateway';
import { waitFor } from './helpers/fleet';

interface Req {
  id: string;
  consumer: string;
  consumerSource: string;
  session: string | null;
  activityId: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  status: number;
}

describe.each(backends())('gateway attribution ($name)', (backend) => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGatewayFixture(backend, { hosts: 1 });
  });
  afterAll(async () => f?.close());

  const requests = async (q = '') => ((await (await fetch(`${f.api}/api/control/gateway/requests?limit=100${q}`)).json()) as { requests: Req[] }).requests;

  it('stores each request under its consumer and session, joined once to the host activity row', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await post(f.url, '/v1/chat/completions', chatBody('quick', { stream: i === 1, max_tokens: 4 + i }), { 'x-boo-source': 'notebook', 'x-boo-session': 's-1' });
      expect(res.status).toBe(200);
      await res.text();
    }
    const created = (await (await post(f.api, '/api/control/gateway/keys', { consumer: 'agent' })).json()) as { key: string };
    for (let i = 0; i < 2; i++) {
      const res = await post(f.url, '/v1/completions', { model: 'quick', prompt: `hello ${i}`, max_tokens: 3 }, { authorization: `Bearer ${created.key}`, 'x-boo-source': 'ignored-with-a-key' });
      expect(res.status).toBe(200);
      await res.text();
    }
    // A request the host never sees (unknown model) is recorded too, without an activity row.
    const nf = await post(f.url, '/v1/chat/completions', chatBody('missing'), { authorization: `Bearer ${created.key}` });
    expect(nf.status).toBe(404);
    await nf.text();

    const all = await waitFor('joined', async () => {
      const rs = await requests();
      return rs.length === 6 && rs.filter((r) => r.status === 200).every((r) => r.activityId !== null) ? rs : undefined;
    });
    const ok = all.filter((r) => r.status === 200);
    expect(new Set(ok.map((r) => r.activityId)).size).toBe(5);
    expect(all.filter((r) => r.consumer === 'notebook').every((r) => r.consumerSource === 'header' && r.session === 's-1')).toBe(true);
    expect(all.filter((r) => r.consumer === 'agent').map((r) => r.consumerSource)).toEqual(['key', 'key', 'key']);
    expect(all.find((r) => r.status === 404)).toMatchObject({ consumer: 'agent', activityId: null });

    // Activity: exactly one row per request (the gateway adds none), filterable by consumer and session.
    const host = (await (await fetch(`${f.api}/api/control/activity?host=a&limit=100`)).json()) as { rows: Array<{ id: string; inputTokens: number; outputTokens: number; gateway: { consumer: string } | null }> };
    expect(host.rows).toHaveLength(5);
    const nb = (await (await fetch(`${f.api}/api/control/activity?consumer=notebook&session=s-1`)).json()) as { rows: Array<{ id: string; gateway: { consumer: string; session: string } }> };
    expect(nb.rows).toHaveLength(3);
    expect(nb.rows.every((r) => r.gateway.consumer === 'notebook' && r.gateway.session === 's-1')).toBe(true);
    const agent = (await (await fetch(`${f.api}/api/control/activity?consumer=agent`)).json()) as { rows: unknown[] };
    expect(agent.rows).toHaveLength(2);

    // Usage by consumer sums the host's own token counts.
    const usage = (await (await fetch(`${f.api}/api/control/gateway/usage`)).json()) as { groups: Array<{ consumer: string; hostId: string | null; requests: number; joined: number; inputTokens: number; outputTokens: number }> };
    const nbUsage = usage.groups.find((g) => g.consumer === 'notebook')!;
    const nbRows = host.rows.filter((r) => r.gateway?.consumer === 'notebook');
    expect(nbUsage).toMatchObject({ requests: 3, joined: 3, inputTokens: nbRows.reduce((a, r) => a + r.inputTokens, 0), outputTokens: nbRows.reduce((a, r) => a + r.outputTokens, 0) });
    expect(usage.groups.filter((g) => g.consumer === 'agent').reduce((a, g) => a + g.requests, 0)).toBe(3);
  });
});
