import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sshExec, type SshTarget } from '../src/ssh/exec';
import { startSshd, type Sshd } from './helpers/sshd';
import { alive, HOSTILE_CONFIG, until } from './helpers/ssh-config';

const WRAPPER = resolve(fileURLToPath(new URL('../../../deploy/boocontrol-wrapper.sh', import.meta.url)));

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the wrapper directly with a shell, env-configured, the verb in SSH_ORIGINAL_COMMAND. */
function runWrapper(shell: string, env: Record<string, string>, command: string | null, stdin?: Buffer | string, args: string[] = []): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(shell, [WRAPPER, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? tmpdir(), BOOCONTROL_WRAPPER_CONF: '/nonexistent', ...env, ...(command !== null ? { SSH_ORIGINAL_COMMAND: command } : {}) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(out), stderr: err }));
    // A refused command exits without reading stdin: the write may then fail with EPIPE, which is
    // the wrapper's behaviour under test, not an error of the test.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

const shells = ['dash', 'bash'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);

describe.each(shells)('boocontrol-wrapper.sh run directly with %s', (shell) => {
  let dir: string;
  let env: Record<string, string>;
  let config: string;
  const run = (command: string | null, stdin?: Buffer | string, args?: string[]) => runWrapper(shell, env, command, stdin, args);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'boo-wrapper-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, 'models: {}\n');
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'home'));
    env = {
      HOME: join(dir, 'home'),
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      BOOCONTROL_CONFIG: config,
      BOOCONTROL_RESTART_CMD: `echo restarted > ${join(dir, 'restarted')}`,
      BOOCONTROL_MODELS_DIR: join(dir, 'models'),
      BOOCONTROL_HF_CLI: join(dir, 'bin', 'hf'),
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('read prints the config byte for byte', async () => {
    await writeFile(config, HOSTILE_CONFIG);
    const r = await run('read');
    expect(r.code).toBe(0);
    expect(r.stdout.equals(HOSTILE_CONFIG)).toBe(true);
  });

  it('backup prints the path it chose; backups in the same second get distinct names', async () => {
    await writeFile(config, HOSTILE_CONFIG);
    const a = await run('backup');
    const b = await run('backup');
    expect(a.code).toBe(0);
    const pa = a.stdout.toString().trim();
    const pb = b.stdout.toString().trim();
    expect(pa).toMatch(/\/config\.yaml\.bak-\d{8}T\d{6}Z(-\d+)?$/);
    expect(pb).not.toBe(pa);
    expect(readFileSync(pa).equals(HOSTILE_CONFIG)).toBe(true);
    expect(readFileSync(pb).equals(HOSTILE_CONFIG)).toBe(true);
    const listed = (await run('backups')).stdout.toString().trim().split('\n').sort();
    expect(listed).toEqual([pa, pb].sort());
    const one = await run(`read-backup ${pa.split('/').pop()!}`);
    expect(one.code).toBe(0);
    expect(one.stdout.equals(HOSTILE_CONFIG)).toBe(true);
  });

  it('write replaces the config atomically with stdin, byte-exact, keeping its mode', async () => {
    await chmod(config, 0o640);
    const r = await run('write', HOSTILE_CONFIG);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(config).equals(HOSTILE_CONFIG)).toBe(true);
    expect((await stat(config)).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('write refuses empty input and leaves the config alone', async () => {
    const r = await run('write', '');
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/empty/);
    expect(await readFile(config, 'utf8')).toBe('models: {}\n');
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('restart runs the configured command and passes a failure through with its status', async () => {
    expect((await run('restart')).code).toBe(0);
    expect(await readFile(join(dir, 'restarted'), 'utf8')).toBe('restarted\n');
    env.BOOCONTROL_RESTART_CMD = 'echo "unit failed" >&2; exit 3';
    const r = await run('restart');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unit failed/);
    expect(r.stderr).toMatch(/exit status 3/);
  });

  it('reports missing configuration with exit 78 and unknown verbs with 64', async () => {
    delete env.BOOCONTROL_CONFIG;
    expect((await run('read')).code).toBe(78);
    expect((await run('frobnicate')).code).toBe(64);
    expect((await run(null)).code).toBe(64);
    expect((await run('read extra')).code).toBe(64);
  });

  it('reads its conf file next to the script', async () => {
    const copy = join(dir, 'wrapper.sh');
    await copyFile(WRAPPER, copy);
    await writeFile(join(dir, 'boocontrol-wrapper.conf'), `BOOCONTROL_CONFIG='${config}'\n`);
    await writeFile(config, 'from-conf: 1\n');
    const r = spawnSync(shell, [copy, 'read'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: env.HOME } });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('from-conf: 1\n');
  });

  it('refuses hostile commands before doing anything', async () => {
    const canary = join(dir, 'canary');
    const hostile = [
      `read; touch ${canary}`,
      `read && touch ${canary}`,
      `pull a/b;touch ${canary}`,
      `pull $(touch ${canary})/x`,
      `pull \`touch ${canary}\`/x`,
      `pull a/b\ntouch ${canary}`,
      'pull ../x',
      'pull a/..',
      'pull ../../etc',
      'pull -rf/x',
      'pull a/b/c',
      'pull a',
      'pull a/b ../../etc/passwd',
      'pull a/b /etc/passwd',
      'pull a/b -o',
      'read-backup ../../etc/passwd',
      'read-backup config.yaml',
      `cancel 1;touch ${canary}`,
      'cancel -1',
      'cancel 123',
    ];
    await writeFile(join(dir, 'bin', 'hf'), `#!/bin/sh\ntouch ${canary}\n`);
    await chmod(join(dir, 'bin', 'hf'), 0o755);
    for (const cmd of hostile) {
      const r = await run(cmd);
      expect(r.code, cmd).not.toBe(0);
      expect([64, 65, 66], `${cmd}: ${r.stderr}`).toContain(r.code);
    }
    expect(existsSync(canary)).toBe(false);
    expect(existsSync(join(dir, 'models'))).toBe(false);
  });

  it('pull runs the downloader with exactly the validated arguments', async () => {
    await writeFile(join(dir, 'bin', 'hf'), `#!/bin/sh\nfor a in "$@"; do printf '[%s]' "$a"; done > "${join(dir, 'args')}"\necho "model.gguf: 50%|#####     | 1/2"\necho "model.gguf: 100%|##########| 2/2"\n`);
    await chmod(join(dir, 'bin', 'hf'), 0o755);
    const r = await run('pull org-1/Model_2.5-GGUF sub/model-Q4_K_M.gguf');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trim().split('\n');
    // The id line races the downloader's own first lines (both write to the same pipe).
    expect(lines.filter((l) => /^boocontrol-pull-pid \d+$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => !l.startsWith('boocontrol-pull-pid'))).toEqual(['model.gguf: 50%|#####     | 1/2', 'model.gguf: 100%|##########| 2/2']);
    expect(await readFile(join(dir, 'args'), 'utf8')).toBe(`[download][org-1/Model_2.5-GGUF][sub/model-Q4_K_M.gguf][--local-dir][${join(dir, 'models', 'org-1/Model_2.5-GGUF')}]`);
    expect(existsSync(join(dir, 'models', 'org-1', 'Model_2.5-GGUF'))).toBe(true);
    // The pid file is gone once the pull ends.
    expect(readdirSync(join(dir, 'home', '.boocontrol'))).toEqual([]);
  });

  it('pull passes the downloader failure through with its stderr', async () => {
    await writeFile(join(dir, 'bin', 'hf'), '#!/bin/sh\necho "401 Client Error: repository not found" >&2\nexit 2\n');
    await chmod(join(dir, 'bin', 'hf'), 0o755);
    const r = await run('pull nobody/nothing');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/repository not found/);
  });

  it('cancel stops a running pull and everything it started', async () => {
    const pidFile = join(dir, 'hf.pid');
    await writeFile(join(dir, 'bin', 'hf'), `#!/bin/sh\necho $$ > "${pidFile}"\nwhile :; do echo "downloading 10%"; sleep 0.2; done\n`);
    await chmod(join(dir, 'bin', 'hf'), 0o755);
    const pulling = run('pull a/b');
    const hfPid = Number(await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 'the downloader to start'));
    expect(alive(hfPid)).toBe(true);
    const files = readdirSync(join(dir, 'home', '.boocontrol'));
    expect(files).toHaveLength(1);
    const id = files[0]!.replace('pull.', '');
    const c = await run(`cancel ${id}`);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const r = await pulling;
    expect(r.code).not.toBe(0);
    await until(() => !alive(hfPid), 'the downloader to be gone');
    expect((await run(`cancel ${id}`)).code).toBe(66);
  });
});

