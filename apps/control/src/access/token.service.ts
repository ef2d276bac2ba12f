import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOKEN_PREFIX, type ApiToken, type TokenCreate, type TokenCreated } from '@boocontrol/contracts';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../lib/errors';
import { toApiToken, tokenStatus, type StoredToken, type TokensRepo } from './tokens.repo';

/** `boo_<16 hex id>_<43 base64url secret>`: 256 random bits after the id. */
const TOKEN_SHAPE = /^boo_([a-f0-9]{16})_[A-Za-z0-9_-]{43}$/;
/** Where control writes an admin token when auth is on and none exists (the first-run key). */
export const BOOTSTRAP_FILE = 'control-admin.token';

export const hashToken = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export interface TokenServiceOptions {
  repo: TokensRepo;
  now?: () => Date;
  /** How long a verified token is believed without asking the database again (a revoke in another process takes this long). */
  cacheMs?: number;
  /** last_used_at is written at most this often per token (not on every request). */
  touchEveryMs?: number;
  onRevoked?: (tokenId: string) => void;
  log?: FastifyBaseLogger;
}

/**
 * API tokens: create (the secret is returned once and only its hash stored), list, revoke, and
 * verify a presented secret. Verification is cached briefly because every request asks it.
 */
export class TokenService {
  private readonly now: () => Date;
  private readonly cache = new Map<string, { token: StoredToken; at: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly opts: TokenServiceOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  async create(input: TokenCreate, createdBy: string | null): Promise<TokenCreated> {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= this.now().getTime()) throw new AppError('VALIDATION', 'expiresAt must lie in the future', { expiresAt: input.expiresAt });
    const id = randomBytes(8).toString('hex');
    const secret = `${TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
    const scopes = [...new Set(input.scopes)];
    const token = await this.opts.repo.insert({ id, label: input.label, scopes, hash: hashToken(secret), createdBy, expiresAt });
    return { token: toApiToken(token, this.now()), secret };
  }

  async list(): Promise<ApiToken[]> {
    const now = this.now();
    return (await this.opts.repo.list()).map((t) => toApiToken(t, now));
  }

  async revoke(id: string): Promise<ApiToken> {
    const token = await this.opts.repo.revoke(id, this.now());
    if (!token) throw new AppError('NOT_FOUND', `no token ${id}`);
    this.cache.clear();
    this.opts.onRevoked?.(id);
    return toApiToken(token, this.now());
  }

  /** The stored token for a presented secret when it is active; undefined otherwise (never says why). */
  async verify(secret: string): Promise<StoredToken | undefined> {
    if (!TOKEN_SHAPE.test(secret)) return undefined;
    const hash = hashToken(secret);
    const now = this.now();
    const hit = this.cache.get(hash);
    let token = hit && now.getTime() - hit.at < (this.opts.cacheMs ?? 5_000) ? hit.token : undefined;
    if (!token) {
      token = await this.opts.repo.byHash(hash);
      if (!token) return undefined;
      if (this.cache.size >= 1_000) this.cache.clear();
      this.cache.set(hash, { token, at: now.getTime() });
    }
    if (tokenStatus(token, now) !== 'active') return undefined;
    this.touch(token.id, now);
    return token;
  }

  private touch(id: string, now: Date): void {
    const last = this.touched.get(id) ?? 0;
    if (now.getTime() - last < (this.opts.touchEveryMs ?? 60_000)) return;
    this.touched.set(id, now.getTime());
    // Bookkeeping only: a request never waits for it or fails because of it.
    this.opts.repo.touch(id, now).catch((err: unknown) => this.opts.log?.warn({ err, tokenId: id }, 'could not record token use'));
  }

  /**
   * First run with auth on: when no active admin token exists, create one and write it to
   * secrets/control-admin.token (mode 0600) so the owner of the machine can log in and make
   * others. The log names the file, never the token.
   */
  async bootstrap(secretsDir: string): Promise<{ file: string; created: boolean } | undefined> {
    const file = join(secretsDir, BOOTSTRAP_FILE);
    const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (existing) {
      const t = await this.verify(existing);
      if (t?.scopes.includes('admin')) return { file, created: false };
    }
    if (await this.opts.repo.hasActiveAdmin(this.now())) return undefined;
    const { secret } = await this.create({ label: 'bootstrap admin', scopes: ['admin'] }, 'bootstrap');
    await mkdir(secretsDir, { recursive: true });
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return { file, created: true };
  }
}
