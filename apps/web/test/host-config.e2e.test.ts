import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { configureSshHost, SIM_CONFIG, startHostConfigFixture, type HostConfigFixture } from '../../control/test/helpers/host-config-fixture';
import { openPage, screenshot, type OpenedPage } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

const HOST = 'gpu-shell';
/** A model without `cmd`: an error on line 4 (the model's key). */
const BROKEN = `${SIM_CONFIG}  big:\n    ttl: 60\n`;
/** The fix, and a real change: one line changed (small gets a context size), three added. */
const CHANGED = [
  'models:',
  '  small:',
  '    cmd: llama-server --port ${PORT} --ctx-size 8192',
  '  big:',
  '    cmd: llama-server --port ${PORT} -m /models/big.gguf',
  '    ttl: 60',
  '',
].join('\n');

/**
 * Issue 6 end to end: the host config editor in Chromium, against control and the gateway, a real
 * sshd on loopback (shell mode) and a simulated llama-swap that the remote restart command
 * restarts. Load the remote file, see a validation error block Apply, fix it, diff, apply with
 * live stages, then restore the backup that apply made.
 */
describe('host config editor in the browser', () => {
  let fx: HostConfigFixture;
  let stack: Stack;
  let opened: OpenedPage | undefined;
  let page: Page;

  beforeAll(async () => {
    fx = await startHostConfigFixture();
    await writeFile(fx.shellConfig, SIM_CONFIG);
    stack = await startStack({ hosts: [{ id: HOST, label: 'GPU shell', baseUrl: fx.sim.url }], env: { SECRETS_DIR: fx.secretsDir } });
    await configureSshHost(stack.control, fx, HOST, 'shell');
    opened = await openPage(stack.baseUrl);
    page = opened.page;
  });

  afterAll(async () => {
    await opened?.close();
    await stack?.close();
    await fx?.close();
  });

  const editor = () => page.getByTestId('config-editor');
  const remote = () => readFile(fx.shellConfig, 'utf8');
  const restConfig = async () => ((await (await fetch(`${stack.baseUrl}/api/control/hosts/${HOST}/config`)).json()) as { text: string }).text;

  /**
   * Records every stage a job progress element in `scope` shows, from inside the page (a
   * MutationObserver sees each render, where polling from the test could miss a short stage).
   */
  async function recordStages(scope: string): Promise<() => Promise<string[]>> {
    await page.evaluate((sel) => {
      const seen: string[] = [];
      (window as unknown as { __stages: string[] }).__stages = seen;
      const note = () => {
        const s = document.querySelector(`${sel} [data-testid="job-stage"]`)?.getAttribute('data-stage');
        if (s && seen.at(-1) !== s) seen.push(s);
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-stage'] });
    }, `[data-testid="${scope}"]`);
    return () => page.evaluate(() => (window as unknown as { __stages: string[] }).__stages);
  }

  it('loads the remote file, blocks an invalid edit, applies a fix with live stages, and restores the backup', async () => {
    const started = Date.now();
    // 1. The page reads the config over SSH.
    await page.goto(`/control/hosts/${HOST}/config`);
    await expect.poll(() => editor().inputValue(), { timeout: 20_000 }).toBe(SIM_CONFIG);
    await expect.poll(() => page.getByTestId('config-issues').textContent(), { timeout: 10_000 }).toContain('Valid llama-swap config (1 models)');
    expect(await page.getByTestId('config-apply').isDisabled()).toBe(true); // nothing changed yet
    await expect.poll(() => page.locator('[data-testid="backup-list"]').textContent(), { timeout: 10_000 }).toContain('No backups yet');

    // 2. A model without cmd: the error names its line and path, and Apply is disabled.
    await editor().fill(BROKEN);
    const issue = page.getByTestId('issue-error');
    await expect.poll(() => issue.count(), { timeout: 10_000 }).toBe(1);
    const issueText = await issue.textContent();
    expect(issueText).toContain('line 4');
    expect(issueText).toContain('models.big.cmd');
    expect(await page.getByTestId('config-apply').isDisabled()).toBe(true);
    await screenshot(page, 'host-config-invalid');

    // 3. The fix: no errors, the diff shows the changed and added lines, then apply.
    await editor().fill(CHANGED);
    await expect.poll(() => issue.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => page.getByTestId('config-issues').textContent(), { timeout: 10_000 }).toContain('Valid llama-swap config (2 models)');
    await page.getByTestId('config-show-diff').click();
    const diff = page.getByTestId('config-diff');
    await expect.poll(() => diff.locator('[data-kind="add"]').allTextContents(), { timeout: 10_000 }).toEqual([
      '+    cmd: llama-server --port ${PORT} --ctx-size 8192',
      '+  big:',
      '+    cmd: llama-server --port ${PORT} -m /models/big.gguf',
      '+    ttl: 60',
    ]);
    expect(await diff.locator('[data-kind="del"]').allTextContents()).toEqual(['-    cmd: llama-server --port ${PORT}']);
    expect(await remote()).toBe(SIM_CONFIG); // showing a diff changes nothing

    await expect.poll(() => page.getByTestId('config-apply').isEnabled()).toBe(true);
    await page.getByTestId('config-apply').click();
    const confirm = page.getByRole('alertdialog', { name: 'Confirm apply' });
    await expect.poll(() => confirm.textContent(), { timeout: 10_000 }).toContain('+4 −1 lines');
    await screenshot(page, 'host-config-confirm');
    const applyStages = await recordStages('config-panel');
    await confirm.getByRole('button', { name: 'Apply and restart' }).click();

    const applyJob = page.getByTestId('config-panel').getByTestId('job-progress');
    await expect.poll(() => applyJob.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    const seen = await applyStages();
    console.log(`[e2e] apply stages seen: ${seen.join(' → ')}`);
    expect(seen).toEqual(expect.arrayContaining(['backup', 'write', 'restart', 'health']));
    expect(seen.indexOf('write')).toBeLessThan(seen.indexOf('restart'));
    expect(seen.indexOf('restart')).toBeLessThan(seen.indexOf('health'));
    expect(await applyJob.getByTestId('job-status').textContent()).toBe('succeeded');
    const output = (await applyJob.getByTestId('job-output').textContent()) ?? '';
    expect(output).toContain('apply: +4 -1 lines');
    expect(output).toContain('llama-swap restarted');
    expect(output).toMatch(/healthy after \d+ ms/);
    expect(await remote()).toBe(CHANGED);
    expect(await restConfig()).toBe(CHANGED);
    // The editor reloads the applied file: nothing left unsaved.
    await expect.poll(() => editor().inputValue(), { timeout: 10_000 }).toBe(CHANGED);
    await expect.poll(() => page.getByTestId('config-apply').isDisabled()).toBe(true);
    await screenshot(page, 'host-config-applied');

    // 4. The backup that apply made is listed; restoring it brings the original back.
    const rows = page.getByTestId('backup-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    const backup = (await rows.first().getAttribute('data-name')) ?? '';
    expect(backup).toMatch(/^config\.yaml\.bak-\d{8}T\d{6}Z/);
    expect(output).toContain(backup);
    expect(await readFile(join(dirname(fx.shellConfig), backup), 'utf8')).toBe(SIM_CONFIG);

    const row = page.locator(`[data-testid="backup-row"][data-name="${backup}"]`);
    await row.getByRole('button', { name: 'Restore…' }).click();
    const restoreStages = await recordStages('backup-list');
    await row.getByRole('button', { name: 'Restore and restart' }).click();
    const restoreJob = page.getByTestId('backup-list').getByTestId('job-progress');
    await expect.poll(() => restoreJob.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(await restoreJob.textContent()).toContain(`Restore ${backup}`);
    expect(await restoreStages()).toEqual(expect.arrayContaining(['read-backup', 'restart', 'health']));
    expect(await restoreJob.getByTestId('job-output').textContent()).toContain(`restore ${backup}: +1 -4 lines`);
    expect(await remote()).toBe(SIM_CONFIG);
    expect(await restConfig()).toBe(SIM_CONFIG);
    // The editor shows the restored file, and the restore backed up the applied one first.
    await expect.poll(() => editor().inputValue(), { timeout: 10_000 }).toBe(SIM_CONFIG);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await screenshot(page, 'host-config-restored');
    expect(opened!.pageErrors).toEqual([]);
    console.log(`[e2e] host config flow took ${Date.now() - started} ms`);
  });
});
