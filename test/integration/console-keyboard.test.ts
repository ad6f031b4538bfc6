import type { Page } from 'playwright-core';
import { SCREENS, type ScreenContext } from '../../scripts/screenshots/screens';
import { seedConsoleData, startHookReceiver } from '../../scripts/screenshots/seed';
import { screenshot } from '../support/browser';
import { useConsole } from '../support/console';
import { orderBody } from '../support/oms';

/**
 * The console by keyboard only, at 1280 px (issue 19): signing in, moving to the orders list, opening an order and
 * approving it with Tab, Shift+Tab, Enter and Escape; and on every screen (the screenshot script's list, which covers
 * every route of main.js) a visible focus ring on each stop of Tab, a label on each field, no clickable element that
 * is not a control, and nothing wider than the window. The data is the screenshot script's (scripts/screenshots).
 */
let receiver: Awaited<ReturnType<typeof startHookReceiver>>;
let context: ScreenContext;
const { oms, openConsole, consoleAs, place } = useConsole(async () => {
  receiver = await startHookReceiver();
  const hour = 60 * 60_000;
  return {
    settings: {
      fulfillmentMode: 'manual',
      carrierDeliveryDelayMs: hour,
      returnWindowMs: hour,
      approvalTimeoutMs: hour,
      backorderTimeoutMs: hour,
    },
  };
});
beforeAll(async () => {
  context = await seedConsoleData(oms, { webhookUrl: receiver.url });
}, 120_000);
afterAll(() => receiver?.close());

interface Focus {
  tag: string;
  id: string;
  name: string | null;
  href: string | null;
  text: string;
  data: Record<string, string>;
  /** The outline drawn around it (2 px or more), or null. */
  ring: string | null;
  /** Inside the window. */
  visible: boolean;
}

/** The focused element, or null when the focus is on nothing (the body). */
function focused(page: Page): Promise<Focus | null> {
  return page.evaluate(() => {
    const window = globalThis as any;
    const element = window.document.activeElement;
    if (!element || element === window.document.body) return null;
    const style = window.getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return {
      tag: element.tagName.toLowerCase(),
      id: element.id,
      name: element.getAttribute('name'),
      href: element.getAttribute('href'),
      text: element.textContent.trim().slice(0, 40),
      data: { ...element.dataset },
      ring:
        style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
          ? `${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`
          : null,
      visible: box.width > 0 && box.bottom > 0 && box.top < window.innerHeight && box.left < window.innerWidth,
    };
  });
}

const describeFocus = (focus: Focus | null) =>
  focus
    ? `${focus.tag}${focus.name ? `[name=${focus.name}]` : ''}${focus.href ? `[href=${focus.href}]` : ''} "${focus.text}"`
    : 'nothing';

/**
 * Presses Tab (Shift+Tab with `back`) until the focus is on what `wanted` accepts; every stop on the way must show a
 * focus ring inside the window. Fails naming the stops when it takes more than `max` presses or the focus falls off.
 */
async function tabTo(page: Page, wanted: (focus: Focus) => boolean, options: { back?: boolean; max?: number } = {}) {
  const stops: string[] = [];
  for (let press = 0; press < (options.max ?? 80); press++) {
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
    const focus = await focused(page);
    stops.push(describeFocus(focus));
    if (!focus) throw new Error(`the focus fell off the page after ${stops.join(' → ')}`);
    if (!focus.ring || !focus.visible)
      throw new Error(`no visible focus ring on ${describeFocus(focus)} (after ${stops.join(' → ')})`);
    if (wanted(focus)) return focus;
  }
  throw new Error(`not reached in ${stops.length} presses: ${stops.join(' → ')}`);
}

/**
 * Waits (5 s at most) until the focus is on what `wanted` accepts. Polled from here: the console's CSP forbids the
 * string evaluation page.waitForFunction polls with.
 */
async function focusIsOn(page: Page, wanted: (focus: Focus) => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; ; await page.waitForTimeout(50)) {
    const focus = await focused(page);
    if (focus && wanted(focus)) return;
    if (Date.now() > deadline) throw new Error(`the focus stayed on ${describeFocus(focus)}`);
  }
}

/** What a person at a 1280 px window would trip on: anything wider than the window, fields without a label, and
 * clickable things that are not controls (a row that opens an order also holds its link). */
function layoutProblems(page: Page) {
  return page.evaluate(() => {
    const window = globalThis as any;
    const document = window.document;
    const all: any[] = [...document.querySelectorAll('body *')];
    const layout = document.querySelector('.layout');
    const edge = layout
      ? layout.getBoundingClientRect().right - parseFloat(window.getComputedStyle(layout).paddingRight)
      : window.innerWidth;
    const name = (element: any) =>
      `${element.tagName.toLowerCase()}${element.className ? `.${String(element.className).replace(/ /g, '.')}` : ''}`;
    return {
      sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      // Past the window, or into the page's margin (where a too wide table pushes the screen's column).
      wider: all
        .filter((element) => {
          const right = element.getBoundingClientRect().right;
          const inside = layout && element !== layout && layout.contains(element);
          return right > window.innerWidth + 0.5 || (inside && right > edge + 0.5);
        })
        .map((element) => `${name(element)} ends at ${Math.round(element.getBoundingClientRect().right)} px`)
        .slice(0, 5),
      unlabelled: all
        .filter((element) => ['INPUT', 'SELECT', 'TEXTAREA'].includes(element.tagName) && element.type !== 'hidden')
        .filter((element) => !element.labels?.length && !element.getAttribute('aria-label'))
        .map((element) => `${name(element)}[name=${element.name}]`),
      clickable: all
        .filter((element) => window.getComputedStyle(element).cursor === 'pointer')
        .filter((element) => !element.closest('a[href], button, label, summary, input, select'))
        .filter((element) => !element.closest('tr')?.querySelector('a[href], button'))
        .map(name),
    };
  });
}

