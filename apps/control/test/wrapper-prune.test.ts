import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupsToPrune } from '../src/ssh/backups';
import type { ExecResult, RemoteCommand } from '../src/ssh/exec';
import { shellOps, wrapperOps, type RemoteRunner } from '../src/ssh/remote-ops';
import { rejection } from './helpers/ssh-config';

const WRAPPER = resolve(fileURLToPath(new URL('../../../deploy/boocontrol-wrapper.sh', import.meta.url)));
const shells = ['dash', 'bash'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);

describe.each(shells)('boocontrol-wrapper.sh prune, run directly with %s', (shell) => {
  let dir: string;
  let config: string;
  const run = (command: string) => {
    const r = spawnSync(shell, [WRAPPER], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, BOOCONTROL_WRAPPER_CONF: '/nonexistent', BOOCONTROL_CONFIG: config, SSH_ORIGINAL_COMMAND: command } });
    return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const backups = () => readdirSync(join(dir, 'cfg')).filter((n) => n.startsWith('config.yaml.bak-')).sort();
  const seed = ['20190101T000000Z', '20190101T000000Z-2', '20190101T000000Z-10', '20200101T000000Z', '20180101T000000Z-1'].map((s) => `config.yaml.bak-${s}`);
  const bystanders = ['config.yaml.bak-20250101T000000Z-1234', 'config.yaml.bak-20250101T000000Z; touch pwned', 'config.yaml.bak-2025', 'other.yaml.bak-20250101T000000Z'];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'boo-wrapper-prune-'));
    config = join(dir, 'cfg', 'config.yaml');
    await mkdir(join(dir, 'cfg'));
    await writeFile(config, 'models: {}\n');
    for (const name of [...seed, ...bystanders]) await writeFile(join(dir, 'cfg', name), 'x\n');
    // A directory named like the newest backup is not a backup and is neither counted nor removed.
    await mkdir(join(dir, 'cfg', 'config.yaml.bak-20300101T000000Z'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes all but the newest <keep> by the stamp, then the -n counter, and prints their paths', () => {
    const r = run('prune 2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const removed = ['20190101T000000Z-2', '20190101T000000Z', '20180101T000000Z-1'].map((s) => join(dir, 'cfg', `config.yaml.bak-${s}`));
    expect(r.stdout).toBe(`${removed.join('\n')}\n`);
    expect(backups()).toEqual([...bystanders.filter((n) => n.startsWith('config.yaml')), 'config.yaml.bak-20190101T000000Z-10', 'config.yaml.bak-20200101T000000Z', 'config.yaml.bak-20300101T000000Z'].sort());
    // Control's own choice agrees with the wrapper's.
    expect(backupsToPrune(seed, 2)).toEqual(removed.map((p) => p.split('/').pop()));
    expect(existsSync(join(dir, 'cfg', 'other.yaml.bak-20250101T000000Z'))).toBe(true);
  });

  it('prints nothing when there is nothing to remove', () => {
    const before = backups();
    for (const command of ['prune 5', 'prune 1000']) {
      const r = run(command);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toBe('');
    }
    expect(backups()).toEqual(before);
  });

  it('validates <keep> itself and refuses hostile input before touching anything', () => {
    const canary = join(dir, 'canary');
    const before = backups();
    for (const command of ['prune 0', 'prune x', 'prune -1', 'prune 01', 'prune 1001', 'prune 99999', 'prune 2 3', 'prune', `prune 2;touch ${canary}`, `prune $(touch ${canary})`, 'prune 1e3']) {
      const r = run(command);
      expect(r.code, command).not.toBe(0);
      expect([64, 65], `${command}: ${r.stderr}`).toContain(r.code);
    }
    expect(run('prune 0').stderr).toMatch(/invalid keep/);
    expect(existsSync(canary)).toBe(false);
    expect(backups()).toEqual(before);
  });
});

