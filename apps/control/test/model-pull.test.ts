import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends } from './helpers/db';
import { startConfigControl, startHostConfigFixture, type HostConfigFixture } from './helpers/host-config-fixture';
import { alive, until } from './helpers/ssh-config';

describe.each(backends())('model pull over SSH ($name)', (backend) => {
  let fx: HostConfigFixture;
  let t: Awaited<ReturnType<typeof startConfigControl>>;
  const invocations = () => (existsSync(join(fx.sshd.home, 'hf-invocations.log')) ? readFileSync(join(fx.sshd.home, 'hf-invocations.log'), 'utf8') : '');
  const pull = (hostId: string, body: unknown) => t.control.app.inject({ method: 'POST', url: `/api/control/hosts/${hostId}/pull`, payload: body as object });

  beforeAll(async () => {
    fx = await startHostConfigFixture();
    t = await startConfigControl(backend, fx);
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await fx?.close();
  });
  beforeEach(async () => {
    await rm(join(fx.sshd.home, 'hf-invocations.log'), { force: true });
    await rm(join(fx.sshd.home, 'hf-slow.pid'), { force: true });
  });

  it('rejects hostile repo and file values before anything reaches the host', async () => {
    const badRepos = ['a/b;rm -rf ~', '$(id)/x', '`id`/x', 'a/b\nrm -rf ~', 'a/b\n', '../x', 'a/..', '../../etc', '-rf/x', 'a/-x', 'a', 'a/b/c', "a/b'", 'a/b c', ''];
    for (const repo of badRepos) {
      for (const host of ['gpu-shell', 'gpu-wrapper']) {
        const r = await pull(host, { repo });
        expect(r.statusCode, JSON.stringify(repo)).toBe(400);
        expect(r.json().error.code).toBe('VALIDATION');
      }
    }
    for (const file of ['../../etc/passwd', '/etc/passwd', 'a;b.gguf', '$(id).gguf', 'x\ny', '-o', 'a//b', 'dir/']) {
      expect((await pull('gpu-shell', { repo: 'org/model', file })).statusCode, JSON.stringify(file)).toBe(400);
    }
    expect(invocations()).toBe('');
  });

  describe.each(['gpu-shell', 'gpu-wrapper'])('%s', (hostId) => {
    it('runs as a job: running, then succeeded, with output lines and a percentage', async () => {
      const r = await pull(hostId, { repo: 'org-1/Model_2.5-GGUF', file: 'model-Q4_K_M.gguf' });
      expect(r.statusCode, r.body).toBe(202);
      const job = await t.jobs.wait(r.json().job.id);
      expect(job.error).toBeNull();
      expect(job.status).toBe('succeeded');
      expect(job.jobType).toBe('pull');
      expect(job.detail).toMatchObject({ kind: 'pull', repo: 'org-1/Model_2.5-GGUF', file: 'model-Q4_K_M.gguf', percent: 100 });
      const frames = t.jobs.of(job.id);
      const statuses = [...new Set(frames.map((f) => f.status))];
      expect(statuses).toEqual(['queued', 'running', 'succeeded']);
      const lines = frames.map((f) => f.line).filter(Boolean).join('');
      expect(lines).toContain("Downloading 'org-1/Model_2.5-GGUF'");
      expect(lines).toContain('Fetching 1 files: 100%');
      expect(lines).not.toContain('boocontrol-pull-pid');
      const percents = frames.filter((f) => f.status === 'running').map((f) => f.detail.percent);
      expect(percents.some((p) => typeof p === 'number')).toBe(true);
      expect(frames.some((f) => typeof f.detail.line === 'string' && (f.detail.line as string).includes('%'))).toBe(true);
      expect(invocations().trim()).toBe(`download org-1/Model_2.5-GGUF model-Q4_K_M.gguf --local-dir ${fx.modelsDir}/org-1/Model_2.5-GGUF`);
    });

    it('a failing download is a failed job carrying its stderr', async () => {
      const r = await pull(hostId, { repo: 'fail/missing' });
      const job = await t.jobs.wait(r.json().job.id);
      expect(job.status).toBe('failed');
      expect(job.error?.message).toMatch(/Repository Not Found/);
      expect(job.detail).toMatchObject({ kind: 'pull', repo: 'fail/missing', exitCode: 3 });
      expect(String(job.detail.stderr)).toMatch(/Repository Not Found/);
      expect(job.outputTail).toMatch(/Repository Not Found/);
    });

    it('cancel stops the remote download process', async () => {
      const r = await pull(hostId, { repo: 'slow/big-model' });
      const jobId = r.json().job.id as string;
      await until(() => t.jobs.of(jobId).some((f) => typeof f.detail.percent === 'number'), 'progress frames', 15_000);
      const pidFile = join(fx.sshd.home, 'hf-slow.pid');
      const pid = Number(await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 'the remote pid'));
      expect(alive(pid)).toBe(true);
      const c = await t.control.app.inject({ method: 'POST', url: `/api/control/jobs/${jobId}/cancel` });
      expect(c.statusCode).toBe(200);
      const job = await t.jobs.wait(jobId);
      expect(job.status).toBe('cancelled');
      // Wrapper mode stops it through the wrapper's own `cancel` verb (sshd refuses signals there).
      if (hostId === 'gpu-wrapper') expect(job.outputTail).toMatch(/remote download \d+ stopped/);
      await until(() => !alive(pid), 'the remote download to be gone', 15_000);
    });
  });

  it('shell mode needs the host models dir', async () => {
    await t.control.app.inject({ method: 'PATCH', url: '/api/control/hosts/gpu-shell', payload: { modelsDir: null } });
    const r = await pull('gpu-shell', { repo: 'org/model' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/modelsDir/);
    await t.control.app.inject({ method: 'PATCH', url: '/api/control/hosts/gpu-shell', payload: { modelsDir: fx.modelsDir } });
  });
});
