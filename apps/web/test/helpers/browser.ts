import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '../../../../artifacts');

/** Debian's Chromium, headless, with the flags this closed-network machine needs. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function newPage(browser: Browser, baseUrl: string): Promise<Page> {
  const ctx = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  return ctx.newPage();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A browser with one page whose uncaught errors are collected; close() reports them and quits. */
export interface OpenedPage {
  page: Page;
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openPage(baseUrl: string): Promise<OpenedPage> {
  const browser = await launchBrowser();
  const page = await newPage(browser, baseUrl);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return {
    page,
    pageErrors,
    async close() {
      if (pageErrors.length) console.log('[e2e] page errors:', pageErrors);
      await browser.close();
    },
  };
}
