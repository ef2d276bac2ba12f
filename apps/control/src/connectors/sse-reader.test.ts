import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse } from './sse-reader';

/** Serves `chunks` as an event stream, written one by one with a pause between them. */
async function serve(chunks: string[]): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const next = () => {
      if (i >= chunks.length) return res.end();
      res.write(chunks[i++]!);
      setTimeout(next, 2);
    };
    next();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function read(chunks: string[], maxEventBytes?: number) {
  const { url, server } = await serve(chunks);
  servers.push(server);
  const events: Array<{ event?: string | undefined; data: string }> = [];
  const oversize: number[] = [];
  const s = await openSse(url, {
    headers: {},
    connectTimeoutMs: 2000,
    signal: new AbortController().signal,
    ...(maxEventBytes ? { maxEventBytes } : {}),
    onEvent: (e) => events.push({ event: e.event, data: e.data }),
    onOversize: (n) => oversize.push(n),
  });
  await s.done;
  return { events, oversize };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('SSE reader', () => {
  it("accepts llama-swap's framing (no space after the colon) and llama-server's (a space), comments and CRLF", async () => {
    const { events } = await read(['event:message\ndata:{"a":1}\n\n', ':\n\n', 'data: {"b":2}\n\n', 'data: [DONE]\r\n\r\n', 'event: message\r\ndata:  two spaces\r\n\r\n']);
    expect(events).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: undefined, data: '{"b":2}' },
      { event: undefined, data: '[DONE]' },
      { event: 'message', data: ' two spaces' },
    ]);
  });

  it('reassembles frames split anywhere, including inside multi-byte characters', async () => {
    const frame = 'event:message\ndata:{"text":"héllo — ✓"}\n\n';
    const bytes = Buffer.from(frame + frame);
    const parts: string[] = [];
    // split the raw bytes into 3-byte pieces; decode via latin1 round trip to keep the exact bytes
    const { url, server } = await new Promise<{ url: string; server: Server }>((resolve) => {
      const srv = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const next = () => {
          if (i >= bytes.length) return res.end();
          res.write(bytes.subarray(i, i + 3));
          i += 3;
          setImmediate(next);
        };
        next();
      });
      srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, server: srv }));
    });
    servers.push(server);
    const s = await openSse(url, { headers: {}, connectTimeoutMs: 2000, signal: new AbortController().signal, onEvent: (e) => parts.push(e.data) });
    await s.done;
    expect(parts).toEqual(['{"text":"héllo — ✓"}', '{"text":"héllo — ✓"}']);
  });

  it('reads a 2 MiB line, and skips an event over the cap without losing the events around it', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const chunked = (s: string) => s.match(/[\s\S]{1,65536}/g)!;
    const { events } = await read([...chunked(`data:${big}\n\n`), 'data:after\n\n']);
    expect(events.map((e) => e.data.length)).toEqual([big.length, 5]);
    const capped = await read(['data:before\n\n', ...chunked(`data:${big}\n\n`), 'data:after\n\n'], 1024 * 1024);
    expect(capped.events.map((e) => e.data)).toEqual(['before', 'after']);
    expect(capped.oversize).toHaveLength(1);
    expect(capped.oversize[0]).toBeGreaterThan(1024 * 1024);
  });

  it('fails fast with a typed error when nothing answers', async () => {
    await expect(openSse('http://127.0.0.1:9/', { headers: {}, connectTimeoutMs: 1000, signal: new AbortController().signal, onEvent: () => undefined })).rejects.toMatchObject({
      name: 'HostError',
      kind: 'unreachable',
    });
  });
});
