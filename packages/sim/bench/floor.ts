// The machine's own floor for the sim bench: a bare Node HTTP server that does nothing but pace
// chat-completion chunks of the simulator's size on the same shared pacer. No routing, metering,
// in-flight tracking, logs or activity. Measured in the same run as the simulator, it tells how
// much of the pacing error is the simulator and how much is this machine (scheduler, VM, GC).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pacer } from '../src/pacer';

export interface FloorServer {
  url: string;
  close(): Promise<void>;
}

const HEAD = '{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"';
const TAIL = '"}}],"created":1700000000,"id":"chatcmpl-0123456789abcdef0123456789abcdef","model":"bench","system_fingerprint":"b6000-0000000","object":"chat.completion.chunk"}';

export async function startFloorServer(genTps: number): Promise<FloorServer> {
  const perTok = 1000 / genTps;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      let max = 16;
      try {
        max = Number((JSON.parse(body) as { max_tokens?: number }).max_tokens) || 16;
      } catch {
        // default length
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const t0 = pacer.now();
      let i = 0;
      let handle = pacer.schedule(t0 + perTok, function emit() {
        if (res.destroyed) return;
        res.write(`data: ${HEAD} w${i}${TAIL}\n\n`);
        if (++i < max) handle = pacer.schedule(t0 + (i + 1) * perTok, emit);
        else res.end('data: [DONE]\n\n');
      });
      res.on('close', () => handle.cancel());
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
