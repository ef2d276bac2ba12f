import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobFrameSchema, PROTOCOL_VERSION, type Job, type JobFrame } from '@boocontrol/contracts';
import { startSimHost, type SimHost } from '@boocontrol/sim';
import type { Control } from '../../src/control';
import type { Backend } from './db';
import { startTestControl } from './control';
import { startSshd, type Sshd } from './sshd';

const WRAPPER = resolve(fileURLToPath(new URL('../../../../deploy/boocontrol-wrapper.sh', import.meta.url)));

export const SIM_CONFIG = 'models:\n  small:\n    cmd: llama-server --port ${PORT}\n';

/**
 * A fake `huggingface-cli` on the test host's PATH. It logs every invocation, fails for repos
 * under `fail/`, runs until killed for repos under `slow/` (writing its pid), and otherwise
 * prints tqdm-style bars on stderr (with `\r`) and a few lines on stdout.
 */
const FAKE_HF = `#!/bin/sh
printf '%s\\n' "$*" >> "$HOME/hf-invocations.log"
case $2 in
  fail/*) echo "Repository Not Found for url: https://huggingface.co/api/models/$2" >&2; exit 3 ;;
  slow/*) echo $$ > "$HOME/hf-slow.pid"; i=0
    while :; do i=$((i + 1)); echo "model.gguf: $((i % 100))%|###| $i/100"; sleep 0.2; done ;;
esac
echo "Downloading '$2' to '$(eval "echo \\\${$#}")'"
for p in 10 55 100; do printf 'model.gguf: %s%%|#####     | %s/100 [00:01<00:00]\\r' "$p" "$p" >&2; done
printf '\\n' >&2
echo "Fetching 1 files: 100%|##########| 1/1"
`;

/**
 * The test host's "restart llama-swap": a node script that restarts the simulator, and leaves
 * it frozen (no /health answer) when the config contains BREAK-HEALTH, like a llama-swap that
 * does not come back with a bad config.
 */
const RESTART_MJS = `
import { readFileSync } from 'node:fs';
const [, , simUrl, configPath] = process.argv;
const text = readFileSync(configPath, 'utf8');
const post = (body) => fetch(simUrl + '/__sim/fault', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
await post({ kind: 'unfreeze' });
// The simulator drops every connection when it restarts, this request's included.
await post({ kind: 'restart', downMs: 100 }).catch(() => undefined);
for (let i = 0; i < 200; i++) {
  const up = await fetch(simUrl + '/__sim/state').then(() => true, () => false);
  if (up) break;
  await new Promise((r) => setTimeout(r, 25));
}
if (text.includes('BREAK-HEALTH')) await post({ kind: 'freeze' });
console.log(text.includes('BREAK-HEALTH') ? 'llama-swap restarted (and hung)' : 'llama-swap restarted');
`;

export interface HostConfigFixture {
  sshd: Sshd;
  sim: SimHost;
  stage: string;
  shellConfig: string;
  wrapperConfig: string;
  modelsDir: string;
  /** The secrets dir a control needs (SECRETS_DIR) to find the fixture's SSH keys. */
  secretsDir: string;
  close(): Promise<void>;
}

