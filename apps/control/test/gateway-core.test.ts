import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/db';
import { captureAfter, chatBody, lastActivityId, modelState, post, startGatewayFixture, warm, type GatewayFixture } from './helpers/gateway';
import { FAST, waitFor } from './helpers/fleet';

/** Reads a streamed response as the list of chunks the socket delivered, with their arrival times. */
async function chunks(res: Response): Promise<Buffer[] & { at: number[] }> {
  const out = Object.assign([] as Buffer[], { at: [] as number[] });
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(Buffer.from(value));
    out.at.push(performance.now());
  }
}

describe('gateway core: resolution, passthrough, headers, failover', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGatewayFixture(backends()[0]!, { env: { GATEWAY_COOLDOWN_MS: '3000' }, control: { fleet: FAST, gateway: { recorderFlushMs: 50, rng: () => 0 } } });
  });
  afterAll(async () => f?.close());

  it('streams the host bytes unchanged, chunk for chunk, with the routing headers', async () => {
    await warm(f.sims[0]!, 'paced');
    await modelState(f, 'a', 'paced', 'ready');
    const direct = await chunks(await post(f.sims[0]!.url, '/v1/chat/completions', chatBody('paced', { stream: true, max_tokens: 10 })));
    const before = await lastActivityId(f.sims[0]!);
    const res = await post(f.url, '/v1/chat/completions', chatBody('a/paced', { stream: true, max_tokens: 10 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-boo-host')).toBe('a');
    expect(res.headers.get('x-boo-model')).toBe('paced');
    expect(res.headers.get('x-boo-route-reason')).toMatch(/^explicit; loaded, idle/);
    expect(Number(res.headers.get('x-boo-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const through = await chunks(res);
    const text = Buffer.concat(through).toString('utf8');
    // The exact bytes the host sent (its own capture of this request).
    expect(text).toBe((await captureAfter(f.sims[0]!, 'paced', before)).resp);
    // Streamed as it comes, not buffered: the tokens are 60 ms apart, so the reads spread over
    // the ~540 ms of the stream, and every read ends on an SSE event boundary (a busy machine may
    // merge two events into one read, direct or not; the bench measures the gaps exactly).
    expect(direct.length).toBeGreaterThanOrEqual(2);
    expect(through.length).toBeGreaterThanOrEqual(Math.min(5, direct.length));
    expect(through.at[through.length - 1]! - through.at[0]!).toBeGreaterThan(250);
    expect(through.every((c) => c.toString().endsWith('\n\n'))).toBe(true);
    // The body names the model actually used.
    expect(text).toContain('"model":"paced"');
  });

  it('rewrites only the model in the request body', async () => {
    const raw = '{ "messages" : [{"role":"user","content":"caf\\u00e9 \u00fcber"}],\n  "model":"a/quick", "max_tokens": 3.0 }';
    const before = await lastActivityId(f.sims[0]!);
    const res = await post(f.url, '/v1/chat/completions', raw);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string };
    expect(body.model).toBe('quick');
    expect((await captureAfter(f.sims[0]!, 'quick', before)).req).toBe(raw.replace('"a/quick"', '"quick"'));
  });

  it('sends a model name to the host where it is loaded and idle', async () => {
    await warm(f.sims[1]!, 'other');
    await modelState(f, 'b', 'other', 'ready');
    for (let i = 0; i < 3; i++) {
      const res = await post(f.url, '/v1/chat/completions', chatBody('other'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-boo-host')).toBe('b');
      expect(res.headers.get('x-boo-route-reason')).toMatch(/^name; loaded, idle/);
      await res.text();
    }
  });

  it('answers OpenAI-shaped errors: unknown model 404 with candidates, malformed body 400, unknown route 404', async () => {
    const nf = await post(f.url, '/v1/chat/completions', chatBody('nope-model'));
    expect(nf.status).toBe(404);
    const e = (await nf.json()) as { error: { type: string; code: string; param: string; message: string; details: { candidates: string[] } } };
    expect(e.error).toMatchObject({ type: 'invalid_request_error', code: 'NO_ROUTE', param: 'model' });
    expect(e.error.details.candidates).toEqual(expect.arrayContaining(['quick', 'other', 'auto:fast', 'auto:best', 'auto:code']));
    const bad = await post(f.url, '/v1/chat/completions', '{"model": "quick", ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'BAD_JSON', type: 'invalid_request_error' });
    const noModel = await post(f.url, '/v1/chat/completions', { messages: [] });
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: 'VALIDATION', param: 'model' });
    const route = await fetch(`${f.url}/v1/images/generations`, { method: 'POST', body: '{}' });
    expect(route.status).toBe(404);
  });

  it('fails over before the first byte when a host answers 5xx, and cools it down', async () => {
    await warm(f.sims[0]!, 'quick');
    await warm(f.sims[1]!, 'quick');
    await modelState(f, 'a', 'quick', 'ready');
    await modelState(f, 'b', 'quick', 'ready');
    // rng() = 0: among equal near-ties the gateway picks a first.
    f.sims[0]!.faults.errorBurst(1, 500, 'boom');
    const res = await post(f.url, '/v1/chat/completions', chatBody('quick'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-boo-host')).toBe('b');
    expect(res.headers.get('x-boo-route-reason')).toMatch(/failover from a \(upstream answered 500\)/);
    await res.text();
    const status = (await (await fetch(`${f.api}/api/control/gateway/status`)).json()) as { hosts: Array<{ hostId: string; coolingDown: boolean }> };
    expect(status.hosts.find((h) => h.hostId === 'a')?.coolingDown).toBe(true);
    // While a cools down, the name goes to b without trying a.
    const next = await post(f.url, '/v1/chat/completions', chatBody('quick'));
    expect(next.headers.get('x-boo-host')).toBe('b');
    expect(next.headers.get('x-boo-route-reason')).not.toMatch(/failover/);
    await next.text();
    // The probe brings a back.
    await waitFor('a back in rotation', async () => {
      const s = (await (await fetch(`${f.api}/api/control/gateway/status`)).json()) as { hosts: Array<{ hostId: string; coolingDown: boolean }> };
      return s.hosts.find((h) => h.hostId === 'a')?.coolingDown === false;
    });
    // An explicit host gets the host's own 5xx (nothing to fail over to).
    f.sims[0]!.faults.errorBurst(1, 500, 'boom');
    const explicit = await post(f.url, '/v1/chat/completions', chatBody('a/quick'));
    expect(explicit.status).toBe(500);
    await explicit.text();
    await waitFor('a back again', async () => {
      const s = (await (await fetch(`${f.api}/api/control/gateway/status`)).json()) as { hosts: Array<{ hostId: string; coolingDown: boolean }> };
      return s.hosts.find((h) => h.hostId === 'a')?.coolingDown === false;
    });
  });

  it('retries a connection error on the next candidate (host killed), before any byte', async () => {
    // b has the lower recent error rate (a failed above), so b is the first choice; kill it.
    const restart = f.sims[1]!.faults.restart({ downMs: 1500 });
    const res = await post(f.url, '/v1/chat/completions', chatBody('quick'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-boo-host')).toBe('a');
    expect(res.headers.get('x-boo-route-reason')).toMatch(/failover from b \(.*ECONNREFUSED/);
    await res.text();
    await restart;
    const reqs = (await (await fetch(`${f.api}/api/control/gateway/requests?limit=1`)).json()) as { requests: Array<{ attempts: number; status: number; hostId: string }> };
    expect(reqs.requests[0]).toMatchObject({ attempts: 2, status: 200, hostId: 'a' });
  });

  it('never retries after the first byte: a crash mid-stream cuts the stream and is recorded', async () => {
    await warm(f.sims[0]!, 'paced');
    await modelState(f, 'a', 'paced', 'ready');
    const res = await post(f.url, '/v1/chat/completions', chatBody('a/paced', { stream: true, max_tokens: 10 }));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    f.sims[0]!.faults.crashModel('paced');
    const rest = await (async () => {
      try {
        for (;;) if ((await reader.read()).done) return 'ended';
      } catch {
        return 'cut';
      }
    })();
    expect(rest).toBe('cut');
    const last = await waitFor('the record', async () => {
      const r = (await (await fetch(`${f.api}/api/control/gateway/requests?limit=1`)).json()) as { requests: Array<{ errorCode: string | null; attempts: number; model: string }> };
      return r.requests[0]?.model === 'paced' ? r.requests[0] : undefined;
    });
    expect(last).toMatchObject({ errorCode: 'UPSTREAM_ERROR', attempts: 1 });
  });
});
