import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scope, TokenCreated } from '@boocontrol/contracts';
import type { Control } from '../../src/control';
import { BOOTSTRAP_FILE } from '../../src/access/token.service';
import type { Backend } from './db';
import { startTestControl } from './control';

export interface AuthedControl {
  control: Control;
  secretsDir: string;
  /** The admin token control wrote at its first start. */
  admin: string;
  /** Creates a token through REST, as an admin would. */
  token(scopes: Scope[], opts?: { label?: string; expiresAt?: string }): Promise<TokenCreated>;
  close(): Promise<void>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A whole control with CONTROL_AUTH=token (or `env` overrides) and its bootstrap admin token. */
export async function startAuthedControl(backend: Backend, env: Record<string, string> = {}, opts: Parameters<typeof startTestControl>[2] = {}): Promise<AuthedControl> {
  const secretsDir = await mkdtemp(join(tmpdir(), 'boo-access-'));
  const t = await startTestControl(backend, { CONTROL_AUTH: 'token', SECRETS_DIR: secretsDir, ...env }, opts);
  const admin = (await readFile(join(secretsDir, BOOTSTRAP_FILE), 'utf8')).trim();
  let n = 0;
  return {
    control: t.control,
    secretsDir,
    admin,
    async token(scopes, o = {}) {
      const res = await t.control.app.inject({ method: 'POST', url: '/api/control/tokens', headers: bearer(admin), payload: { label: o.label ?? `test ${scopes.join('+')} ${++n}`, scopes, ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}) } });
      if (res.statusCode !== 201) throw new Error(`token create: ${res.statusCode} ${res.body}`);
      return res.json() as TokenCreated;
    },
    async close() {
      await t.close();
      await rm(secretsDir, { recursive: true, force: true });
    },
  };
}
