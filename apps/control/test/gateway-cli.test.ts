import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../src/cli/boo-cli';
import { backends } from './helpers/db';
import { chatBody, post, startGatewayFixture, type GatewayFixture } from './helpers/gateway';

describe('boo CLI: route, keys, usage', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGatewayFixture(backends()[0]!, { hosts: 1 });
  });
  afterAll(async () => f?.close());

  async function boo(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { BOO_URL: f.api }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('explains a route, manages keys, prints usage by consumer', async () => {
    const route = await boo('route', 'auto:fast');
    expect(route.code).toBe(EXIT.OK);
    expect(route.out).toMatch(/^auto:fast → a\/\S+ \(route\): auto:fast; /);
    expect(route.out).toMatch(/not a chat model/);
    expect((await boo('route', 'missing-model')).code).toBe(EXIT.NOT_FOUND);
    const created = await boo('key', 'create', 'cli-user');
    expect(created.code).toBe(EXIT.OK);
    const key = /shown once\): (\S+)/.exec(created.out)![1]!;
    const keys = await boo('keys');
    expect(keys.out).toContain('cli-user');
    expect(keys.out).not.toContain(key);
    const res = await post(f.url, '/v1/chat/completions', chatBody('quick'), { authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    await res.text();
    const usage = await boo('usage');
    expect(usage.out).toMatch(/cli-user\s+a\s+quick\s+1\s+0/);
    const id = JSON.parse((await boo('keys', '--json')).out).keys[0].id as string;
    expect((await boo('key', 'revoke', id)).out).toBe(`revoked ${id}`);
  });
});
