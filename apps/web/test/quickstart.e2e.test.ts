import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { HealthSchema } from '@boocontrol/contracts';
import { launchBrowser, newPage, screenshot } from './helpers/browser';

const root = join(__dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * The README's first Quick start command, end to end: `pnpm start` (scripts/start.ts) on free
 * ports with an empty PGlite directory and no configuration must bring up control, the gateway
 * and the demo fleet, and the browser must see the three demo hosts.
 */
describe('quick start: pnpm start with no configuration', () => {
  let proc: ChildProcess;
  let browser: Browser;
  let base: string;
  let output = '';
  const dir = mkdtempSync(join(tmpdir(), 'boo-start-'));

  beforeAll(async () => {
    const [cp, sp] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${sp}`;
    proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, CONTROL_PORT: String(cp), SERVER_PORT: String(sp), PGLITE_DIR: join(dir, 'pglite'), DATABASE_URL: '', LLAMA_PROVIDERS: '', DEMO_FLEET: 'auto', LOG_LEVEL: 'warn', BOOCONTROL_ENV_FILE: join(dir, 'none.env') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health through the gateway on PGlite and shows the demo fleet', async () => {
    // Health answers before the database is ready (db.ok false while the schema applies): wait for ok.
    let db: { backend: string; ok: boolean } | null = null;
    for (const end = Date.now() + 90_000; Date.now() < end && db?.ok !== true; ) {
      try {
        const r = await fetch(`${base}/api/control/health`);
        if (r.ok) db = HealthSchema.parse(await r.json()).db;
      } catch {
        /* not up yet */
      }
      if (db?.ok !== true) await new Promise((r) => setTimeout(r, 500));
    }
    expect(db, `stack did not come up:\n${output}`).toEqual({ backend: 'pglite', ok: true });

    const page = await newPage(browser, base);
    await page.goto('/control/fleet');
    await expect.poll(() => page.locator('[data-testid="host-card"]').count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toContain('online');
    const labels = await page.locator('[data-testid="host-card"] h3').allTextContents();
    expect(labels.sort()).toEqual(['Desk RTX 5090', 'Dual 3090 rig', 'Embed box P104']);
    await screenshot(page, 'quickstart-fleet');
  });

  it('stops every process it started on Ctrl-C', async () => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${base}/api/control/health`)).rejects.toThrow();
  });
});
