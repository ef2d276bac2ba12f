import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOTSTRAP_FILE } from '../access/token.service';

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class Unreachable extends Error {}

/**
 * A thin REST client of control (CLI and MCP server): the same routes, scopes, queue and
 * idempotency as every other caller. The token goes in `Authorization: Bearer`, nowhere else.
 */
export class ControlClient {
  constructor(
    readonly base: string,
    private readonly token?: string | undefined,
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Reply> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Unreachable(`cannot reach control at ${this.base}: ${cause?.code ?? cause?.message ?? String(err)}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* plain text */
    }
    return { status: res.status, body: parsed };
  }
}

export interface TokenSources {
  /** --token */
  flag?: string | undefined;
  BOO_TOKEN?: string | undefined;
  BOO_TOKEN_FILE?: string | undefined;
  /** Where the bootstrap admin token may be (the checkout's secrets/), tried last. */
  secretsDir?: string | undefined;
}

/**
 * The token a CLI call sends: --token, else $BOO_TOKEN, else the file in $BOO_TOKEN_FILE, else
 * the bootstrap admin token control wrote to secrets/ (the machine's owner running `pnpm boo`
 * in the checkout). None: no header (fine with CONTROL_AUTH=off).
 */
export function resolveToken(s: TokenSources): string | undefined {
  if (s.flag) return s.flag.trim();
  if (s.BOO_TOKEN) return s.BOO_TOKEN.trim();
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  if (s.BOO_TOKEN_FILE) return read(s.BOO_TOKEN_FILE);
  return read(join(s.secretsDir ?? 'secrets', BOOTSTRAP_FILE));
}
