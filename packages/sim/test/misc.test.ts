// Smaller conformance points: alias records, ignorePaths on a ready model, GET /props?model=,
// client disconnects while loading, log streams closed by reload, v235 captures and cancel.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { SseClient, chat, closeAll, getJson, host, twoModels, waitFor } from './helpers';

afterEach(closeAll);

describe('misc conformance', () => {
  it('includeAliasesInList adds alias records pointing at the model', async () => {
    const h = await host({ ...twoModels, includeAliasesInList: true });
    const { body } = await getJson(`${h.url}/v1/models`);
    expect(body.data.map((d: { id: string }) => d.id)).toEqual(['a1', 'alpha', 'beta']);
    expect(body.data[0].meta.llamaswap).toEqual({ type: 'alias', modelID: 'alpha' });
  });

  it('ignorePaths pass through to a ready model without loading anything', async () => {
    const h = await host(twoModels);
    await (await chat(h, 'alpha', 'x', { max_tokens: 1 })).text();
    const r = await fetch(`${h.url}/upstream/alpha/index.json`);
    expect(r.status).toBe(404); // llama-server's own 404: the request reached the upstream
    expect(await r.json()).toEqual({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
    expect(h.models().find((m) => m.id === 'beta')?.state).toBe('stopped');
  });

  it('GET /props?model= loads the model on HEAD and is not a route in v235', async () => {
    const h = await host(twoModels);
    const r = await getJson(`${h.url}/props?model=beta`);
    expect(r.status).toBe(200);
    expect(r.body.total_slots).toBe(4);
    expect(h.models().find((m) => m.id === 'beta')?.state).toBe('ready');
    const old = await host(twoModels, { wire: 'v235' });
    expect((await fetch(`${old.url}/props?model=beta`)).status).toBe(404);
  });

  it('a client that disconnects after its swap started does not stop the load', async () => {
    const h = await host({ models: { m: { loadMs: 200 } } });
    const ac = new AbortController();
    const p = fetch(`${h.url}/upstream/m/health`, { signal: ac.signal }).catch((e: unknown) => e);
    await waitFor(() => h.models()[0]?.state === 'starting', 'starting');
    ac.abort();
    expect(await p).toBeInstanceOf(Error);
    await waitFor(() => h.models()[0]?.state === 'ready', 'ready anyway');
  });

  it('a reload ends /logs/stream connections too', async () => {
    const h = await host(twoModels);
    // wrapped in an object: resolving with a bare promise would wait for the end right here
    const stream = await new Promise<{ ended: Promise<void> }>((resolve) => {
      const req = request(`${h.url}/logs/stream`, (res) => {
        res.resume();
        resolve({ ended: new Promise<void>((done) => res.on('end', () => done())) });
      });
      req.end();
    });
    await h.faults.reload();
    await stream.ended;
  });

  it('v235: captures and in-flight cancel exist; the activity id doubles as the capture id', async () => {
    const h = await host({ models: { m: { loadMs: 5, genTps: 20 } } }, { wire: 'v235' });
    await (await chat(h, 'm', 'x', { max_tokens: 1 })).text();
    const cap = await getJson(`${h.url}/api/captures/0`);
    expect(cap.status).toBe(200);
    expect(cap.body.id).toBe(0);
    const c = await SseClient.open(`${h.url}/api/events`);
    await waitFor(() => c.messages.length >= 5, 'burst');
    const r = await chat(h, 'm', 'y', { stream: true, max_tokens: 200 });
    const reading = r.text().then(() => 'complete', (e: unknown) => e);
    const cancel = await getJson(`${h.url}/api/inflight/2/cancel`, { method: 'POST' });
    expect(cancel.body).toEqual({ msg: 'ok' });
    expect(await reading).toBeInstanceOf(Error);
    c.close();
  });
});
