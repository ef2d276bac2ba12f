import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, screenshot } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Issue 13 in the browser: gateway requests under their consumer in Activity and Models, scores in the picker. */
describe('the fleet gateway in the cockpit', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({ sims: [{ config: { models: { alpha: { loadMs: 50, name: 'Alpha 7B' }, 'embed-x': { loadMs: 20, embedding: true } } } }] });
    await until(() => (stack.control.ctx.fleet.get('host-1')?.models.length ?? 0) === 2);
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-boo-source': 'e2e-agent', 'x-boo-session': 'run-1' },
        body: JSON.stringify({ model: 'alpha', messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 }),
      });
      expect(r.status).toBe(200);
      await r.text();
    }
    await until(async () => ((await (await fetch(`${stack.controlUrl}/api/control/gateway/requests`)).json()) as { requests: Array<{ activityId: string | null }> }).requests.filter((x) => x.activityId).length === 3);
    browser = await launchBrowser();
    page = await newPage(browser, stack.baseUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('Activity filters by consumer and session and tags the rows', async () => {
    await page.goto('/control/activity?consumer=e2e-agent&session=run-1');
    await expect.poll(() => page.locator('[data-testid="activity-row"]').count(), { timeout: 15_000 }).toBe(3);
    expect(await page.locator('[data-testid="consumer-tag"]').allTextContents()).toEqual(['e2e-agent', 'e2e-agent', 'e2e-agent']);
    await page.goto('/control/activity?consumer=nobody');
    await expect.poll(() => page.locator('[data-testid="activity-row"]').count(), { timeout: 10_000 }).toBe(0);
  });

  it('Models shows tokens by consumer; the picker shows the best loaded models', async () => {
    await page.goto('/control/models');
    await page.getByTestId('consumer-usage').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('consumer-usage').textContent()).toContain('e2e-agent');
    await screenshot(page, 'gateway-models');
    await page.goto('/control/fleet');
    await expect.poll(() => page.locator('[data-testid="host-card"]').count(), { timeout: 20_000 }).toBe(1);
    await page.keyboard.press('m');
    await page.getByTestId('routing-hints').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('routing-hints').textContent()).toMatch(/best loaded for coding: alpha on host-1/);
  });
});
