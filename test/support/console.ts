import type { Browser, Page } from 'playwright-core';
import type { Role } from '../../config';
import { launchBrowser, openPage, type WatchedPage } from './browser';
import { startOms, type TestOms } from './oms';

/** The width the console is made for (issue 19): every console test looks at it there. */
export const CONSOLE_VIEWPORT = { width: 1280, height: 900 };

export type ConsoleOptions = Parameters<typeof startOms>[0];

export interface OpenOptions {
  /** The console is told (GET /v1/me) that the key has this role, so it offers that role's actions; the API still decides. */
  offeredAs?: Role;
  /** Playwright's fake clock, installed before the console loads (a test moves time on with page.clock). */
  fakeClock?: boolean;
}

export interface ConsoleHarness {
  /** The whole OMS of this test file (test/support/oms.ts). */
  oms: TestOms;
  /** The console at `hash`, not signed in, in a fresh browser context (its own sessionStorage) 1280 px wide. */
  openConsole(hash?: string, options?: OpenOptions): Promise<Page>;
  /** Signs in on the sign-in form with a role's key, by keyboard (Enter submits), and waits for the sidebar. */
  signIn(page: Page, role: Role): Promise<void>;
  /** openConsole, then signIn. */
  consoleAs(role: Role, hash?: string, options?: OpenOptions): Promise<Page>;
  /** Places an order as sales and answers its id. */
  place(body: Record<string, unknown>): Promise<string>;
}

/**
 * A console test file's setup: the OMS (startOms with `options`, or what `options()` answers once the file's other
 * servers are up) and Chromium, started before the file's tests and stopped after them; every page it opened must
 * have recorded no script or console error by the end of the test that opened it.
 *
 * Everything it returns can be used from the file's top level: `oms` stands for the system started in beforeAll.
 */
export function useConsole(options: ConsoleOptions | (() => Promise<ConsoleOptions>) = {}): ConsoleHarness {
  let started: { oms: TestOms; browser: Browser } | undefined;
  const opened: WatchedPage[] = [];
  const running = () => {
    if (!started) throw new Error('the console harness starts in beforeAll: use it inside a test or a hook');
    return started;
  };

  beforeAll(async () => {
    const settings = typeof options === 'function' ? await options() : options;
    const [oms, browser] = await Promise.all([startOms(settings), launchBrowser()]);
    started = { oms, browser };
  });
  afterAll(async () => {
    await started?.browser.close();
    await started?.oms.close();
  });
  afterEach(() => {
    // A script error or a console error in a page fails the test that caused it.
    for (const watched of opened.splice(0)) expect(watched.errors).toEqual([]);
  });

  const oms = new Proxy({} as TestOms, { get: (_target, name) => Reflect.get(running().oms, name) });

  async function openConsole(hash = '', openOptions: OpenOptions = {}): Promise<Page> {
    const watched = await openPage(running().browser);
    opened.push(watched);
    const { page } = watched;
    await page.setViewportSize(CONSOLE_VIEWPORT);
    if (openOptions.fakeClock) await page.clock.install();
    const { offeredAs } = openOptions;
    if (offeredAs)
      await page.route('**/v1/me', (route) => route.fulfill({ json: { role: offeredAs, keyId: 'pretend' } }));
    await page.goto(`${oms.baseUrl}/console${hash}`);
    return page;
  }

  async function signIn(page: Page, role: Role): Promise<void> {
    await page.fill('input[name=apiKey]', oms.keyOf(role));
    await page.press('input[name=apiKey]', 'Enter');
    await page.locator('nav.queues').first().waitFor();
  }

  return {
    oms,
    openConsole,
    signIn,
    async consoleAs(role, hash, openOptions) {
      const page = await openConsole(hash, openOptions);
      await signIn(page, role);
      return page;
    },
    async place(body) {
      const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
      expect(placed.status).toBe(202);
      return placed.body.id;
    },
  };
}

/** The actions an order's page offers, by their data-action, in the order shown. */
export const actionsOn = (page: Page) =>
  page
    .locator('#actions button[data-action]')
    .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-action')));
