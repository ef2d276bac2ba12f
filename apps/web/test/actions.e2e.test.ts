import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, screenshot } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

/**
 * Issue 5 end to end: on /control, `m` opens the model picker, a digit picks a model, and the
 * switch shows its stages live until Ready; Esc cancels; the job history shows the output.
 */
describe('actions in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({
      sims: [
        {
          config: {
            models: {
              alpha: { loadMs: 300, name: 'Alpha 7B', description: 'small and quick' },
              beta: { loadMs: 2500, name: 'Beta 70B', description: 'big and slow' },
            },
          },
        },
      ],
    });
    browser = await launchBrowser();
    page = await newPage(browser, stack.baseUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('m opens the picker, Esc cancels, a digit switches and the stages reach Ready', async () => {
    await page.goto('/control/fleet');
    await expect.poll(() => page.locator('[data-testid="host-card"]').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toContain('online');

    await page.keyboard.press('m');
    await expect.poll(() => page.locator('[data-testid="picker-entry"]').count(), { timeout: 30_000 }).toBe(2);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('model-picker').count()).toBe(0);

    await page.keyboard.press('m');
    const beta = page.locator('[data-testid="picker-entry"][data-id="beta"]');
    await expect.poll(() => beta.count(), { timeout: 10_000 }).toBe(1);
    expect(await beta.textContent()).toContain('big and slow');
    const n = await beta.getAttribute('data-n');
    await page.keyboard.press(n!);
    await expect.poll(() => page.getByTestId('model-picker').count()).toBe(0);

    // Watch the stage attribute as it changes: the pipeline is shown live, not just its end.
    const stage = page.getByTestId('switch-stage');
    const seen: string[] = [];
    await expect
      .poll(
        async () => {
          const s = (await stage.getAttribute('data-stage').catch(() => null)) ?? '';
          if (s && seen.at(-1) !== s) seen.push(s);
          return s;
        },
        { timeout: 30_000, interval: 50 },
      )
      .toBe('ready');
    expect(seen).toContain('loading');
    expect(seen.indexOf('loading')).toBeLessThan(seen.indexOf('ready'));
    expect(await page.getByTestId('switch-progress').textContent()).toContain('beta');
    expect(await page.getByTestId('switch-elapsed').textContent()).toMatch(/\d+\.\d s/);
    expect(stack.sims[0]!.models().find((m: { id: string }) => m.id === 'beta')?.state).toBe('ready');
    await screenshot(page, 'actions-switch-ready');

    // The job history of the host has the switch with its output.
    await page.getByTestId('open-jobs').click();
    const row = page.locator('[data-testid="job-row"]').first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('succeeded');
    await row.locator('button').click();
    await expect.poll(() => page.getByTestId('job-output').textContent(), { timeout: 10_000 }).toContain('--- switching to beta ---');
    await screenshot(page, 'actions-job-history');
  });

  it('m works on other /control views and is ignored while typing', async () => {
    await page.keyboard.press('Escape');
    await page.goto('/control/models');
    await expect.poll(() => page.getByTestId('open-picker').count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.press('m');
    await expect.poll(() => page.locator('[data-testid="picker-entry"]').count(), { timeout: 10_000 }).toBe(2);
    await page.keyboard.press('Escape');
    await page.evaluate(() => {
      const i = document.createElement('input');
      i.id = 'typing-probe';
      document.body.appendChild(i);
      i.focus();
    });
    await page.keyboard.press('m');
    // The key went into the input (React flushes discrete events synchronously, so a picker
    // opened by this keydown would already be in the DOM).
    await expect.poll(() => page.locator('#typing-probe').inputValue()).toBe('m');
    expect(await page.getByTestId('model-picker').count()).toBe(0);
  });
});
