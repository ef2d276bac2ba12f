import { table } from './format';
import type { ControlClient, Reply } from './http';

/** `30d`, `12h`, `90m` or an ISO time → ISO time; undefined when it is neither. */
export function parseExpiry(s: string, now = Date.now()): string | undefined {
  const m = /^(\d{1,5})([dhm])$/.exec(s.trim());
  if (m) return new Date(now + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']).toISOString();
  const t = Date.parse(s);
  return Number.isFinite(t) && /\d{4}-\d{2}-\d{2}/.test(s) ? new Date(t).toISOString() : undefined;
}

export interface TokenCmdIo {
  out(line: string): void;
  err(line: string): void;
  json: boolean;
  /** Prints an error reply and maps it to an exit code. */
  failure(r: Reply): number;
  usage(message: string): never;
}

/** `boo token create|list|revoke`: the tokens REST (admin scope). */
export async function tokenCommand(client: ControlClient, args: string[], o: { label?: string | undefined; scope?: string | undefined; expires?: string | undefined }, io: TokenCmdIo): Promise<number> {
  const [sub, id] = args;
  const print = (body: unknown, human: () => void) => (io.json ? io.out(JSON.stringify(body, null, 2)) : human());
  switch (sub) {
    case 'create': {
      if (!o.label) io.usage('token create needs --label');
      const scopes = (o.scope ?? 'read').split(',').map((s) => s.trim()).filter(Boolean);
      const expiresAt = o.expires === undefined ? undefined : parseExpiry(o.expires);
      if (o.expires !== undefined && !expiresAt) io.usage('--expires takes 30d, 12h, 90m or an ISO time');
      const r = await client.call('POST', '/api/control/tokens', { label: o.label, scopes, ...(expiresAt ? { expiresAt } : {}) });
      if (r.status !== 201) return io.failure(r);
      print(r.body, () => {
        io.out(r.body.secret);
        io.err(`token ${r.body.token.id} (${r.body.token.scopes.join(', ')}${r.body.token.expiresAt ? `, expires ${r.body.token.expiresAt}` : ''}): shown once, store it now`);
      });
      return 0;
    }
    case 'list': {
      const r = await client.call('GET', '/api/control/tokens');
      if (r.status !== 200) return io.failure(r);
      print(r.body, () =>
        io.out(
          table(
            ['ID', 'LABEL', 'SCOPES', 'STATUS', 'EXPIRES', 'LAST USED'],
            r.body.tokens.map((t: any) => [t.id, t.label, t.scopes.join(','), t.status, t.expiresAt ?? 'never', t.lastUsedAt ?? '-']), // eslint-disable-line @typescript-eslint/no-explicit-any
          ),
        ),
      );
      return 0;
    }
    case 'revoke': {
      if (!id) io.usage('token revoke needs a token id (boo token list)');
      const r = await client.call('DELETE', `/api/control/tokens/${encodeURIComponent(id)}`);
      if (r.status !== 200) return io.failure(r);
      print(r.body, () => io.out(`revoked ${r.body.id} (${r.body.label})`));
      return 0;
    }
    default:
      io.usage(`token needs create, list or revoke`);
  }
}
