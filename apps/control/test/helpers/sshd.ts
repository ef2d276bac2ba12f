import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SSHD = process.env.SSHD_BIN ?? '/usr/sbin/sshd';

export interface SshdKeyOptions {
  /** Name of the key (file `<dir>/keys/<name>`). */
  name: string;
  /** An authorized_keys `command="…"` forced command (for wrapper tests). */
  forcedCommand?: string;
  /** Generate the key but do NOT authorize it (for wrong-key tests). */
  unauthorized?: boolean;
}

export interface SshdOptions {
  /** Extra keys beyond the default `id_ed25519` (which is authorized without a forced command). */
  keys?: SshdKeyOptions[];
  /** Executable fake tools: name → script body (a `#!/bin/sh` line is added when missing). */
  tools?: Record<string, string>;
  /** sshd LogLevel (default VERBOSE; DEBUG3 to see channel requests). */
  logLevel?: string;
}

export interface Sshd {
  host: string;
  port: number;
  user: string;
  /** Absolute path of the default private key (authorized, no forced command). */
  identityFile: string;
  /** Absolute paths of every generated private key by name (`default` included). */
  identities: Record<string, string>;
  /** The server's host key as an OpenSSH public line: `ssh-ed25519 AAAA…`. */
  hostKey: string;
  /** `SHA256:…` fingerprint of the host key. */
  hostKeyFingerprint: string;
  /** The temp dir holding everything; use it as the secrets dir in tests. */
  dir: string;
  /** HOME of remote sessions (an empty temp dir). */
  home: string;
  /** Directory prepended to PATH of remote sessions; `tools` are written here. */
  binDir: string;
  /** sshd's stderr so far (debug output when a test fails). */
  log(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the port answers with an SSH banner. */
async function waitForBanner(port: number, proc: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`sshd exited with ${proc.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      const t = setTimeout(() => (sock.destroy(), resolve(false)), 500);
      sock.once('data', (d) => {
        clearTimeout(t);
        sock.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      sock.once('error', () => (clearTimeout(t), resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on port ${port}: ${log()}`);
}

/**
 * Starts a real OpenSSH sshd on 127.0.0.1:<free port>, as the current user, with everything
 * (host key, user keys, authorized_keys, HOME, fake tools) in a fresh temp dir.
 */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install -y openssh-server`);
  const dir = await mkdtemp(join(tmpdir(), 'boo-sshd-'));
  const keysDir = join(dir, 'keys');
  const home = join(dir, 'home');
  const binDir = join(dir, 'bin');
  await Promise.all([mkdir(keysDir), mkdir(home), mkdir(binDir)]);
  const user = userInfo().username;
  // Privilege separation needs its empty chroot dir when sshd runs as root.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);

  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'boo-test-host', '-f', hostKeyPath]);
  const keys: SshdKeyOptions[] = [{ name: 'default' }, ...(opts.keys ?? [])];
  const identities: Record<string, string> = {};
  const authorized: string[] = [];
  for (const k of keys) {
    const file = join(keysDir, k.name === 'default' ? 'id_ed25519' : k.name);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `boo-test-${k.name}`, '-f', file]);
    identities[k.name] = file;
    if (k.unauthorized) continue;
    const pub = (await readFile(`${file}.pub`, 'utf8')).trim();
    const forced = k.forcedCommand ? `command="${k.forcedCommand.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding ` : '';
    authorized.push(`${forced}${pub}`);
  }
  const authFile = join(dir, 'authorized_keys');
  await writeFile(authFile, `${authorized.join('\n')}\n`, { mode: 0o600 });
  for (const [name, body] of Object.entries(opts.tools ?? {})) {
    const path = join(binDir, name);
    await writeFile(path, body.startsWith('#!') ? body : `#!/bin/sh\n${body}`);
    await chmod(path, 0o755);
  }

  const port = await freePort();
  const cfg = join(dir, 'sshd_config');
  await writeFile(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authFile}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `PermitRootLogin ${user === 'root' ? 'prohibit-password' : 'no'}`,
      `AllowUsers ${user}`,
      `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
      'MaxStartups 50',
      'LoginGraceTime 20',
      `SetEnv PATH=${binDir}:/usr/local/bin:/usr/bin:/bin HOME=${home} BOO_TEST_SSHD=1`,
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  // -D: stay in the foreground (we own the process), -e: log to stderr.
  const proc = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 256 * 1024) stderr = stderr.slice(-128 * 1024);
  });
  const log = () => stderr;
  try {
    await waitForBanner(port, proc, log);
  } catch (err) {
    proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const hostKey = (await readFile(`${hostKeyPath}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  const fp = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKeyPath}.pub`])).stdout.split(/\s+/)[1] ?? '';
  let closed = false;
  return {
    host: '127.0.0.1',
    port,
    user,
    identityFile: identities.default!,
    identities,
    hostKey,
    hostKeyFingerprint: fp,
    dir,
    home,
    binDir,
    log,
    async close() {
      if (closed) return;
      closed = true;
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
