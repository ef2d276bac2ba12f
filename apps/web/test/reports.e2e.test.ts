import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { UsageReportSchema } from '@boocontrol/contracts';
import { openPage, screenshot, type OpenedPage } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

/**
 * Issue 14 in the browser: after some demo traffic the Reports view draws usage bars and the
 * residency swimlane for the demo fleet, and its CSV download carries the same numbers as the
 * JSON API.
 */
describe('Reports view on the demo fleet', () => {
  let stack: Stack;
  let opened: OpenedPage | undefined;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({ env: { DEMO_FLEET: 'on' } });
    opened = await openPage(stack.baseUrl);
    page = opened.page;
    const db = stack.control.ctx.dbState.db;
    // The demo fleet's trickle of requests: wait for a few stored rows and loads, then roll up now
    // instead of waiting for the minute timer.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await db.query<{ a: number; t: number }>('SELECT (SELECT count(*)::int FROM control_activity) AS a, (SELECT count(*)::int FROM control_model_transitions) AS t');
      if ((r.rows[0]?.a ?? 0) >= 5 && (r.rows[0]?.t ?? 0) >= 1) break;
      if (Date.now() > deadline) throw new Error('no demo traffic stored');
      await new Promise((res) => setTimeout(res, 500));
    }
    const rollups = stack.control.reports!.rollups;
    rollups.markRange(new Date(Date.now() - 2 * 3_600_000), new Date(Date.now() + 3_600_000));
    await rollups.runOnce();
  }, 150_000);

  afterAll(async () => {
    await opened?.close();
    await stack?.close();
  });

  it('renders usage bars and the residency swimlane, and downloads the usage CSV with the API numbers', async () => {
    await page.goto('/control/reports?range=24h&group=host');
    await page.getByTestId('view-reports').waitFor();
    await expect.poll(() => page.getByTestId('usage-bar').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('swimlane-lane').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByTestId('alerts-panel').waitFor();
    await screenshot(page, 'reports-demo-fleet');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-usage-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^usage-host-.*\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]!.slice(0, 2)).toEqual(['host', 'requests']);
    // Same range, same rollups: the JSON API answers the same numbers (rollups only move on a pass).
    const api = UsageReportSchema.parse(await (await fetch(`${stack.controlUrl}/api/control/reports/usage?range=24h&groupBy=host`)).json());
    const total = lines.find((l) => l[0] === 'total')!;
    expect(Number(total[1])).toBe(api.totals.requests);
    expect(api.totals.requests).toBeGreaterThanOrEqual(5);
    for (const row of api.rows) expect(Number(lines.find((l) => l[0] === row.key)![1])).toBe(row.requests);

    await page.getByTestId('group-model').click();
    await expect.poll(() => page.url()).toContain('group=model');
    await expect.poll(() => page.getByTestId('usage-row').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    expect(opened!.pageErrors).toEqual([]);
  });
});
