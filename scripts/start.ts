// `pnpm start`: build what is not built, then run control and the gateway (control starts the
// simulated demo fleet itself when no hosts are configured). `pnpm dev` (--dev) runs both in
// watch mode plus Vite's dev server. Ctrl-C stops every process this script started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnvFile } from '../apps/control/src/config';
import { buildWebIfStale } from './web-build';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');
const fileEnv = existsSync(join(root, '.env.host')) ? parseEnvFile(readFileSync(join(root, '.env.host'), 'utf8')) : {};
const setting = (k: string, d: string) => process.env[k] || fileEnv[k] || d;
const controlHost = setting('CONTROL_HOST', '127.0.0.1');
const controlPort = setting('CONTROL_PORT', '9503');
const serverHost = setting('SERVER_HOST', '127.0.0.1');
const serverPort = setting('SERVER_PORT', '9500');
const controlUrl = setting('CONTROL_URL', `http://${controlHost === '0.0.0.0' ? '127.0.0.1' : controlHost}:${controlPort}`);
const gatewayHost = setting('GATEWAY_HOST', '127.0.0.1');
const gatewayUrl = setting('GATEWAY_URL', `http://${gatewayHost === '0.0.0.0' ? '127.0.0.1' : gatewayHost}:${setting('GATEWAY_PORT', '9504')}`);

const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, args: string[], env: Record<string, string>, cwd = root): ChildProcess {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[boocontrol] ${name} exited (${signal ?? code}); stopping everything`);
    void stopAll(code ?? 1);
  });
  return child;
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    alive.map(
      (c) =>
        new Promise<void>((resolve) => {
          const force = setTimeout(() => c.kill('SIGKILL'), 12_000);
          c.once('exit', () => (clearTimeout(force), resolve()));
          c.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function waitHealthy(url: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !stopping) {
    try {
      const r = await fetch(url);
      if (r.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const tsx = ['--import', 'tsx'];
if (!dev) {
  try {
    buildWebIfStale();
  } catch (err) {
    console.error(`[boocontrol] ${(err as Error).message}`);
    process.exit(1);
  }
}
run('control', dev ? [join(root, 'node_modules/tsx/dist/cli.mjs'), 'watch', 'apps/control/src/main.ts'] : [...tsx, 'apps/control/src/main.ts'], {});
run('server', dev ? [join(root, 'node_modules/tsx/dist/cli.mjs'), 'watch', 'apps/server/src/main.ts'] : [...tsx, 'apps/server/src/main.ts'], { CONTROL_URL: controlUrl, GATEWAY_URL: gatewayUrl, SERVER_HOST: serverHost, SERVER_PORT: serverPort, CONTROL_AUTH: setting('CONTROL_AUTH', 'off') });
if (dev) run('web (vite)', [join(root, 'apps/web/node_modules/vite/bin/vite.js')], { BOO_API_URL: `http://127.0.0.1:${serverPort}` }, join(root, 'apps/web'));

const pageUrl = dev ? 'http://127.0.0.1:5173/control' : `http://${serverHost}:${serverPort}/control`;
if (await waitHealthy(`${controlUrl}/api/control/health`, 90_000)) {
  console.log(`\n[boocontrol] cockpit ready: ${pageUrl}   (Ctrl-C stops everything)\n`);
} else if (!stopping) {
  console.error('[boocontrol] control did not become healthy within 60 s; still waiting (see the log above)');
}
