import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshExec, type SshTarget } from '../src/ssh/exec';
import { parsePinnedHostKey } from '../src/ssh/host-key';
import { assertModelId, assertRemotePath, shJoin, shPath, shQuote } from '../src/ssh/quote';
import { startSshd, type Sshd } from './helpers/sshd';
import { alive, rejection, until } from './helpers/ssh-config';

describe('shell quoting', () => {
  it('single-quotes anything that is not a plain word', () => {
    expect(shQuote('abc-1.2_x/y:z')).toBe('abc-1.2_x/y:z');
    expect(shQuote('')).toBe("''");
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(shQuote('$(rm -rf /); `x` | y & z > w')).toBe(`'$(rm -rf /); \`x\` | y & z > w'`);
    expect(() => shQuote('a\u0000b')).toThrow(/NUL/);
    expect(shJoin(['echo', 'a b', '*'])).toBe(`echo 'a b' '*'`);
  });

  it('turns ~/ into "$HOME"/ and quotes the rest', () => {
    expect(shPath('~/ai/scripts/switch gpt.sh')).toBe(`"$HOME"/'ai/scripts/switch gpt.sh'`);
    expect(shPath('/opt/x.sh')).toBe('/opt/x.sh');
    expect(() => assertRemotePath('relative.sh')).toThrow();
    expect(() => assertRemotePath('/opt/../etc/passwd')).toThrow();
    expect(() => assertRemotePath('/opt/x.sh\nrm -rf /')).toThrow();
  });

  it('rejects model ids with shell metacharacters', () => {
    expect(assertModelId('qwen/qwen3-30b:q4_k_m')).toBe('qwen/qwen3-30b:q4_k_m');
    for (const bad of ['a;b', 'a b', '$(x)', '`x`', 'a|b', '-rf', 'a\nb', '../x', "a'b", 'a>b']) expect(() => assertModelId(bad), bad).toThrow();
  });

  it('parses pinned host keys in both spellings and rejects junk', () => {
    expect(() => parsePinnedHostKey('nonsense')).toThrow();
    expect(() => parsePinnedHostKey('ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ')).toThrow(/does not match/);
  });
});

