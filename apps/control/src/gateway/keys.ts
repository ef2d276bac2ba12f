import { createHash, randomBytes } from 'node:crypto';
import type { GatewayKey } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { KeysRepo } from './keys.repo';

/**
 * Gateway API keys. A key is 32 random bytes (`boo-` + base64url), so a plain SHA-256 is the
 * right hash: nothing to brute-force, and a lookup is one hash plus one Map probe on the hot
 * path. Keys from GATEWAY_KEYS are hashed at boot; managed keys are stored hashed and shown
 * once, at creation. Neither is ever logged or returned again.
 */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

interface Entry {
  id: string;
  consumer: string;
  prefix: string;
  source: 'env' | 'managed';
  createdAt: string | null;
}

export class KeyStore {
  private byHash = new Map<string, Entry>();
  private readonly env: Array<[string, Entry]>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: KeysRepo,
    envKeys: ReadonlyArray<{ consumer: string; key: string }>,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.env = envKeys.map((k, i) => [hashKey(k.key), { id: `env-${i + 1}`, consumer: k.consumer, prefix: `${k.key.slice(0, 6)}…`, source: 'env', createdAt: null }]);
    this.byHash = new Map(this.env);
  }

  /** Loads managed keys, then re-reads them every `everyMs` (keys added by another control process). */
  async start(everyMs = 10_000): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(this.onError), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async reload(): Promise<void> {
    const rows = await this.repo.list();
    this.byHash = new Map([...this.env, ...rows.map((r): [string, Entry] => [r.keyHash, { id: r.id, consumer: r.consumer, prefix: r.prefix, source: 'managed', createdAt: r.createdAt }])]);
  }

  /** Keys are required as soon as one exists. */
  get required(): boolean {
    return this.byHash.size > 0;
  }

  /** The consumer of a presented key, or undefined. */
  lookup(key: string): string | undefined {
    return this.byHash.get(hashKey(key))?.consumer;
  }

  list(): GatewayKey[] {
    return [...this.byHash.values()].map((e) => ({ ...e }));
  }

  async create(consumer: string): Promise<GatewayKey & { key: string }> {
    const key = `boo-${randomBytes(32).toString('base64url')}`;
    const row = await this.repo.insert({ id: randomBytes(6).toString('hex'), consumer, keyHash: hashKey(key), prefix: `${key.slice(0, 8)}…` });
    await this.reload();
    return { id: row.id, consumer: row.consumer, prefix: row.prefix, source: 'managed', createdAt: row.createdAt, key };
  }

  async revoke(id: string): Promise<void> {
    if (id.startsWith('env-')) throw new AppError('CONFLICT', `key ${id} comes from GATEWAY_KEYS; remove it there`);
    if (!(await this.repo.delete(id))) throw new AppError('NOT_FOUND', `no gateway key ${id}`);
    await this.reload();
  }
}

/** The key a request presents: `Authorization: Bearer`, else `x-api-key` (as llama-swap reads them). */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim() || undefined;
  const x = headers['x-api-key'];
  return typeof x === 'string' && x ? x : undefined;
}
