import { afterEach, describe, expect, it } from 'vitest';
import { setWriteOffload } from '../src/index';
import { chat, closeAll, host, twoModels } from './helpers';

/** Strips the per-response fields that legitimately differ (ids, created times, timings). */
const normalize = (body: string) =>
  body
    .replace(/"id":"[^"]*"/g, '"id":"X"')
    .replace(/"created":\d+/g, '"created":0')
    .replace(/"timings":\{[^}]*\}/g, '"timings":{}');

describe('writer-thread offload', () => {
  afterEach(async () => {
    setWriteOffload(false);
    await closeAll();
  });

  it('puts the same bytes on the wire as plain writes, also with aborted neighbours', async () => {
    const read = async (offload: boolean) => {
      setWriteOffload(offload);
      const h = await host(twoModels, { seed: 11 });
      // a few streams aborted mid-way, so descriptors are closed and reused while others stream
      const aborted = Array.from({ length: 5 }, async () => {
        const ac = new AbortController();
        const res = await fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'alpha', stream: true, max_tokens: 400, messages: [{ role: 'user', content: 'noise' }] }),
          signal: ac.signal,
        });
        const reader = res.body!.getReader();
        await reader.read(); // mid-stream
        ac.abort();
        await reader.read().catch(() => undefined);
      });
      const bodies = await Promise.all(
        ['one two three', 'four five six', 'seven eight'].map(async (c) => (await chat(h, 'alpha', c, { stream: true, max_tokens: 40 })).text()),
      );
      await Promise.allSettled(aborted);
      await closeAll();
      return bodies.map(normalize);
    };
    const plain = await read(false);
    const offloaded = await read(true);
    expect(offloaded).toEqual(plain);
    expect(plain[0]).toContain('data: [DONE]');
  });
});