describe('sshExec against a real sshd', () => {
  let sshd: Sshd;
  let target: SshTarget;
  let secretsDir: string;

  beforeAll(async () => {
    sshd = await startSshd({ keys: [{ name: 'stranger', unauthorized: true }, { name: 'wrapped', forcedCommand: 'echo "forced:$SSH_ORIGINAL_COMMAND"' }], tools: { 'fake-tool': 'echo "tool:$1"' } });
    secretsDir = sshd.dir;
    target = { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: 'keys/id_ed25519', hostKey: sshd.hostKey };
  });
  afterAll(async () => {
    await sshd?.close();
  });

  it('runs a command, streams stdout and stderr, returns the exit code', async () => {
    const chunks: string[] = [];
    const errs: string[] = [];
    const r = await sshExec(target, { command: 'echo hello; echo oops >&2; fake-tool x; exit 3' }, {
      secretsDir,
      pidMarker: true, // the marker line is stripped from stderr
      onStdout: (c) => chunks.push(c.toString()),
      onStderr: (c) => errs.push(c.toString()),
    });
    expect(r.code).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('hello\ntool:x\n');
    expect(r.stderr).toBe('oops\n');
    expect(chunks.join('')).toBe(r.stdout);
    expect(errs.join('')).toBe('oops\n');
  });

  it('passes argv quoted: metacharacters reach the program as text', async () => {
    const hostile = ['$(touch pwned)', '`touch pwned2`', 'a; touch pwned3', "it's", 'x\ny', '*', '&& exit 9'];
    const r = await sshExec(target, { argv: ['printf', '%s|', ...hostile] }, { secretsDir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(hostile.map((h) => `${h}|`).join(''));
    expect(existsSync(join(sshd.home, 'pwned'))).toBe(false);
  });

  it('writes stdin byte-exact', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 39, 36, 0x60]);
    const r = await sshExec(target, { command: 'od -An -tx1 -v' }, { secretsDir, stdin: bytes });
    expect(r.stdout.replace(/\s+/g, '')).toBe(bytes.toString('hex'));
    const cat = await sshExec(target, { argv: ['sh', '-c', 'cat > "$HOME/in.bin"; wc -c < "$HOME/in.bin"'] }, { secretsDir, stdin: 'x'.repeat(300_000) });
    expect(cat.stdout.trim()).toBe('300000');
  });

  it('keeps bounded tails', async () => {
    const r = await sshExec(target, { command: 'head -c 100000 /dev/zero | tr "\\0" a' }, { secretsDir, maxBufferBytes: 1000 });
    expect(r.stdout).toHaveLength(1000);
    expect(r.stdoutTruncated).toBe(true);
  });

  it('accepts a SHA256 fingerprint pin', async () => {
    const r = await sshExec({ ...target, hostKey: sshd.hostKeyFingerprint }, { command: 'echo ok' }, { secretsDir });
    expect(r.stdout).toBe('ok\n');
  });

  it('refuses a host whose key does not match the pin, without authenticating', async () => {
    const other = parsePinnedHostKey(readFileSync(`${sshd.identities.stranger}.pub`, 'utf8'));
    const t0 = Date.now();
    const e = await rejection(sshExec({ ...target, hostKey: readFileSync(`${sshd.identities.stranger}.pub`, 'utf8') }, { command: 'touch "$HOME/should-not-run"' }, { secretsDir }));
    expect(e.code).toBe('SSH_FAILED');
    expect(e.details.reason).toBe('host-key-mismatch');
    expect(e.message).toContain(other.fingerprint);
    expect(e.message).toContain(sshd.hostKeyFingerprint);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(existsSync(join(sshd.home, 'should-not-run'))).toBe(false);
    const fp = await rejection(sshExec({ ...target, hostKey: `SHA256:${'A'.repeat(43)}` }, { command: 'true' }, { secretsDir }));
    expect(fp.details.reason).toBe('host-key-mismatch');
    const none = await rejection(sshExec({ ...target, hostKey: '' }, { command: 'true' }, { secretsDir }));
    expect(none.details.reason).toBe('host-key-mismatch');
  });

  it('fails fast and clearly with a key the server does not know', async () => {
    const t0 = Date.now();
    const e = await rejection(sshExec({ ...target, identityFile: 'keys/stranger' }, { command: 'true' }, { secretsDir }));
    expect(e.code).toBe('SSH_FAILED');
    expect(e.details.reason).toBe('auth-failed');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(e.message).not.toMatch(/PRIVATE KEY/);
  });

  it('fails fast when the host is unreachable', async () => {
    const t0 = Date.now();
    const e = await rejection(sshExec({ ...target, port: 1 }, { command: 'true' }, { secretsDir }));
    expect(e.code).toBe('SSH_FAILED');
    expect(e.details.reason).toBe('unreachable');
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('keeps the identity file inside the secrets dir', async () => {
    const outside = join(sshd.dir, '..', `boo-outside-${process.pid}`);
    await mkdir(outside, { recursive: true });
    await copyFile(sshd.identityFile, join(outside, 'key'));
    await symlink(join(outside, 'key'), join(sshd.dir, 'keys', 'link')).catch(() => undefined);
    for (const f of ['../boo-outside-' + process.pid + '/key', join(outside, 'key'), 'keys/link', 'keys/missing']) {
      const e = await rejection(sshExec({ ...target, identityFile: f }, { command: 'true' }, { secretsDir }));
      expect(e.details.reason, f).toBe('identity-missing');
    }
    await writeFile(join(sshd.dir, 'keys', 'junk'), 'not a key');
    const junk = await rejection(sshExec({ ...target, identityFile: 'keys/junk' }, { command: 'true' }, { secretsDir }));
    expect(junk.details.reason).toBe('identity-invalid');
  });

  it('abort kills the remote process group (the shell and its children)', async () => {
    const ac = new AbortController();
    const pidFile = join(sshd.home, 'pids');
    const p = sshExec(target, { command: `sleep 300 & echo "$$ $!" > ${pidFile}; echo started; wait` }, { secretsDir, signal: ac.signal, killGraceMs: 500, pidMarker: true });
    const pids = await until(() => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split(' ').map(Number) : null), 'the remote pids');
    expect(pids.every(alive)).toBe(true);
    const t0 = Date.now();
    ac.abort();
    const e = await rejection(p);
    expect(e.code).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(5_000);
    await until(() => pids.every((pid) => !alive(pid)), 'the remote processes to die');
  });

  it('a timeout kills the command and reports TIMEOUT with the output so far', async () => {
    const pidFile = join(sshd.home, 'pid-timeout');
    const e = await rejection(sshExec(target, { command: `echo $$ > ${pidFile}; echo partial; exec sleep 300` }, { secretsDir, timeoutMs: 700, killGraceMs: 300, pidMarker: true }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.details.stdout).toBe('partial\n');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    await until(() => !alive(pid), 'the timed-out process to die');
  });

  it('honours a forced command per key; the command arrives untouched in SSH_ORIGINAL_COMMAND', async () => {
    const r = await sshExec({ ...target, identityFile: 'keys/wrapped' }, { argv: ['status', 'a b'] }, { secretsDir });
    expect(r.stdout).toBe("forced:status 'a b'\n");
  });

  it('reports a signal death', async () => {
    const r = await sshExec(target, { command: 'kill -USR1 $$' }, { secretsDir });
    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGUSR1');
  });
});
