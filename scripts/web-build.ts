import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'apps/web');
export const WEB_DIST = join(web, 'dist');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'node_modules' && name !== 'dist') max = Math.max(max, newestMtime(join(path, name)));
  return max;
}

/** Rebuilds the web app when its sources (or the contracts it bundles) are newer than dist. */
export function buildWebIfStale(opts: { quiet?: boolean } = {}): void {
  const built = join(WEB_DIST, 'index.html');
  const inputs = [join(web, 'src'), join(web, 'index.html'), join(web, 'vite.config.ts'), join(root, 'packages/contracts/src')];
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...inputs.map(newestMtime))) return;
  if (!opts.quiet) console.log('[boocontrol] building the web app…');
  const r = spawnSync(process.execPath, [join(web, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`web build failed (exit ${r.status})`);
}
