import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { HostListSchema } from '@boocontrol/contracts';
import { openPage, type OpenedPage } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

/** A model of the demo fleet that its request trickle never asks for: warming it is ours alone. */
const HOST = 'demo-dual-3090';
const MODEL = 'phi-4-mini';
const KEY = `${HOST}/${MODEL}`;

/**
 * Issue 17 on the demo fleet (what `pnpm start` shows with no hosts configured), in Chromium:
 * Activity shows time to first token per request and its p50/p95 per model, and marks cache
 * hits; Models warms and unloads a model from its row through the job progress panel; Fleet
 * cards say "idle" when nothing is in flight. Screenshots go to this run's tmp dir.
 */
describe('web live: TTFT, cache hits and per-model actions on the demo fleet', () => {
  let stack: Stack;
  let opened: OpenedPage | undefined;
  let page: Page;
  const shots = mkdtempSync(join(tmpdir(), 'boo-web-live-'));
  const shoot = async (name: string) => {
    await page.waitForTimeout(600); // let row layout animations settle
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`[e2e] screenshot ${path}`);
  };
  const row = () => page.locator(`[data-testid="model-entry"][data-key="${KEY}"]`);

  beforeAll(async () => {
    stack = await startStack({ env: { DEMO_FLEET: 'on' } });
    opened = await openPage(stack.baseUrl);
    page = opened.page;
  });

  afterAll(async () => {
    await opened?.close();
    await stack?.close();
  });

  it('shows a TTFT per completed request, — with a reason where there is none, and p50/p95 per model', async () => {
    await page.goto('/control/activity');
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 30_000 }).toContain('online');
    // the demo trickle's chat requests carry llama-server timings, its embeddings do not
    const timed = page.locator('[data-testid="activity-row"] [data-testid="ttft"]:not([data-ttft=""])');
    await timed.first().waitFor({ timeout: 60_000 });
    expect(await timed.first().textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(Number(await timed.first().getAttribute('data-ttft'))).toBeGreaterThan(0);
    expect(await timed.first().getAttribute('title')).toMatch(/prompt processing .* \(llama-server prompt_ms/);
    const embedding = page.locator('[data-testid="activity-row"][data-model="nomic-embed-text-v1.5"] [data-testid="ttft"]').first();
    await embedding.waitFor({ timeout: 60_000 });
    expect(await embedding.textContent()).toBe('—');
    expect(await embedding.getAttribute('title')).toContain('Embeddings generate no tokens');
    // the strip refreshes every 10 s: reload until a chat model's p50/p95 is in it
    const p50p95 = /^\d+(\.\d)? (ms|s) \/ \d+(\.\d)? (ms|s)$/;
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId('activity-stats').waitFor({ timeout: 10_000 }).catch(() => undefined);
          return (await page.locator('[data-testid="model-ttft"]').allTextContents()).some((t) => p50p95.test(t));
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    // the capture column is an SVG icon, not a font glyph
    expect(await page.locator('[data-testid="activity-row"] td.cap-cell svg[data-icon="capture"]').count()).toBeGreaterThan(0);
  });

  it('warms a model from its Models row, with the state filter narrowing the list', async () => {
    // the trickle's first request loads mistral-small-24b, whose exclusive group would evict ours
    await page.goto('/control/models?state=loaded');
    await page.locator(`[data-testid="model-entry"][data-key="${HOST}/mistral-small-24b"]`).waitFor({ timeout: 60_000 });
    await page.getByTestId('state-stopped').click();
    expect(page.url()).toContain('state=stopped');
    await row().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="model-entry"]:not([data-state="stopped"])').count()).toBe(0);
    await row().getByTestId('model-warm').click();
    const progress = page.getByTestId('switch-progress');
    await expect.poll(() => progress.getAttribute('data-job-type'), { timeout: 10_000 }).toBe('warm');
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(await progress.textContent()).toContain(MODEL);
    // it left the "stopped" list, and it is in the "loaded" one
    await expect.poll(() => row().count(), { timeout: 10_000 }).toBe(0);
    await page.getByTestId('state-loaded').click();
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 10_000 }).toBe('ready');
    expect(page.url()).toContain('state=loaded');
    expect(await row().getByTestId('model-warm').isDisabled()).toBe(true);
  });

  it('marks a repeated prompt as a cache hit in Activity', async () => {
    const hosts = HostListSchema.parse(await (await fetch(`${stack.baseUrl}/api/control/hosts`)).json()).hosts;
    const url = hosts.find((h) => h.id === HOST)!.baseUrl;
    const ask = async () => {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, max_tokens: 24, messages: [{ role: 'user', content: 'summarize the flight plan for the night shift in three short lines please' }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
    };
    await ask();
    await ask(); // the same prefix again: llama.cpp reuses the slot's KV cache (cache_n > 0)
    await page.goto(`/control/activity?model=${MODEL}`);
    const hit = page.locator(`[data-testid="activity-row"][data-model="${MODEL}"] [data-testid="cache-hit"]`).first();
    await hit.waitFor({ timeout: 45_000 });
    expect(await hit.getAttribute('title')).toMatch(/^Cache hit: \d+ prompt tokens reused/);
    await expect.poll(async () => Number(await page.getByTestId('cache-hits').locator('.stat-value').textContent()), { timeout: 45_000 }).toBeGreaterThan(0);
    await page.goto('/control/activity');
    await page.locator('[data-testid="activity-row"]').first().waitFor();
    await page.waitForTimeout(800);
    await shoot('activity');
  });

  it('unloads the model from its row', async () => {
    // A demo trickle request to mistral-small-24b (exclusive group) may have evicted our model
    // since the warm test: make it resident again, through the same API (blocks until ready).
    const warm = await fetch(`${stack.baseUrl}/api/control/warm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, host: HOST }) });
    expect(warm.status).toBe(200);
    await page.goto('/control/models?state=loaded');
    await row().waitFor({ timeout: 30_000 });
    await shoot('models');
    await row().getByTestId('model-unload').click();
    const progress = page.getByTestId('switch-progress');
    await expect.poll(() => progress.getAttribute('data-job-type'), { timeout: 10_000 }).toBe('unload');
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    await expect.poll(() => page.getByTestId('switch-stage').getAttribute('data-stage'), { timeout: 10_000 }).toBe('stopped');
    await page.getByTestId('state-all').click();
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 10_000 }).toBe('stopped');
    expect(page.url()).not.toContain('state=');
    await shoot('models-after-unload');
  });

  it('says "idle" on a fleet card with nothing in flight', async () => {
    await page.goto('/control/fleet');
    await expect.poll(() => page.locator('[data-testid="host-card"]').count(), { timeout: 30_000 }).toBe(3);
    // the embeddings-only trickle leaves gaps; some card shows idle within a few seconds
    const idle = page.locator('[data-testid="inflight"][data-idle="true"]');
    await idle.first().waitFor({ timeout: 20_000 });
    expect(await idle.first().textContent()).toBe('idle');
    await shoot('fleet');
  });
});
