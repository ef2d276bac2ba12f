import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SimHostOptions } from '@boocontrol/sim';
import { openPage, screenshot, type OpenedPage } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

const QUICK: SimHostOptions = {
  perfEveryMs: 1000,
  config: {
    models: {
      quick: { name: 'Quick 1B', loadMs: 100, genTps: 2000, promptTps: 20000 },
      steady: { name: 'Steady 8B', loadMs: 300, genTps: 400 },
    },
  },
};

async function chat(url: string, model = 'quick'): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 12, messages: [{ role: 'user', content: 'tell me something' }] }),
  });
  await res.text();
  return res.status;
}

/**
 * Issue 4 end to end: three simulated hosts behind control and the gateway, in Chromium. The
 * Fleet view shows them live (a frozen host goes offline within 5 s and comes back), a request
 * appears in Activity, and Logs follows a live log.
 */
describe('live fleet in the browser', () => {
  let stack: Stack;
  let opened: OpenedPage | undefined;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({ sims: [QUICK, QUICK, QUICK] });
    opened = await openPage(stack.baseUrl);
    page = opened.page;
  });

  afterAll(async () => {
    await opened?.close();
    await stack?.close();
  });

  const card = (host: string) => page.locator(`[data-testid="host-card"][data-host="${host}"]`);

  it('shows three hosts; a frozen host turns offline within 5 s and back online after it recovers', async () => {
    await page.goto('/control/fleet');
    await expect.poll(() => page.locator('[data-testid="host-card"]').count(), { timeout: 30_000 }).toBe(3);
    for (const h of ['host-1', 'host-2', 'host-3']) await expect.poll(() => card(h).getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
    // a model loads: its state animates in on the card
    expect(await chat(stack.sims[0]!.url)).toBe(200);
    await card('host-1').locator('[data-testid="model-row"][data-model="quick"][data-state="ready"]').waitFor({ timeout: 10_000 });
    await screenshot(page, 'fleet-three-hosts');

    stack.sims[1]!.faults.freeze();
    const frozenAt = Date.now();
    await card('host-2').and(page.locator('[data-status="offline"]')).waitFor({ timeout: 5000 });
    const offlineAfter = Date.now() - frozenAt;
    expect(offlineAfter).toBeLessThan(5000);
    await expect.poll(() => card('host-2').getByTestId('host-reason').textContent()).toMatch(/not answering/);
    await screenshot(page, 'fleet-host-offline');
    stack.sims[1]!.faults.unfreeze();
    await card('host-2').and(page.locator('[data-status="online"]')).waitFor({ timeout: 15_000 });
    console.log(`[e2e] frozen host offline after ${offlineAfter} ms`);
  });

  it('shows a request in Activity within a second, and opens its capture', async () => {
    await page.goto('/control/activity');
    await page.getByTestId('activity-table').waitFor();
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toContain('online');
    await page.waitForTimeout(500); // let the first page of history settle
    const before = await page.locator('[data-testid="activity-row"][data-host="host-3"]').count();
    expect(await chat(stack.sims[2]!.url, 'steady')).toBe(200);
    const done = Date.now();
    await page.locator('[data-testid="activity-row"][data-host="host-3"][data-model="steady"]').nth(before).waitFor({ timeout: 5000 });
    const latency = Date.now() - done;
    console.log(`[e2e] request visible in Activity ${latency} ms after it completed`);
    expect(latency).toBeLessThan(1000);
    await page.locator('[data-testid="activity-row"][data-host="host-3"][data-model="steady"]').first().click();
    await expect.poll(() => page.getByTestId('capture-request').textContent(), { timeout: 10_000 }).toContain('tell me something');
    await screenshot(page, 'activity-capture');
    await page.keyboard.press('Escape');
    // filters narrow what is shown
    await page.getByTestId('activity-search').fill('steady');
    await expect.poll(async () => (await page.locator('[data-testid="activity-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-model')))).every((m) => m === 'steady'), { timeout: 5000 }).toBe(true);
  });

  it('follows a live log, pauses, and highlights search hits', async () => {
    await page.goto('/control/logs?host=host-1&source=proxy');
    await page.getByTestId('log-pane').waitFor();
    const marker = `boo-marker-${Date.now()}`;
    stack.sims[0]!.log(`[INFO] ${marker} first`);
    await page.locator('[data-testid="log-line"]', { hasText: `${marker} first` }).waitFor({ timeout: 5000 });
    await page.getByTestId('logs-pause').click();
    stack.sims[0]!.log(`[INFO] ${marker} second`);
    await page.waitForTimeout(800);
    expect(await page.locator('[data-testid="log-line"]', { hasText: `${marker} second` }).count()).toBe(0);
    await page.getByTestId('logs-follow').click();
    await page.locator('[data-testid="log-line"]', { hasText: `${marker} second` }).waitFor({ timeout: 5000 });
    await page.getByTestId('logs-search').fill(marker);
    await expect.poll(() => page.getByTestId('logs-hits').textContent(), { timeout: 5000 }).toContain('2 hits');
    expect(await page.locator('mark.hit').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'logs-follow');
  });

  it('lists every model of the fleet, and a host detail page charts its telemetry', async () => {
    await page.goto('/control/models');
    await expect.poll(() => page.locator('[data-testid="model-entry"]').count(), { timeout: 10_000 }).toBe(6);
    await expect.poll(() => page.locator('[data-testid="model-entry"][data-key="host-1/quick"]').getAttribute('data-state')).toBe('ready');
    await screenshot(page, 'models');
    await page.goto('/control/fleet/host-1');
    await expect.poll(() => page.locator('[data-testid="perf-chart"]').count(), { timeout: 10_000 }).toBe(6);
    await page.getByTestId('range-6h').click();
    await page.waitForTimeout(1500);
    await screenshot(page, 'host-detail');
    await expect.poll(() => page.locator('[data-testid="perf-chart"] .recharts-area').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  });
});