describe('pruneBackups on the control side', () => {
  const ok = (stdout: string): ExecResult => ({ code: 0, signal: null, stdout, stderr: '', stdoutTruncated: false, stderrTruncated: false, durationMs: 1 });
  /** A fake host: answers each command with the next output and records what was sent. */
  const fakeHost = (...outputs: string[]) => {
    const sent: RemoteCommand[] = [];
    const run: RemoteRunner = async (cmd, opts) => {
      sent.push(cmd);
      const out = outputs.shift() ?? '';
      opts.onStdout?.(Buffer.from(out));
      return ok(out);
    };
    return { run, sent };
  };

  it('refuses a keep outside 1..1000 before anything reaches the host', async () => {
    for (const keep of [0, -1, 1001, 1.5, Number.NaN]) {
      const host = fakeHost();
      expect((await rejection(wrapperOps(host.run).pruneBackups(keep))).code, String(keep)).toBe('VALIDATION');
      expect((await rejection(shellOps(host.run, { configPath: '/etc/llama/config.yaml' }).pruneBackups(keep))).code).toBe('VALIDATION');
      expect(host.sent).toEqual([]);
    }
  });

  it('wrapper mode sends only the verb and accepts only backups of this one config', async () => {
    const good = '/h/config.yaml.bak-20200101T000000Z\n/h/config.yaml.bak-20190101T000000Z-2\n';
    const host = fakeHost(good, '');
    expect(await wrapperOps(host.run).pruneBackups(3)).toEqual(['config.yaml.bak-20200101T000000Z', 'config.yaml.bak-20190101T000000Z-2']);
    expect(await wrapperOps(host.run).pruneBackups(3)).toEqual([]);
    expect(host.sent).toEqual([{ argv: ['prune', '3'] }, { argv: ['prune', '3'] }]);
    for (const [out, configPath] of [
      ['/etc/passwd\n'],
      ['config.yaml.bak-20200101T000000Z\n'],
      ['/h/config.yaml.bak-20200101T000000Z'],
      ['/h/config.yaml.bak-20200101T000000Z\n\n'],
      ['/h/config.yaml.bak-20200101T000000Z\r\n'],
      ['/h/config.yaml.bak-20200101T000000Z\n/h/other.yaml.bak-20200101T000000Z\n'],
      ['/h/config.yaml.bak-20200101T000000Z\n/x/config.yaml.bak-20200101T000000Z\n'],
      ['/h/config.yaml.bak-20200101T000000Z-1234\n'],
      ['/h/config.yaml.bak-20200101T000000Z\n', '/h/llama.yaml'],
    ] as const) {
      const r = await rejection(wrapperOps(fakeHost(out).run, { configPath }).pruneBackups(2));
      expect(r, JSON.stringify(out)).toMatchObject({ code: 'SSH_FAILED', details: { reason: 'protocol', step: 'prune' } });
    }
  });

  it('shell mode removes only validated names next to the config, each quoted', async () => {
    const listing = ['config.yaml.bak-20190101T000000Z', 'config.yaml.bak-20190101T000000Z-10', "config.yaml.bak-2019'; rm -rf ~", 'config.yaml.bak-20180101T000000Z-2', 'config.yaml.bak-20200101T000000Z'];
    const host = fakeHost(listing.map((n) => `/home/boo/ai dir/${n}\n`).join(''));
    const removed = await shellOps(host.run, { configPath: "~/ai dir/config.yaml" }).pruneBackups(2);
    expect(removed).toEqual(['config.yaml.bak-20190101T000000Z', 'config.yaml.bak-20180101T000000Z-2']);
    expect(host.sent[1]).toEqual({ command: `rm -f -- "$HOME"/'ai dir/config.yaml.bak-20190101T000000Z' "$HOME"/'ai dir/config.yaml.bak-20180101T000000Z-2'` });
    expect(host.sent).toHaveLength(2);
  });
});