describe('the console by keyboard only', () => {
  it('signs in, opens the orders list and an order, puts a form away with Escape and approves with Enter', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] })); // above Acme's approval limit
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    const page = await openConsole();

    // The key field has the focus; Enter signs in, and the focus is on the screen that opens.
    expect((await focused(page))?.name).toBe('apiKey');
    await page.keyboard.type(oms.keyOf('approver'));
    await page.keyboard.press('Enter');
    await page.locator('nav.queues').first().waitFor();
    await focusIsOn(page, (focus) => focus.id === 'content');

    // Back into the sidebar to "All orders"; the focus stays on the link as the list opens.
    await tabTo(page, (focus) => focus.href === '#orders', { back: true });
    await page.keyboard.press('Enter');
    await page.locator(`table.orders-list tr[data-order-id="${id}"]`).waitFor();
    expect((await focused(page))?.href).toBe('#orders');

    // On through the sidebar and the filters to the order's link; the order opens with the focus on its screen.
    await tabTo(page, (focus) => focus.data.orderLink === id);
    await page.keyboard.press('Enter');
    await page.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    await focusIsOn(page, (focus) => focus.id === 'content');

    // Reject opens its form with the focus in it; Escape puts it away and gives the focus back to the button.
    await tabTo(page, (focus) => focus.data.action === 'reject');
    await page.keyboard.press('Enter');
    await focusIsOn(page, (focus) => focus.name === 'reason');
    await page.keyboard.type('not sure yet');
    await page.keyboard.press('Escape');
    await page.locator('textarea[name=reason]').waitFor({ state: 'detached' });
    await focusIsOn(page, (focus) => focus.data.action === 'reject');
    // The page reloads itself every 3 s while the order waits: the focus stays on the button.
    await page.waitForTimeout(3_500);
    expect((await focused(page))?.data.action).toBe('reject');

    // Approve: the focus goes to the first quantity; a note, then Enter in a field sends the form.
    await tabTo(page, (focus) => focus.data.action === 'approve', { back: true });
    await page.keyboard.press('Enter');
    await focusIsOn(page, (focus) => focus.name === 'approve-LAPTOP-14');
    await tabTo(page, (focus) => focus.name === 'note');
    await page.keyboard.type('approved by keyboard');
    await page.keyboard.press('Shift+Tab');
    expect((await focused(page))?.name).toBe('approve-LAPTOP-14');
    await screenshot(page, 'console-keyboard-approve');
    await page.keyboard.press('Enter');
    await page.locator('.notice.ok').getByText('Approved.', { exact: true }).waitFor();
    expect(await focused(page)).not.toBeNull(); // still somewhere on the page, not dropped
    const order = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(order.timeline.map((event: { message: string }) => event.message)).toContain(
      'Approved: approved by keyboard',
    );
    expect(await layoutProblems(page)).toEqual({ sideways: 0, wider: [], unlabelled: [], clickable: [] });
  });

  it('shows a focus ring on every stop of Tab, labels every field and fits 1280 px, on every screen', async () => {
    const signIn = await openConsole();
    expect(await layoutProblems(signIn)).toEqual({ sideways: 0, wider: [], unlabelled: [], clickable: [] });

    const page = await consoleAs('admin');
    const screens = SCREENS.filter((screen) => !screen.signedOut);
    for (const screen of screens) {
      await page.evaluate(`location.hash = ${JSON.stringify(screen.hash(context))}`);
      await page.locator(screen.ready).first().waitFor();
      await screen.prepare?.(page);
      expect({ screen: screen.name, ...(await layoutProblems(page)) }).toEqual({
        screen: screen.name,
        sideways: 0,
        wider: [],
        unlabelled: [],
        clickable: [],
      });
      // From the first control of the page (the skip link) through every other one, until the focus leaves the page.
      // (Placed there by script, then one Tab and back, so that it is the keyboard's focus.)
      await page.evaluate("document.querySelector('.skip-link').focus()");
      await tabTo(page, () => true);
      await tabTo(page, (focus) => focus.text === 'Skip to the screen', { back: true, max: 1 });
      const end = await tabTo(page, () => false, { max: 300 }).then(
        () => 'ended on a stop',
        (failure: Error) => failure.message,
      );
      expect(`${screen.name}: ${end}`).toMatch(new RegExp(`^${screen.name}: the focus fell off the page`));
      // The top bar and the sidebar alone have more than 15 stops: the round went through the page.
      expect(end.split(' → ').length).toBeGreaterThan(15);
    }
  }, 180_000);
});
