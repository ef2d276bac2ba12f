import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoScript } from '../../control/src/evals/demo-answers';
import { openPage, screenshot, type OpenedPage } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

/**
 * Issue 12 end to end: from the Evals view, launch an eval against a scripted simulator model,
 * watch it finish, open an item's drill-down, and see the scoreboard with its confidence interval.
 */
describe('evals in the browser', () => {
  let stack: Stack;
  let o: OpenedPage;

  beforeAll(async () => {
    stack = await startStack({
      sims: [{ config: { models: { 'qwen3-coder-30b': { loadMs: 50, genTps: 20000, promptTps: 100000, name: 'Coder', script: demoScript('qwen3-coder-30b') } } } }],
    });
    o = await openPage(stack.baseUrl);
  });
  afterAll(async () => {
    await o?.close();
    await stack?.close();
  });

  it('launch an eval, open an item, see the scoreboard with a CI', async () => {
    const { page } = o;
    await page.goto('/control/evals');
    await expect.poll(() => page.locator('[data-testid="eval-suite"] option').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    await page.getByTestId('eval-suite').selectOption('utility');
    await expect.poll(() => page.locator('[data-testid="eval-model"] option').count(), { timeout: 30_000 }).toBe(1);
    await page.getByTestId('eval-start').click();

    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('/control/evals/runs/');
    await expect.poll(() => page.getByTestId('eval-run-status').textContent(), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => page.getByTestId('eval-item').count(), { timeout: 10_000 }).toBe(18);
    expect(await page.getByTestId('eval-summary').textContent()).toContain('95 % CI');
    expect(await page.getByTestId('eval-provenance').textContent()).toContain('greedy');

    await page.locator('[data-testid="eval-item"][data-item="tool/switch"]').click();
    await expect.poll(() => page.getByTestId('eval-item-detail').count()).toBe(1);
    expect(await page.getByTestId('eval-item-answer').textContent()).toMatch(/switch_model|unsure/);
    await screenshot(page, 'evals-item');

    await page.goto('/control/evals');
    const row = page.locator('[data-testid="score-row"]');
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await row.first().locator('[data-testid="ci-bar"]').count()).toBe(1);
    expect(await row.first().getByTestId('ci-text').textContent()).toMatch(/\d+\.\d% — \d+\.\d%/);
    await screenshot(page, 'evals-scoreboard');
    expect(o.pageErrors).toEqual([]);
  });
});