/** sshd (shell key + wrapper key), a simulated llama-swap, fake tools. One per test file. */
export async function startHostConfigFixture(): Promise<HostConfigFixture> {
  const stage = await mkdtemp(join(tmpdir(), 'boo-host-config-'));
  const wrapper = join(stage, 'boocontrol-wrapper.sh');
  const sim = await startSimHost({ port: 0, config: SIM_CONFIG });
  const sshd = await startSshd({
    keys: [{ name: 'wrapper', forcedCommand: wrapper }],
    tools: {
      'huggingface-cli': FAKE_HF,
      'restart-llama': `exec "${process.execPath}" "${join(stage, 'restart.mjs')}" "${sim.url}" "$1"`,
    },
  });
  const shellConfig = join(sshd.home, 'shell', 'config.yaml');
  const wrapperConfig = join(sshd.home, 'wrapped', 'config.yaml');
  const modelsDir = join(sshd.home, 'models');
  await Promise.all([mkdir(join(sshd.home, 'shell')), mkdir(join(sshd.home, 'wrapped')), copyFile(WRAPPER, wrapper), writeFile(join(stage, 'restart.mjs'), RESTART_MJS)]);
  await writeFile(
    join(stage, 'boocontrol-wrapper.conf'),
    [`BOOCONTROL_CONFIG='${wrapperConfig}'`, `BOOCONTROL_RESTART_CMD='restart-llama "${wrapperConfig}"'`, `BOOCONTROL_MODELS_DIR='${modelsDir}'`, ''].join('\n'),
  );
  return {
    sshd,
    sim,
    stage,
    shellConfig,
    wrapperConfig,
    modelsDir,
    secretsDir: join(sshd.dir, 'keys'),
    async close() {
      // Every part is closed even when another fails, so no sshd outlives the test file.
      const results = await Promise.allSettled([sshd.close(), sim.close()]);
      await rm(stage, { recursive: true, force: true });
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** A control with the jobs and host-config features, two hosts (shell + wrapper) on the fixture. */
export async function startConfigControl(backend: Backend, fx: HostConfigFixture, opts: { healthTimeoutMs?: number; env?: Record<string, string> } = {}) {
  const t = await startTestControl(
    backend,
    { ...opts.env, SECRETS_DIR: fx.secretsDir },
    { features: ['jobs', 'host-config'], hostConfig: { healthTimeoutMs: opts.healthTimeoutMs ?? 4_000, healthIntervalMs: 100 } },
  );
  const { control } = t;
  for (const id of ['gpu-shell', 'gpu-wrapper']) {
    await control.ctx.hostsRepo.save({ id, label: id, baseUrl: fx.sim.url, kind: 'llama-swap', source: 'ui', apiKeyRef: null });
  }
  await configureSshHost(control, fx, 'gpu-shell', 'shell');
  await configureSshHost(control, fx, 'gpu-wrapper', 'wrapper');
  return { ...t, jobs: watchJobs(control) };
}

/**
 * Points an existing host of `control` at the fixture over SSH (PATCH, like the UI does): in
 * shell mode with the fixture's shell config path, restart command and models dir; in wrapper
 * mode with the wrapper key (the wrapper's conf file names the rest).
 */
export async function configureSshHost(control: Control, fx: HostConfigFixture, id: string, mode: 'shell' | 'wrapper'): Promise<void> {
  const ssh = { host: fx.sshd.host, port: fx.sshd.port, user: fx.sshd.user, hostKey: fx.sshd.hostKey };
  if (mode === 'shell') {
    await patch(control, id, { sshMode: 'shell', ssh: { ...ssh, identityFile: 'id_ed25519' }, configPath: fx.shellConfig, restartCmd: `restart-llama '${fx.shellConfig}'`, modelsDir: fx.modelsDir });
  } else {
    await patch(control, id, { sshMode: 'wrapper', ssh: { ...ssh, identityFile: 'wrapper' } });
  }
}

async function patch(control: Control, id: string, body: unknown): Promise<void> {
  const r = await control.app.inject({ method: 'PATCH', url: `/api/control/hosts/${id}`, payload: body as object });
  if (r.statusCode !== 200) throw new Error(`PATCH ${id}: ${r.statusCode} ${r.body}`);
}

/** Subscribes to the live `jobs` topic like a browser would, and keeps every frame. */
export function watchJobs(control: Control) {
  const frames: JobFrame[] = [];
  const conn = control.hub.connect({
    bufferedAmount: 0,
    close: () => undefined,
    send(data: string) {
      const f = JSON.parse(data) as { type: string; topic?: string; data?: { kind?: string; job?: unknown } };
      if (f.type === 'event' && f.topic === 'jobs' && f.data?.kind === 'job') frames.push(JobFrameSchema.parse(f.data.job));
    },
  });
  conn.onMessage(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
  conn.onMessage(JSON.stringify({ type: 'subscribe', topics: ['jobs'] }));
  return {
    frames,
    of: (jobId: string) => frames.filter((f) => f.jobId === jobId),
    wait: async (jobId: string, timeoutMs = 30_000): Promise<Job> => {
      const job = await control.ctx.queue.wait(jobId, timeoutMs);
      if (['queued', 'running'].includes(job.status)) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
      return job;
    },
  };
}
