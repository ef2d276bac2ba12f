import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import ssh2, { Client, type ConnectConfig } from 'ssh2';
import { AppError } from '../lib/errors';
import { fingerprintOf, hostKeyMatches, parsePinnedHostKey } from './host-key';

// ssh2 is CommonJS: Node's ESM loader (tsx, `pnpm start`) detects `Client` as a named export but
// not `utils`, so `utils` comes from the default export (under Vite/vitest both would work).
const { utils } = ssh2;

/** Where and how to reach a host over SSH. `identityFile` is a path under the secrets dir. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** File name relative to the secrets dir (or an absolute path inside it). Never the key itself. */
  identityFile: string;
  /** Pinned host key: OpenSSH public key line or `SHA256:` fingerprint. Required. */
  hostKey: string;
}

export type SshFailReason = 'unreachable' | 'timeout' | 'auth-failed' | 'host-key-mismatch' | 'identity-missing' | 'identity-invalid' | 'protocol' | 'exec-refused' | 'connection-lost';

export const sshFail = (reason: SshFailReason, message: string, extra: Record<string, unknown> = {}): AppError => new AppError('SSH_FAILED', message, { reason, ...extra });

/** Resolves the identity file inside the secrets dir (no escaping it via `..` or symlinks). */
export async function resolveIdentityFile(secretsDir: string, identityFile: string): Promise<string> {
  const root = await realpath(resolve(secretsDir)).catch(() => resolve(secretsDir));
  const wanted = isAbsolute(identityFile) ? identityFile : resolve(root, identityFile);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    throw sshFail('identity-missing', `identity file ${identityFile} not found under the secrets dir`);
  }
  const rel = relative(root, real);
  if (rel.startsWith('..') || isAbsolute(rel)) throw sshFail('identity-missing', `identity file ${identityFile} is outside the secrets dir`);
  return real;
}

async function loadPrivateKey(path: string, name: string): Promise<Buffer> {
  const key = await readFile(path).catch(() => {
    throw sshFail('identity-missing', `identity file ${name} is not readable`);
  });
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw sshFail('identity-invalid', `identity file ${name} is not a usable private key (encrypted keys are not supported): ${parsed.message}`);
  return key;
}

/** Opens an authenticated connection with the host key pinned. Rejects with SSH_FAILED. */
export interface ConnectOptions {
  secretsDir: string;
  /** TCP + handshake + auth deadline (default 10 s). */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

export async function sshConnect(target: SshTarget, opts: ConnectOptions): Promise<Client> {
  if (!target.hostKey) throw sshFail('host-key-mismatch', `no pinned host key configured for ${target.host}; refusing to connect`);
  const pin = parsePinnedHostKey(target.hostKey);
  const keyPath = await resolveIdentityFile(opts.secretsDir, target.identityFile);
  const privateKey = await loadPrivateKey(keyPath, target.identityFile);
  const where = `${target.user}@${target.host}:${target.port}`;
  const client = new Client();
  let presented: string | null = null;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    privateKey,
    readyTimeout: opts.connectTimeoutMs ?? 10_000,
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    // Agent and keyboard-interactive are never tried: only the configured key.
    tryKeyboard: false,
    hostVerifier: (key: Buffer) => {
      if (hostKeyMatches(pin, key)) return true;
      presented = fingerprintOf(key);
      return false;
    },
    ...(pin.type ? { algorithms: { serverHostKey: [pin.type] as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
  };
  return await new Promise<Client>((resolveConn, reject) => {
    let settled = false;
    const done = (err?: AppError) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        client.end();
        client.destroy();
        reject(err);
      } else resolveConn(client);
    };
    const onAbort = () => done(new AppError('CANCELLED', `cancelled while connecting to ${where}`));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => done());
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (presented) return done(sshFail('host-key-mismatch', `host key mismatch for ${where}: expected ${pin.fingerprint}, server presented ${presented}`, { expected: pin.fingerprint, presented }));
      if (err.level === 'client-authentication') return done(sshFail('auth-failed', `authentication failed for ${where} with identity ${target.identityFile}`));
      if (err.level === 'client-timeout') return done(sshFail('timeout', `no SSH handshake with ${where} within ${config.readyTimeout} ms`));
      if (err.level === 'client-socket') return done(sshFail('unreachable', `cannot reach ${where}: ${err.code ?? err.message}`, { cause: err.code ?? err.message }));
      if (/handshake failed|no matching/i.test(err.message) && pin.type) {
        return done(sshFail('host-key-mismatch', `${where} offers no ${pin.type} host key (pinned ${pin.fingerprint}): ${err.message}`, { expected: pin.fingerprint }));
      }
      done(sshFail('protocol', `SSH error with ${where}: ${err.message}`));
    });
    client.once('close', () => done(sshFail('connection-lost', `connection to ${where} closed before it was ready`)));
    try {
      client.connect(config);
    } catch (err) {
      done(sshFail('protocol', `cannot connect to ${where}: ${err instanceof Error ? err.message : String(err)}`));
    }
  });
}

