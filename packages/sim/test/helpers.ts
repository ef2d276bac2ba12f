// Test helpers: a raw SSE reader that keeps exact bytes (framing is under test), JSON fetch, waits.
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { startSimHost } from '../src/index';
import type { SimConfig, SimHost, SimHostOptions } from '../src/index';

export const hosts: SimHost[] = [];

export async function host(config: SimConfig, opts: Omit<SimHostOptions, 'config'> = {}): Promise<SimHost> {
  const h = await startSimHost({ seed: 7, perfEveryMs: 100, ...opts, config });
  hosts.push(h);
  return h;
}

export async function closeAll(): Promise<void> {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
}

/** Two small models in the implicit (default) group. */
export const twoModels: SimConfig = {
  models: {
    alpha: { loadMs: 40, genTps: 400, promptTps: 5000, aliases: ['a1'], name: 'Alpha', description: 'first' },
    beta: { loadMs: 30, genTps: 400, promptTps: 5000 },
  },
};

export interface Envelope {
  type: string;
  data: unknown;
}

/** Reads /api/events keeping the raw text; `messages` are parsed twice (envelope, then data). */
export class SseClient {
  raw = '';
  messages: Envelope[] = [];
  ended = false;
  errored = false;
  private res: IncomingMessage | null = null;
  private req: ReturnType<typeof request> | null = null;
  statusCode = 0;
  headers: Record<string, string | string[] | undefined> = {};

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { headers }, (res) => {
        c.res = res;
        c.statusCode = res.statusCode ?? 0;
        c.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (d: string) => c.feed(d));
        res.on('end', () => (c.ended = true));
        res.on('error', () => (c.errored = true));
        res.on('close', () => (c.ended = true));
        resolve();
      });
      req.on('error', (e) => {
        c.errored = true;
        c.ended = true;
        reject(e);
      });
      req.end();
      c.req = req;
    });
    return c;
  }

  private pending = '';
  private feed(d: string): void {
    this.raw += d;
    this.pending += d;
    let i: number;
    while ((i = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, i);
      this.pending = this.pending.slice(i + 2);
      const lines = block.split('\n');
      const data = lines.find((l) => l.startsWith('data:'))?.slice(5) ?? '';
      try {
        const env = JSON.parse(data) as { type: string; data: string };
        this.messages.push({ type: env.type, data: JSON.parse(env.data) as unknown });
      } catch {
        this.messages.push({ type: '__malformed__', data: block });
      }
    }
  }

  of(type: string): unknown[] {
    return this.messages.filter((m) => m.type === type).map((m) => m.data);
  }

  close(): void {
    this.req?.destroy();
    this.res?.destroy();
  }
}

export async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what = 'condition', timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text body
  }
  return { status: r.status, body, headers: r.headers };
}

export function chat(h: SimHost, model: string, content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra }),
  });
}

/** Parses llama-server `data: ` lines (with the space) of an SSE body. */
export function dataLines(text: string): string[] {
  return text
    .split('\n\n')
    .filter((b) => b.length > 0)
    .map((b) => {
      if (!b.startsWith('data: ')) throw new Error(`bad frame: ${JSON.stringify(b.slice(0, 60))}`);
      return b.slice(6);
    });
}
