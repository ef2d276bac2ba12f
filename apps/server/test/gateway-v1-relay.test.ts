import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServerApp } from '../src/app';
import { backends } from '../../control/test/helpers/db';
import { captureAfter, chatBody, lastActivityId, modelState, post, startGatewayFixture, warm, type GatewayFixture } from '../../control/test/helpers/gateway';

async function reads(res: Response): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(Buffer.from(value));
  }
}

describe('the server relays /v1 to the gateway', () => {
  let f: GatewayFixture;
  let srv: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    f = await startGatewayFixture(backends()[0]!, { hosts: 1 });
    srv = await buildServerApp({ controlUrl: f.api, gatewayUrl: f.url });
    url = await srv.listen({ host: '127.0.0.1', port: 0 });
    await warm(f.sims[0]!, 'paced');
    await modelState(f, 'a', 'paced', 'ready');
  });
  afterAll(async () => {
    await srv?.close();
    await f?.close();
  });

  it('streams chunk by chunk with the routing headers', async () => {
    const direct = await reads(await post(f.url, '/v1/chat/completions', chatBody('a/paced', { stream: true, max_tokens: 10 })));
    const before = await lastActivityId(f.sims[0]!);
    const res = await post(url, '/v1/chat/completions', chatBody('a/paced', { stream: true, max_tokens: 10 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-boo-host')).toBe('a');
    expect(res.headers.get('x-boo-overhead-ms')).toBeTruthy();
    const relayed = await reads(res);
    // every read ends on an SSE event boundary (a busy machine may merge reads, direct or not)
    expect(relayed.length).toBeGreaterThanOrEqual(Math.min(5, direct.length));
    expect(relayed.every((c) => c.toString().endsWith('\n\n'))).toBe(true);
    // Byte for byte what the host sent (its own capture of the request).
    expect(Buffer.concat(relayed).toString()).toBe((await captureAfter(f.sims[0]!, 'paced', before)).resp);
  });

  it('relays models, errors in OpenAI shape, and 502 when the gateway is down', async () => {
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('a/quick');
    const nf = await post(url, '/v1/chat/completions', chatBody('nope'));
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: { code: string } }).error.code).toBe('NO_ROUTE');
    const dead = await buildServerApp({ controlUrl: f.api, gatewayUrl: 'http://127.0.0.1:9' });
    const deadUrl = await dead.listen({ host: '127.0.0.1', port: 0 });
    try {
      const r = await post(deadUrl, '/v1/chat/completions', chatBody('quick'));
      expect(r.status).toBe(502);
      expect(((await r.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'CONTROL_UNAVAILABLE', type: 'server_error' });
    } finally {
      await dead.close();
    }
  });
});
