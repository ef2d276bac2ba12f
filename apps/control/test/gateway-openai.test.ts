import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/db';
import { startGatewayFixture, type GatewayFixture } from './helpers/gateway';

/** The official OpenAI client, pointed at the gateway, with a managed gateway key. */
describe('the openai package against the gateway', () => {
  let f: GatewayFixture;
  let client: OpenAI;
  beforeAll(async () => {
    f = await startGatewayFixture(backends()[0]!);
    const r = await fetch(`${f.api}/api/control/gateway/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ consumer: 'sdk' }) });
    const { key } = (await r.json()) as { key: string };
    client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => f?.close());

  it('lists models: auto policies, names and host/model', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['auto:fast', 'auto:best', 'auto:code', 'quick', 'a/quick', 'b/embed-small']));
  });

  it('chat, with the raw response headers', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'hi there' }], max_tokens: 5 }).withResponse();
    expect(data.model).toBe('quick');
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-boo-host')).toMatch(/^[ab]$/);
  });

  it('streaming chat', async () => {
    const stream = await client.chat.completions.create({ model: 'a/paced', messages: [{ role: 'user', content: 'count' }], max_tokens: 10, stream: true });
    let text = '';
    let n = 0;
    for await (const chunk of stream) {
      n++;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(n).toBeGreaterThanOrEqual(10);
    expect(text.split(/\s+/).filter(Boolean).length).toBe(10);
  });

  it('completions and embeddings, auto policy for chat', async () => {
    const c = await client.completions.create({ model: 'quick', prompt: 'once upon a time', max_tokens: 4 });
    expect(c.choices[0]!.text.length).toBeGreaterThan(0);
    // The simulator answers floats only (llama-server also knows base64, the client's default).
    const e = await client.embeddings.create({ model: 'embed-small', input: ['alpha', 'beta'], encoding_format: 'float' });
    expect(e.data).toHaveLength(2);
    expect(e.data[0]!.embedding).toHaveLength(16);
    const auto = await client.chat.completions.create({ model: 'auto:fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }).withResponse();
    expect(['quick', 'other', 'paced']).toContain(auto.data.model);
    expect(auto.response.headers.get('x-boo-route-reason')).toMatch(/^auto:fast; /);
  });

  it('raises typed errors the client understands', async () => {
    const err = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('NO_ROUTE');
    const bad = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: 'wrong-key', maxRetries: 0 });
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
