import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli, type CliEnv } from '../src/cli/boo-cli';
import { parseExpiry } from '../src/cli/token-cmd';
import { backends } from './helpers/db';
import { startAuthedControl, type AuthedControl } from './helpers/access';

describe('boo token against control with CONTROL_AUTH=token', () => {
  let t: AuthedControl;
  let url: string;
  beforeAll(async () => {
    t = await startAuthedControl(backends()[0]!);
    url = await t.control.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => t?.close());

  async function boo(env: CliEnv, ...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { BOO_URL: url, ...env }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('create prints the secret once; list shows it without; revoke ends it', async () => {
    const created = await boo({ BOO_TOKEN: t.admin }, 'token', 'create', '--label', 'laptop', '--scope', 'read,act', '--expires', '30d');
    expect(created.code).toBe(EXIT.OK);
    const secret = created.out.trim();
    expect(secret).toMatch(/^boo_[a-f0-9]{16}_/);
    expect(created.err).toMatch(/shown once/);
    const id = secret.slice(4, 20);
    const list = await boo({ BOO_TOKEN: t.admin }, 'token', 'list');
    expect(list.out).toMatch(new RegExp(`${id}\\s+laptop\\s+read,act\\s+active`));
    expect(list.out).not.toContain(secret.slice(21));
    expect((await boo({ BOO_TOKEN: secret }, 'status')).code).toBe(EXIT.OK);
    expect((await boo({ BOO_TOKEN: t.admin }, 'token', 'revoke', id)).out).toContain(`revoked ${id}`);
    const after = await boo({ BOO_TOKEN: secret }, 'status');
    expect(after.code).toBe(EXIT.AUTH);
    expect(after.err).toMatch(/invalid, expired or revoked/);
  });

  it('exits 6 without a token or without the scope, and 2 on bad usage', async () => {
    // A token file that does not exist and no bootstrap file in this cwd's secrets/: no header at all.
    const none = await boo({ BOO_TOKEN_FILE: '/nonexistent/boo.token' }, 'status');
    expect(none.code).toBe(EXIT.AUTH);
    expect(none.err).toMatch(/BOO_TOKEN/);
    const reader = (await t.token(['read'])).secret;
    expect((await boo({ BOO_TOKEN: reader }, 'token', 'list')).code).toBe(EXIT.AUTH);
    expect((await boo({ BOO_TOKEN: reader }, 'switch', 'quick')).code).toBe(EXIT.AUTH);
    expect((await boo({ BOO_TOKEN: t.admin }, 'token', 'create')).code).toBe(EXIT.USAGE);
    expect((await boo({ BOO_TOKEN: t.admin }, 'token', 'create', '--label', 'x', '--expires', 'soon')).code).toBe(EXIT.USAGE);
    expect((await boo({ BOO_TOKEN: t.admin }, 'token', 'create', '--label', 'x', '--scope', 'root')).code).toBe(EXIT.USAGE);
  });

  it('reads expiries as 30d / 12h / 90m or ISO times', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseExpiry('30d', now)).toBe('2026-01-31T00:00:00.000Z');
    expect(parseExpiry('12h', now)).toBe('2026-01-01T12:00:00.000Z');
    expect(parseExpiry('90m', now)).toBe('2026-01-01T01:30:00.000Z');
    expect(parseExpiry('2027-05-01T00:00:00Z', now)).toBe('2027-05-01T00:00:00.000Z');
    expect(parseExpiry('tomorrow', now)).toBeUndefined();
  });
});
