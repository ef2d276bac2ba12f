import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sshExec, type SshTarget } from '../src/ssh/exec';
import { remoteOps, shellOps, wrapperOps, type RemoteOps, type RemoteRunner } from '../src/ssh/remote-ops';
import { startSshd, type Sshd } from './helpers/sshd';
import { HOSTILE_CONFIG, rejection } from './helpers/ssh-config';

const WRAPPER = resolve(fileURLToPath(new URL('../../../deploy/boocontrol-wrapper.sh', import.meta.url)));
/** The remote clock: a fake `date` on the sshd PATH, far from control's own clock. */
const REMOTE_STAMP = '20200102T030405Z';

describe('RemoteOps against a real sshd', () => {
  let sshd: Sshd;
  let stage: string;
  let configDir: string;
  const runner =
    (identityFile: string): RemoteRunner =>
    (cmd, opts) =>
      sshExec({ host: sshd.host, port: sshd.port, user: sshd.user, identityFile, hostKey: sshd.hostKey } satisfies SshTarget, cmd, { ...opts, secretsDir: sshd.dir });

  beforeAll(async () => {
    stage = await mkdtemp(join(tmpdir(), 'boo-remote-ops-'));
    const wrapper = join(stage, 'boocontrol-wrapper.sh');
    sshd = await startSshd({
      keys: [{ name: 'wrapper', forcedCommand: wrapper }],
      tools: {
        date: `echo ${REMOTE_STAMP}`,
        'restart-llama': 'echo "restarting llama-swap"; touch "$HOME/restarted-by-shell"',
        'restart-broken': 'echo "Job for llama-swap.service failed" >&2; exit 5',
      },
    });
    // A config directory whose name needs quoting: spaces, quotes, a dollar sign.
    configDir = join(sshd.home, `llama swap's $dir`);
    await mkdir(configDir);
    await copyFile(WRAPPER, wrapper);
    await writeFile(
      join(stage, 'boocontrol-wrapper.conf'),
      [`BOOCONTROL_CONFIG='${join(sshd.home, 'wrapped', 'config.yaml')}'`, `BOOCONTROL_RESTART_CMD='touch "$HOME/restarted-by-wrapper"'`, ''].join('\n'),
    );
    await mkdir(join(sshd.home, 'wrapped'));
  });
  afterAll(async () => {
    await sshd?.close();
    await rm(stage, { recursive: true, force: true });
  });

  const modes = [
    {
      mode: 'shell' as const,
      config: () => join(configDir, 'config.yaml'),
      ops: (): RemoteOps => shellOps(runner('keys/id_ed25519'), { configPath: join(configDir, 'config.yaml'), restartCmd: 'restart-llama' }),
      restartedFile: 'restarted-by-shell',
    },
    {
      mode: 'wrapper' as const,
      config: () => join(sshd.home, 'wrapped', 'config.yaml'),
      ops: (): RemoteOps => wrapperOps(runner('keys/wrapper')),
      restartedFile: 'restarted-by-wrapper',
    },
  ];

  describe.each(modes)('$mode mode', ({ mode, config, ops, restartedFile }) => {
    beforeEach(async () => {
      await writeFile(config(), 'models: {}\n');
    });

    it('reads, backs up, writes and restarts; the backup path is the one the host chose', async () => {
      const o = ops();
      expect(o.mode).toBe(mode);
      expect((await o.read()).toString()).toBe('models: {}\n');
      const backup = await o.backup();
      // The host's clock (fake `date`) names the backup, not control's.
      expect(backup).toBe(`${config()}.bak-${REMOTE_STAMP}`);
      expect(readFileSync(backup, 'utf8')).toBe('models: {}\n');
      const again = await o.backup();
      expect(again).toBe(`${config()}.bak-${REMOTE_STAMP}-1`);
      await o.write(HOSTILE_CONFIG);
      expect(readFileSync(config()).equals(HOSTILE_CONFIG)).toBe(true);
      expect((await o.read()).equals(HOSTILE_CONFIG)).toBe(true);
      await o.restart();
      expect(existsSync(join(sshd.home, restartedFile))).toBe(true);
      expect(await o.listBackups()).toEqual(expect.arrayContaining([backup, again]));
      expect((await o.readBackup(basename(backup))).toString()).toBe('models: {}\n');
      await rm(backup);
      await rm(again);
    });

    it('transports hostile content byte-exact in both directions', async () => {
      const o = ops();
      for (const content of [HOSTILE_CONFIG, Buffer.from("'\n\"\n$\n`\n\\\nEOF\n", 'utf8'), Buffer.from('x'.repeat(200_000), 'utf8')]) {
        await o.write(content);
        expect(readFileSync(config()).equals(content)).toBe(true);
        expect((await o.read()).equals(content)).toBe(true);
      }
    });

    it('refuses backup names that are not backups of this config', async () => {
      const o = ops();
      for (const bad of ['../../etc/passwd', 'config.yaml', 'config.yaml.bak-x; rm -rf ~', `config.yaml.bak-${REMOTE_STAMP}\n`]) {
        expect((await rejection(o.readBackup(bad))).code, bad).toBe('VALIDATION');
      }
    });

    it('prunes all but the newest backups (stamp, then -n as a number), touching nothing else', async () => {
      const o = ops();
      const dir = dirname(config());
      const ours = [REMOTE_STAMP, `${REMOTE_STAMP}-2`, `${REMOTE_STAMP}-10`, '20190101T000000Z'].map((s) => `config.yaml.bak-${s}`);
      const others = ['other.yaml.bak-20190101T000000Z', `config.yaml.bak-${REMOTE_STAMP}; touch pwned`, `config.yaml.bak-${REMOTE_STAMP}-1234`];
      for (const name of [...ours, ...others]) await writeFile(join(dir, name), 'x\n');
      expect(await o.pruneBackups(2)).toEqual([`config.yaml.bak-${REMOTE_STAMP}`, 'config.yaml.bak-20190101T000000Z']);
      expect(await o.pruneBackups(2)).toEqual([]);
      expect((await o.listBackups()).map((p) => basename(p)).sort()).toEqual([`config.yaml.bak-${REMOTE_STAMP}-10`, `config.yaml.bak-${REMOTE_STAMP}-2`]);
      for (const name of others) expect(existsSync(join(dir, name)), name).toBe(true);
      expect(existsSync(join(sshd.home, 'pwned'))).toBe(false);
      await Promise.all([...ours, ...others].map((name) => rm(join(dir, name), { force: true })));
    });
  });

  it('a wrapper-mode host without the wrapper fails loudly with the step status and stderr, never falling back', async () => {
    const o = wrapperOps(runner('keys/id_ed25519'));
    const backup = await rejection(o.backup());
    expect(backup.code).toBe('SSH_FAILED');
    expect(backup.details).toMatchObject({ reason: 'remote-exit', mode: 'wrapper', step: 'backup', exitCode: 127 });
    expect(backup.message).toMatch(/wrapper step "backup" failed with exit status 127/);
    expect(backup.message).toMatch(/backup: (command )?not found/);
    expect(String(backup.details.stderr)).toMatch(/not found/);
    const restart = await rejection(o.restart());
    expect(restart.details).toMatchObject({ step: 'restart', exitCode: 127 });
    const read = await rejection(o.read());
    expect(read.code).toBe('SSH_FAILED');
    expect(read.details).toMatchObject({ step: 'read' });
    const write = await rejection(o.write(Buffer.from('models: {}\n')));
    expect(write.code).toBe('SSH_FAILED');
    expect(write.details).toMatchObject({ step: 'write' });
  });

  it('shell mode reports a failing restart with its stderr', async () => {
    const o = shellOps(runner('keys/id_ed25519'), { configPath: join(configDir, 'config.yaml'), restartCmd: 'restart-broken' });
    const r = await rejection(o.restart());
    expect(r.code).toBe('SSH_FAILED');
    expect(r.details).toMatchObject({ step: 'restart', exitCode: 5 });
    expect(r.message).toMatch(/llama-swap.service failed/);
  });

  it('shell mode needs a config path and a restart command, and refuses unsafe paths', async () => {
    const run = runner('keys/id_ed25519');
    expect((await rejection(shellOps(run, {}).read())).code).toBe('VALIDATION');
    expect((await rejection(shellOps(run, { configPath: '/x' }).restart())).code).toBe('VALIDATION');
    for (const bad of ['relative.yaml', '/a/../etc/passwd', '/a/b\nrm -rf ~']) {
      expect((await rejection(remoteOps('shell', run, { configPath: bad }).read())).code, bad).toBe('VALIDATION');
    }
  });
});