describe('boocontrol-wrapper.sh as a forced command behind a real sshd', () => {
  let sshd: Sshd;
  let target: SshTarget;
  let config: string;
  const exec = (command: string, stdin?: Buffer, signal?: AbortSignal) =>
    sshExec(target, { command }, { secretsDir: sshd.dir, timeoutMs: 20_000, ...(stdin ? { stdin } : {}), ...(signal ? { signal } : {}) });

  beforeAll(async () => {
    const stage = await mkdtemp(join(tmpdir(), 'boo-wrapper-sshd-'));
    const wrapper = join(stage, 'boocontrol-wrapper.sh');
    sshd = await startSshd({
      keys: [{ name: 'wrapper', forcedCommand: wrapper }],
      // Quiet after the first line: it cannot die of SIGPIPE, only of the wrapper stopping it.
      tools: { hf: `echo "downloading 10%"\necho $$ > "$HOME/hf.pid"\nwhile :; do sleep 0.2; done` },
    });
    config = join(sshd.home, 'config.yaml');
    await copyFile(WRAPPER, wrapper);
    await writeFile(
      join(stage, 'boocontrol-wrapper.conf'),
      [`BOOCONTROL_CONFIG='${config}'`, `BOOCONTROL_RESTART_CMD='touch "$HOME/restarted"'`, `BOOCONTROL_MODELS_DIR='${join(sshd.home, 'models')}'`, 'BOOCONTROL_HF_CLI=hf', ''].join('\n'),
    );
    await writeFile(config, 'models: {}\n');
    target = { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: 'keys/wrapper', hostKey: sshd.hostKey };
    stageDir = stage;
  });
  let stageDir = '';
  afterAll(async () => {
    await sshd?.close();
    if (stageDir) await rm(stageDir, { recursive: true, force: true });
  });

  it('serves read, backup, write and restart, whatever the client asks to run', async () => {
    const w = await exec('write', HOSTILE_CONFIG);
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const chunks: Buffer[] = [];
    const r = await sshExec(target, { command: 'read' }, { secretsDir: sshd.dir, onStdout: (c) => chunks.push(c) });
    expect(r.code).toBe(0);
    expect(Buffer.concat(chunks).equals(HOSTILE_CONFIG)).toBe(true);
    const b = await exec('backup');
    expect(b.code).toBe(0);
    expect(readFileSync(b.stdout.trim()).equals(HOSTILE_CONFIG)).toBe(true);
    expect((await exec('restart')).code).toBe(0);
    expect(existsSync(join(sshd.home, 'restarted'))).toBe(true);
  });

  it('refuses a shell command smuggled in as the requested command', async () => {
    const canary = join(sshd.home, 'pwned');
    const r = await exec(`read; touch ${canary}`);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/refusing/);
    const r2 = await exec(`touch ${canary}`);
    expect(r2.code).toBe(64);
    expect(existsSync(canary)).toBe(false);
  });

  it('stops a pull whose SSH connection goes away (the watchdog)', async () => {
    const pidFile = join(sshd.home, 'hf.pid');
    await rm(pidFile, { force: true });
    const abort = new AbortController();
    const pulling = exec('pull a/b', undefined, abort.signal).catch((e: unknown) => e);
    const pid = Number(await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 'the downloader to start'));
    expect(alive(pid)).toBe(true);
    // Cancel without the wrapper's cancel verb: exec's signals are refused for forced commands,
    // so this only drops the connection; the wrapper's watchdog must stop the download.
    abort.abort();
    await pulling;
    await until(() => !alive(pid), 'the downloader to be gone after the connection closed', 15_000);
  });
});

describe('shellcheck', () => {
  it('finds nothing in deploy/boocontrol-wrapper.sh', async () => {
    const available = spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0;
    if (!available && !process.env.CI) {
      // CI installs Debian's shellcheck; locally: apt-get install -y shellcheck.
      console.warn('shellcheck is not installed; the wrapper lint runs in CI');
      return;
    }
    const out = await new Promise<{ code: number | null; text: string }>((done) =>
      execFile('shellcheck', ['-s', 'sh', '-S', 'style', WRAPPER], (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, text: stdout + stderr })),
    );
    expect(out.text).toBe('');
    expect(out.code).toBe(0);
  });
});
