import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isBackupOf } from '../src/ssh/backups';
import { backends } from './helpers/db';
import { startConfigControl, startHostConfigFixture, type HostConfigFixture } from './helpers/host-config-fixture';
import { hostileYaml } from './helpers/ssh-config';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const ORIGINAL = 'models:\n  small:\n    cmd: llama-server --port ${PORT}\n';
/** Older than anything the host's clock makes; `-10` is newer than `-2` (numeric, not by name). */
const OLD = ['config.yaml.bak-20190101T000000Z', 'config.yaml.bak-20190101T000000Z-2', 'config.yaml.bak-20190101T000000Z-10'];
/** Files next to the config that pruning must never touch. */
const BYSTANDERS = ['other.yaml.bak-20180101T000000Z', 'config.yaml.bak-20180101T000000Z-1234', 'config.yaml.bak-20180101T000000Z; touch pwned', 'config.yaml.bak-x', 'notes.txt'];

describe.each(backends())('config backup pruning over SSH ($name)', (backend) => {
  let fx: HostConfigFixture;
  let t: Awaited<ReturnType<typeof startConfigControl>>;
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    t.control.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const fakeRm = () => join(fx.sshd.binDir, 'rm');

  beforeAll(async () => {
    fx = await startHostConfigFixture();
    t = await startConfigControl(backend, fx, { env: { CONFIG_BACKUPS_KEEP: '2' } });
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await fx?.close();
  });
  beforeEach(async () => {
    for (const file of [fx.shellConfig, fx.wrapperConfig]) {
      await rm(dirname(file), { recursive: true, force: true });
      await mkdir(dirname(file));
      await writeFile(file, ORIGINAL);
      for (const name of [...OLD, ...BYSTANDERS]) await writeFile(join(dirname(file), name), `${name}\n`);
    }
    fx.sim.faults.unfreeze();
  });
  afterEach(async () => {
    await rm(fakeRm(), { force: true });
  });

  describe.each(['gpu-shell', 'gpu-wrapper'])('%s', (hostId) => {
    const file = () => (hostId === 'gpu-shell' ? fx.shellConfig : fx.wrapperConfig);
    const backupsOnDisk = () => readdirSync(dirname(file())).filter((n) => isBackupOf(n, file()) && !BYSTANDERS.includes(n));
    const apply = async (text: string, baseHash: string) => {
      const r = await inject('PUT', `/api/control/hosts/${hostId}/config`, { text, baseHash });
      expect(r.statusCode, r.body).toBe(202);
      return t.jobs.wait(r.json().job.id);
    };

    it('keeps only the newest CONFIG_BACKUPS_KEEP backups after each apply and restore', async () => {
      const v1 = hostileYaml('v1');
      const first = await apply(v1, sha(ORIGINAL));
      expect(first.error).toBeNull();
      expect(first.status).toBe('succeeded');
      const b1 = basename(String(first.detail.backup));
      expect(first.detail.pruned).toEqual(['config.yaml.bak-20190101T000000Z-2', 'config.yaml.bak-20190101T000000Z']);
      expect(first.outputTail).toContain('pruned 2 old backups (keeping the newest 2): config.yaml.bak-20190101T000000Z-2, config.yaml.bak-20190101T000000Z');
      expect(backupsOnDisk().sort()).toEqual([b1, 'config.yaml.bak-20190101T000000Z-10'].sort());
      expect(t.jobs.of(first.id).map((f) => f.detail.stage)).toEqual(expect.arrayContaining(['health', 'prune', 'done']));

      const second = await apply(hostileYaml('v2'), sha(v1));
      expect(second.status).toBe('succeeded');
      const b2 = basename(String(second.detail.backup));
      expect(second.detail.pruned).toEqual(['config.yaml.bak-20190101T000000Z-10']);

      const r = await inject('POST', `/api/control/hosts/${hostId}/config/restore`, { backup: b1 });
      expect(r.statusCode, r.body).toBe(202);
      const restored = await t.jobs.wait(r.json().job.id);
      expect(restored.status).toBe('succeeded');
      expect(readFileSync(file(), 'utf8')).toBe(ORIGINAL);
      const b3 = basename(String(restored.detail.backup));
      expect(restored.detail.pruned).toEqual([b1]);
      expect(restored.outputTail).toContain(`pruned 1 old backup (keeping the newest 2): ${b1}`);

      expect(backupsOnDisk().sort()).toEqual([b2, b3].sort());
      const listed = (await inject('GET', `/api/control/hosts/${hostId}/config/backups`)).json().backups;
      expect(listed.map((b: { name: string }) => b.name)).toEqual([b3, b2]);
      for (const name of BYSTANDERS) expect(existsSync(join(dirname(file()), name)), name).toBe(true);
      expect(existsSync(join(fx.sshd.home, 'pwned'))).toBe(false);
    });

    it('a failing prune does not fail the apply: a warning in the output, and the backups stay', async () => {
      // Every `rm` on the host fails from now on (the sessions' PATH starts with binDir).
      await writeFile(fakeRm(), '#!/bin/sh\necho "rm: cannot remove: Operation not permitted" >&2\nexit 1\n');
      await chmod(fakeRm(), 0o755);
      const job = await apply(hostileYaml('v1'), sha(ORIGINAL));
      expect(job.error).toBeNull();
      expect(job.status).toBe('succeeded');
      expect(job.detail).toMatchObject({ stage: 'done', healthy: true, pruned: [], pruneError: expect.stringMatching(/step "prune" failed with exit status/) });
      expect(job.outputTail).toMatch(/warning: pruning old backups failed, they are kept: .*Operation not permitted/);
      expect(backupsOnDisk().sort()).toEqual([...OLD, basename(String(job.detail.backup))].sort());
    });
  });

  it('a rolled-back apply does not prune', async () => {
    const r = await inject('PUT', '/api/control/hosts/gpu-shell/config', { text: `${hostileYaml()}# BREAK-HEALTH\n`, baseHash: sha(ORIGINAL) });
    const job = await t.jobs.wait(r.json().job.id, 60_000);
    expect(job.error?.code).toBe('ROLLED_BACK');
    expect(job.detail.pruned).toBeUndefined();
    const onDisk = readdirSync(dirname(fx.shellConfig)).filter((n) => isBackupOf(n, fx.shellConfig) && !BYSTANDERS.includes(n));
    expect(onDisk).toHaveLength(OLD.length + 1);
  });
});
