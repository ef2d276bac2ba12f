import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { TokenCreatedSchema } from '@boocontrol/contracts';
import { openPage, screenshot, type OpenedPage } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

/**
 * Issue 15 in the browser: with CONTROL_AUTH=token the page asks for a token once, keeps it,
 * and then works — REST (Models, a warm) and the WS (fleet cards, job progress) — through the
 * gateway. Revoking the token brings the prompt back.
 */
describe('the page with CONTROL_AUTH=token', () => {
  let stack: Stack;
  let opened: OpenedPage | undefined;
  let page: Page;
  let token: { id: string; secret: string };
  const secrets = mkdtempSync(join(tmpdir(), 'boo-e2e-secrets-'));
  const admin = () => readFileSync(join(secrets, 'control-admin.token'), 'utf8').trim();

  beforeAll(async () => {
    stack = await startStack({
      sims: [{ perfEveryMs: 1000, config: { models: { quick: { name: 'Quick 1B', loadMs: 100, genTps: 2000 }, steady: { name: 'Steady 8B', loadMs: 400, genTps: 400 } } } }],
      env: { CONTROL_AUTH: 'token', SECRETS_DIR: secrets },
    });
    const res = await fetch(`${stack.baseUrl}/api/control/tokens`, { method: 'POST', headers: { authorization: `Bearer ${admin()}`, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'browser', scopes: ['act'] }) });
    const created = TokenCreatedSchema.parse(await res.json());
    token = { id: created.token.id, secret: created.secret };
    opened = await openPage(stack.baseUrl);
    page = opened.page;
  }, 120_000);

  afterAll(async () => {
    await opened?.close();
    await stack?.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('nothing but health answers without a token', async () => {
    expect((await fetch(`${stack.baseUrl}/api/control/health`)).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/api/control/status`)).status).toBe(401);
  });

  it('asks for a token once, refuses a wrong one, then shows the live fleet', async () => {
    await page.goto('/control/fleet');
    await page.getByTestId('token-form').waitFor({ timeout: 30_000 });
    await screenshot(page, 'access-token-prompt');
    await page.getByTestId('token-input').fill('boo_0000000000000000_' + 'x'.repeat(43));
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/does not accept/);
    await page.getByTestId('token-input').fill(token.secret);
    await page.getByTestId('token-submit').click();
    // The fleet cards come over the WS, authenticated by the hello frame.
    await page.locator('[data-testid="host-card"][data-host="host-1"][data-status="online"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toContain('online');
    expect(await page.getByTestId('who').textContent()).toContain('browser');
  });

  it('keeps the token across a reload (no second prompt), and REST + WS work: a warm from Models with live progress', async () => {
    await page.goto('/control/models');
    await page.getByTestId('models-table').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('token-form').count()).toBe(0);
    const row = page.locator('[data-testid="model-entry"][data-key="host-1/steady"]');
    await row.waitFor({ timeout: 30_000 });
    await row.getByTestId('model-warm').click();
    const progress = page.getByTestId('switch-progress');
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(stack.sims[0]!.models().find((m) => m.id === 'steady')?.state).toBe('ready');
    await screenshot(page, 'access-token-mode-models');
    // The page never put the token in a URL.
    expect(page.url()).not.toContain(token.secret);
  });

  it('asks again when the token is revoked (the WS is closed by control)', async () => {
    await page.goto('/control/fleet');
    await page.locator('[data-testid="host-card"][data-host="host-1"]').waitFor({ timeout: 30_000 });
    const res = await fetch(`${stack.baseUrl}/api/control/tokens/${token.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin()}` } });
    expect(res.status).toBe(200);
    await page.getByTestId('token-form').waitFor({ timeout: 15_000 });
    expect(await page.locator('.auth-note').textContent()).toMatch(/no longer accept/);
  });
});
