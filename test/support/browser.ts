import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Where browser tests put their screenshots (git-ignored). */
export const SCREENSHOT_DIR = path.join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

export { chromiumPath, launchBrowser } from '../../tools/chromium';

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions in the page's scripts and console errors (a CSP violation, a missing file): a test expects none. */
  errors: string[];
}

/**
 * A fresh context (its own sessionStorage) and page that records the page's uncaught script errors and console
 * errors. An API answer the page shows (a 409 it was asked to provoke) is not one: Chromium logs every refused
 * request as "Failed to load resource", so those are left out for `/v1/` only, and a missing page file still counts.
 */
export async function openPage(browser: Browser, url?: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url;
    const refusedApiRequest =
      message.text().startsWith('Failed to load resource') && new URL(source, 'http://x').pathname.startsWith('/v1/');
    if (!refusedApiRequest) errors.push(`console: ${message.text()} (${source})`);
  });
  if (url) await page.goto(url);
  return { page, context, errors };
}

/** A full-page PNG under test-artifacts/screenshots; answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
