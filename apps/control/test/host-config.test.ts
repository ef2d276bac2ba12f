import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends } from './helpers/db';
import { startConfigControl, startHostConfigFixture, type HostConfigFixture } from './helpers/host-config-fixture';
import { hostileYaml } from './helpers/ssh-config';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const ORIGINAL = 'models:\n  small:\n    cmd: llama-server --port ${PORT}\n';

describe.each(backends())('host config over SSH ($name)', (backend) => {
  let fx: HostConfigFixture;
  let t: Awaited<ReturnType<typeof startConfigControl>>;
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) =>
    t.control.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeAll(async () => {
    fx = await startHostConfigFixture();
    t = await startConfigControl(backend, fx);
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await fx?.close();
  });
  beforeEach(async () => {
    await writeFile(fx.shellConfig, ORIGINAL);
    await writeFile(fx.wrapperConfig, ORIGINAL);
    fx.sim.faults.unfreeze();
  });

  it('PATCH validates SSH settings: identity files stay inside the secrets dir', async () => {
    const ok = await inject('PATCH', '/api/control/hosts/gpu-shell', { ssh: { port: fx.sshd.port } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'gpu-shell', sshMode: 'shell', ssh: { identityFile: 'id_ed25519', port: fx.sshd.port }, configPath: fx.shellConfig });
    for (const body of [
      { ssh: { identityFile: '../etc/shadow' } },
      { ssh: { identityFile: '/root/.ssh/id_ed25519' } },
      { ssh: { identityFile: '..' } },
      { ssh: { hostKey: 'not a key' } },
      { ssh: { host: '-oProxyCommand=touch /tmp/x' } },
      { sshMode: 'telnet' },
      { configPath: 'relative/config.yaml' },
      { configPath: '/etc/../etc/passwd' },
      { restartCmd: 'systemctl restart llama-swap\nrm -rf ~' },
      { modelsDir: 'models' },
      { unknown: 1 },
    ]) {
      const r = await inject('PATCH', '/api/control/hosts/gpu-shell', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await inject('PATCH', '/api/control/hosts/nope', { sshMode: 'shell' })).statusCode).toBe(404);
    const settings = await inject('GET', '/api/control/hosts/gpu-shell/ssh');
    expect(settings.json()).toMatchObject({ ssh: { identityFile: 'id_ed25519' } });
  });

  it('GET config returns the text and its hash in both modes', async () => {
    for (const id of ['gpu-shell', 'gpu-wrapper']) {
      const r = await inject('GET', `/api/control/hosts/${id}/config`);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ text: ORIGINAL, sha256: sha(ORIGINAL), mode: id === 'gpu-shell' ? 'shell' : 'wrapper' });
    }
  });

  it('validate reports errors with line numbers and unknown keys as warnings', async () => {
    const r = await inject('POST', '/api/control/hosts/gpu-shell/config/validate', { text: 'models:\n  a:\n    cmd: x\n    tll: 5\n  b:\n    ttl: soon\n' });
    const v = r.json();
    expect(v.ok).toBe(false);
    expect(v.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'models.b.cmd', line: 5 }), expect.objectContaining({ path: 'models.b.ttl', line: 6 })]));
    expect(v.warnings).toEqual([expect.objectContaining({ path: 'models.a.tll', line: 4, severity: 'warning' })]);
  });

  it('diff is a unified diff from the host file', async () => {
    const r = await inject('POST', '/api/control/hosts/gpu-wrapper/config/diff', { text: ORIGINAL.replace('small', 'large') });
    expect(r.json()).toMatchObject({ identical: false, added: 1, removed: 1, baseSha256: sha(ORIGINAL) });
    expect(r.json().diff).toContain('-  small:\n+  large:\n');
  });

  describe.each(['gpu-shell', 'gpu-wrapper'])('%s', (hostId) => {
    const file = () => (hostId === 'gpu-shell' ? fx.shellConfig : fx.wrapperConfig);

    it('applies a hostile-but-valid config byte-exact as one job: backup, write, restart, health', async () => {
      const text = hostileYaml(hostId);
      const r = await inject('PUT', `/api/control/hosts/${hostId}/config`, { text, baseHash: sha(ORIGINAL) });
      expect(r.statusCode, r.body).toBe(202);
      const job = await t.jobs.wait(r.json().job.id);
      expect(job.error).toBeNull();
      expect(job.status).toBe('succeeded');
      expect(readFileSync(file()).equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(job.detail).toMatchObject({ stage: 'done', healthy: true, backup: expect.stringMatching(/config\.yaml\.bak-\d{8}T\d{6}Z/) });
      expect(readFileSync(String(job.detail.backup), 'utf8')).toBe(ORIGINAL);
      const stages = t.jobs.of(job.id).map((f) => f.detail.stage);
      expect(stages).toEqual(expect.arrayContaining(['read', 'backup', 'write', 'restart', 'health', 'done']));
      expect(t.jobs.of(job.id)[0]?.status).toBe('queued');
      expect(t.jobs.of(job.id).at(-1)?.status).toBe('succeeded');
      expect(job.outputTail).not.toContain('$(id)'); // config content is never logged
      const backups = (await inject('GET', `/api/control/hosts/${hostId}/config/backups`)).json().backups;
      expect(backups.map((b: { path: string }) => b.path)).toContain(job.detail.backup);
    });

    it('refuses an apply when the remote file changed since the edit started', async () => {
      const r = await inject('PUT', `/api/control/hosts/${hostId}/config`, { text: hostileYaml(), baseHash: sha('something else') });
      expect(r.statusCode).toBe(409);
      expect(r.json().error.code).toBe('CONFLICT');
      expect(readFileSync(file(), 'utf8')).toBe(ORIGINAL);
    });

    it('refuses a config with errors', async () => {
      const r = await inject('PUT', `/api/control/hosts/${hostId}/config`, { text: 'models:\n  a:\n    ttl: 1\n', baseHash: sha(ORIGINAL) });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.details.validation.errors[0]).toMatchObject({ path: 'models.a.cmd' });
    });

    it('rolls back a config that breaks the host health, and the host is healthy again', async () => {
      const text = `${hostileYaml()}# BREAK-HEALTH\n`;
      const r = await inject('PUT', `/api/control/hosts/${hostId}/config`, { text, baseHash: sha(ORIGINAL) });
      const job = await t.jobs.wait(r.json().job.id, 60_000);
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBe('ROLLED_BACK');
      expect(job.detail).toMatchObject({ rolledBack: true, healthyAfterRollback: true });
      expect(readFileSync(file(), 'utf8')).toBe(ORIGINAL);
      expect(fx.sim.faults.frozen).toBe(false);
      const health = await fetch(`${fx.sim.url}/health`, { signal: AbortSignal.timeout(2_000) });
      expect(health.status).toBe(200);
      expect(t.jobs.of(job.id).map((f) => f.detail.stage)).toContain('rollback');
    });

    it('restores any backup as a job', async () => {
      const first = await inject('PUT', `/api/control/hosts/${hostId}/config`, { text: hostileYaml('v2'), baseHash: sha(ORIGINAL) });
      const applied = await t.jobs.wait(first.json().job.id);
      expect(applied.status).toBe('succeeded');
      const backup = String(applied.detail.backup);
      const r = await inject('POST', `/api/control/hosts/${hostId}/config/restore`, { backup: backup.split('/').pop() });
      expect(r.statusCode, r.body).toBe(202);
      const job = await t.jobs.wait(r.json().job.id);
      expect(job.status).toBe('succeeded');
      expect(readFileSync(file(), 'utf8')).toBe(ORIGINAL);
      const bad = await inject('POST', `/api/control/hosts/${hostId}/config/restore`, { backup: '../../etc/passwd' });
      expect(bad.statusCode).toBe(400);
    });
  });

  it('keeps hostile names away from the remote shell', () => {
    expect(existsSync(`${fx.sshd.home}/pwned`)).toBe(false);
  });
});
