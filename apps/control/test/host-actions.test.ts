import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { startSimHost, type SimHost } from '@boocontrol/sim';
import { PROTOCOL_VERSION, ServerFrameSchema, type JobFrame } from '@boocontrol/contracts';
import { parseHostsFile } from '../src/actions/hosts-file';
import { applyHostsFile } from '../src/actions/hosts-file.apply';
import { parseHostActions } from '../src/actions/host-actions';
import { HostsRepo } from '../src/hosts/hosts.repo';
import { backends, type Backend } from './helpers/db';
import { startTestControl } from './helpers/control';
import { startSshd, type Sshd } from './helpers/sshd';
import { until } from './helpers/sim-events';
import { alive } from './helpers/ssh-config';

type Started = Awaited<ReturnType<typeof startTestControl>>;

describe.each(backends())('SSH script hosts on $name', (backend: Backend) => {
  let sshd: Sshd;
  let sim: SimHost;
  let t: Started | undefined;

  beforeAll(async () => {
    sshd = await startSshd({ keys: [{ name: 'stranger', unauthorized: true }] });
    // The slots of the script host: an OpenAI-compatible server (the simulator serves /v1/models).
    sim = await startSimHost({ config: { models: { 'qwen-coder': { loadMs: 50 }, scout: { loadMs: 50 } } }, seed: 3, perfEveryMs: 1000 });
  });
  afterAll(async () => {
    await sshd?.close();
    await sim?.close();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const pidFile = () => join(sshd.home, 'action.pid');

  function hostsFile(overrides: { port?: number; identityFile?: string; hostKey?: string } = {}) {
    const ssh = { host: sshd.host, port: overrides.port ?? sshd.port, user: sshd.user, identityFile: overrides.identityFile ?? 'id_ed25519', hostKey: overrides.hostKey ?? sshd.hostKey };
    return {
      hosts: [
        {
          id: 'spark',
          label: 'DGX Spark',
          kind: 'openai',
          baseUrl: sim.url,
          ssh,
          slots: { primary: sim.url },
          actions: [
            { id: 'hello', label: 'Say hello', category: 'Other', kind: 'other', command: 'echo first; sleep 1; echo second; echo warn >&2' },
            { id: 'qwen', label: 'Qwen3 Coder', category: 'Coding', order: 1, slot: 'primary', port: 30001, model: 'qwen-coder', description: 'coder', command: 'echo switching to qwen' },
            { id: 'fail', label: 'Broken', category: 'Other', kind: 'other', command: 'echo about to fail; echo boom >&2; exit 3' },
            { id: 'long', label: 'Long', category: 'Other', kind: 'other', command: `echo $$ > ${pidFile()}; echo started; sleep 300` },
            { id: 'quoted', label: 'Quoted path', category: 'Other', kind: 'other', remote_path: "~/it's a $(touch pwned) script.sh" },
          ],
        },
        { id: 'nowhere', label: 'Unreachable', kind: 'openai', baseUrl: 'http://127.0.0.1:1', ssh: { ...ssh, port: 1 }, actions: [{ id: 'x', label: 'X', command: 'true' }] },
        { id: 'wrongkey', label: 'Wrong key', kind: 'openai', baseUrl: 'http://127.0.0.1:1', ssh: { ...ssh, identityFile: 'stranger' }, actions: [{ id: 'x', label: 'X', command: 'true' }] },
        { id: 'impostor', label: 'Wrong host key', kind: 'openai', baseUrl: 'http://127.0.0.1:1', ssh: { ...ssh, hostKey: readFileSync(`${sshd.identities.stranger}.pub`, 'utf8').trim() }, actions: [{ id: 'x', label: 'X', command: 'true' }] },
      ],
    };
  }

  async function setup() {
    const file = join(sshd.dir, 'hosts.yaml');
    await writeFile(file, toYaml(hostsFile()));
    t = await startTestControl(backend, { HOSTS_FILE: file, SECRETS_DIR: join(sshd.dir, 'keys') });
    return t;
  }
  const post = (url: string, payload: unknown = {}) => t!.control.app.inject({ method: 'POST', url: `/api/control/${url}`, payload: payload as object });

  it('a script action runs with its output streamed over the WS; exit code and stderr are stored', async () => {
    await setup();
    await t!.control.app.ready(); // injectWS does not make the app ready by itself
    const ws = await t!.control.app.injectWS('/api/control/ws');
    const frames: JobFrame[] = [];
    ws.on('message', (raw: Buffer) => {
      const f = ServerFrameSchema.parse(JSON.parse(raw.toString()));
      if (f.type === 'event' && f.topic === 'jobs') frames.push((f.data as { job: JobFrame }).job);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['jobs'] }));
    await new Promise((r) => setTimeout(r, 50));

    const run = post('hosts/spark/actions/hello/run');
    // "first" arrives while the script is still running (it sleeps before "second").
    await until(() => frames.some((f) => /^first$/m.test(f.line ?? '') && f.status === 'running'), 'the first line live');
    expect(frames.some((f) => /^second$/m.test(f.line ?? ''))).toBe(false);
    const res = await run;
    expect(res.statusCode).toBe(200);
    const job = res.json().job;
    expect(job.status).toBe('succeeded');
    expect(job.detail.exitCode).toBe(0);
    expect(job.detail.stderr).toBe('warn\n');
    expect(job.outputTail).toContain('first\nsecond\n');
    const stored = (await t!.control.app.inject({ method: 'GET', url: `/api/control/jobs/${job.id}` })).json();
    expect(stored.detail.exitCode).toBe(0);
    expect(stored.outputTail).toContain('second');
    ws.terminate();
  });

  it('a failing script is a failed job carrying its stderr', async () => {
    await setup();
    const res = await post('hosts/spark/actions/fail/run');
    expect(res.statusCode).toBe(502);
    const err = res.json().error;
    expect(err.code).toBe('SCRIPT_FAILED');
    expect(err.message).toContain('exited with 3: boom');
    expect(err.details.job.status).toBe('failed');
    expect(err.details.job.detail).toMatchObject({ exitCode: 3, stderr: 'boom\n', stage: 'failed' });
    expect(err.details.job.outputTail).toContain('about to fail');
  });

  it('unreachable, unknown key and wrong host key fail fast with a clear reason', async () => {
    await setup();
    for (const [host, reason] of [
      ['nowhere', 'unreachable'],
      ['wrongkey', 'auth-failed'],
      ['impostor', 'host-key-mismatch'],
    ] as const) {
      const t0 = Date.now();
      const res = await post(`hosts/${host}/actions/x/run`);
      expect(Date.now() - t0, host).toBeLessThan(5_000);
      expect(res.statusCode, host).toBe(502);
      const err = res.json().error;
      expect(err.code).toBe('SSH_FAILED');
      expect(err.details.job.status).toBe('failed');
      const stored = (await t!.control.app.inject({ method: 'GET', url: `/api/control/jobs/${err.details.jobId}` })).json();
      expect(stored.error.code).toBe('SSH_FAILED');
      expect(stored.detail.reason, host).toBe(reason);
    }
  });

  it('switch {model} on a script host runs its action, then waits for the slot to list the model', async () => {
    await setup();
    await until(() => t!.control.ctx.fleet.get('spark'), 'the fleet to watch the script host');
    const res = await post('switch', { model: 'qwen-coder' });
    expect(res.statusCode).toBe(200);
    const job = res.json().job;
    expect(job.jobType).toBe('switch');
    expect(job.params.action).toBe('qwen');
    expect(job.detail.stage).toBe('ready');
    expect(job.detail.slotModels).toContain('qwen-coder');
    expect(job.outputTail).toContain('switching to qwen');
    const slots = (await t!.control.app.inject({ method: 'GET', url: '/api/control/hosts/spark/slots' })).json();
    expect(slots.slots).toEqual([expect.objectContaining({ slot: 'primary', healthy: true })]);
    const picker = (await t!.control.app.inject({ method: 'GET', url: '/api/control/picker' })).json();
    const qwen = picker.entries.find((e: { id: string }) => e.id === 'qwen');
    expect(qwen).toMatchObject({ kind: 'action', host: 'spark', category: 'Coding', slot: 'primary', port: 30001, description: 'coder' });
  });

  it('cancelling a running script kills the remote process', async () => {
    await setup();
    const res = await post('hosts/spark/actions/long/run', { wait: false });
    expect(res.statusCode).toBe(202);
    const id = res.json().job.id;
    const pid = await until(() => (existsSync(pidFile()) ? Number(readFileSync(pidFile(), 'utf8')) : 0), 'the remote pid');
    await until(async () => (await t!.control.app.inject({ method: 'GET', url: `/api/control/jobs/${id}` })).json().outputTail.includes('started'), 'the script to start');
    const cancelled = await post(`jobs/${id}/cancel`);
    expect(cancelled.json().status).toBe('cancelled');
    await until(() => !alive(pid), 'the remote process to die');
  });

  it('quotes remote paths and validates edits: metacharacters never reach the shell', async () => {
    await setup();
    const script = join(sshd.home, "it's a $(touch pwned) script.sh");
    await writeFile(script, '#!/bin/sh\necho "quoted ok"\n', { mode: 0o755 });
    const res = await post('hosts/spark/actions/quoted/run');
    expect(res.statusCode).toBe(200);
    expect(res.json().job.outputTail).toContain('quoted ok');
    expect(existsSync(join(sshd.home, 'pwned'))).toBe(false);

    const put = (actions: unknown) => t!.control.app.inject({ method: 'PUT', url: '/api/control/hosts/spark/actions', payload: { actions } });
    for (const bad of [
      [{ id: 'a;b', label: 'x', command: 'true' }],
      [{ id: '$(x)', label: 'x', command: 'true' }],
      [{ id: 'ok', label: 'x', remote_path: '/opt/x.sh\nrm -rf /' }],
      [{ id: 'ok', label: 'x', remote_path: 'relative.sh' }],
      [{ id: 'ok', label: 'x', remote_path: '/opt/../etc/x' }],
      [{ id: 'ok', label: 'x' }],
      [{ id: 'ok', label: 'x', command: 'true', remote_path: '/x.sh' }],
      [{ id: 'ok', label: 'x', command: 'true', model: 'a;b' }],
      [{ id: 'dup', label: 'x', command: 'true' }, { id: 'dup', label: 'y', command: 'true' }],
    ]) {
      const r = await put(bad);
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect((await post('hosts/spark/actions/a;b/run')).statusCode).toBe(400);
    expect((await post('hosts/spark/actions/nope/run')).statusCode).toBe(404);

    const ok = await put([{ id: 'only', label: 'Only one', category: 'Allround', command: 'echo edited' }]);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().actions).toEqual([expect.objectContaining({ id: 'only', category: 'Allround', order: 100, timeoutS: 600, kind: 'switch' })]);
    const get = (await t!.control.app.inject({ method: 'GET', url: '/api/control/hosts/spark/actions' })).json();
    expect(get.sshConfigured).toBe(true);
    expect(get.actions.map((a: { id: string }) => a.id)).toEqual(['only']);
    expect((await post('hosts/spark/actions/only/run')).json().job.outputTail).toContain('edited');
  });
});

describe('hosts file', () => {
  it('accepts deploy/hosts.example.yaml', () => {
    const f = parseHostsFile(readFileSync(join(__dirname, '../../../deploy/hosts.example.yaml'), 'utf8'));
    expect(f.hosts.map((h) => h.id)).toEqual(['gpu1', 'spark']);
    expect(f.hosts[1]!.actions.map((a) => a.id)).toContain('stop-all');
  });

  it('parses YAML and JSON and reports every bad path', () => {
    const yaml = 'hosts:\n  - id: gpu1\n    baseUrl: http://gpu1:8080/\n';
    expect(parseHostsFile(yaml).hosts[0]).toMatchObject({ id: 'gpu1', kind: 'llama-swap', baseUrl: 'http://gpu1:8080', actions: [] });
    expect(parseHostsFile('{"hosts":[{"id":"a","baseUrl":"http://a:1"}]}').hosts).toHaveLength(1);
    expect(() => parseHostsFile('hosts: [ {')).toThrow(/not valid YAML/);
    try {
      parseHostsFile(
        toYaml({
          hosts: [
            { id: 'Bad Id', baseUrl: 'ftp://x' },
            { id: 'b', baseUrl: 'http://b', actions: [{ id: 'x', label: 'X', command: 'true' }] },
            { id: 'c', baseUrl: 'http://c', ssh: { host: '-oProxyCommand=x', user: 'u', identityFile: '../k', hostKey: 'k' } },
          ],
        }),
      );
      throw new Error('expected failure');
    } catch (err) {
      const msg = String((err as Error).message);
      expect(msg).toContain('hosts.0.id');
      expect(msg).toContain('hosts.0.baseUrl');
      expect(msg).toContain('hosts.1.ssh');
      expect(msg).toContain('hosts.2.ssh.host');
      expect(msg).toContain('hosts.2.ssh.identityFile');
      expect(msg).toContain('hosts.2.ssh.hostKey');
    }
  });

  it.each(backends())('seeds actions; UI edits survive restarts until the file changes ($name)', async (backend) => {
    const t = await backend.create();
    try {
      const hosts = new HostsRepo(t.db);
      const deps = {
        watch: async (h: { id: string; baseUrl: string; kind: 'llama-swap' | 'openai' }) => void (await hosts.save({ id: h.id, label: h.id, baseUrl: h.baseUrl, kind: h.kind, source: 'config', apiKeyRef: null })),
        hosts,
        log: { info: () => undefined },
      };
      const file = (label: string) => parseHostsFile(toYaml({ hosts: [{ id: 'box', baseUrl: 'http://box:1', ssh: { host: 'box', user: 'u', identityFile: 'k', hostKey: `SHA256:${'A'.repeat(43)}` }, actions: [{ id: 'a', label, command: 'true' }] }] }));
      const ids = async () => parseHostActions((await hosts.get('box'))!.actions).map((a) => `${a.id}:${a.label}`);
      await applyHostsFile(file('From file'), deps);
      expect(await ids()).toEqual(['a:From file']);
      expect((await hosts.get('box'))!.ssh).toMatchObject({ host: 'box', user: 'u', identityFile: 'k', port: 22 });
      await hosts.setActions('box', parseHostActions([{ id: 'b', label: 'Edited in the UI', command: 'true' }]));
      await applyHostsFile(file('From file'), deps); // restart, file unchanged
      expect(await ids()).toEqual(['b:Edited in the UI']);
      await applyHostsFile(file('Changed in the file'), deps); // the file changed: it wins
      expect(await ids()).toEqual(['a:Changed in the file']);
    } finally {
      await t.cleanup();
    }
  });
});
