import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { useConsole } from '../support/console';
import { orderBody } from '../support/oms';

/**
 * The console's Orders screen (#orders): search, filters in the address, presets (the queues), paging, CSV export and
 * bulk actions with a result per order, in headless Chromium against the real stack. Deliveries are slow, so shipped
 * orders stay SHIPPED (nothing left to cancel).
 */
const { oms, consoleAs, place } = useConsole({ settings: { carrierDeliveryDelayMs: 10 * 60_000 } });

const awaitingApproval = async () => {
  const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] })); // above Acme's approval limit
  await oms.waitForStatus(id, 'AWAITING_APPROVAL');
  return id;
};

/** The order ids the list shows, top to bottom (once it shows something other than "Loading…"). */
async function listed(page: Page): Promise<string[]> {
  await page.locator('table.orders-list, #content .empty:not(:text("Loading"))').first().waitFor();
  return page
    .locator('table.orders-list tbody tr')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-order-id')!));
}
/** Retries `check` (an assertion) until it passes, or throws its last failure after `timeoutMs`. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
/** Waits until the list shows exactly `ids` (in this order). */
const expectListed = (page: Page, ids: string[]) => eventually(async () => expect(await listed(page)).toEqual(ids));
/** Waits until the list no longer shows `id`. */
const expectGone = (page: Page, id: string) => eventually(async () => expect(await listed(page)).not.toContain(id));

describe('orders list as sales', () => {
  let acmeShop: string;
  let globex: string;
  let initechShop: string;
  const mine: string[] = []; // every order this block placed, newest first
  beforeAll(async () => {
    acmeShop = await place(orderBody({ channel: 'shop', externalId: 'SHOP-1001', metadata: { note: 'a, "quoted"' } }));
    globex = await place(
      orderBody({
        customerId: 'CUST-GLOBEX',
        lines: [{ sku: 'TEE-M', quantity: 1 }],
        payment: { method: 'invoice' },
      }),
    );
    initechShop = await place(
      orderBody({
        customerId: 'CUST-INITECH',
        lines: [{ sku: 'BEANS-1KG', quantity: 1 }],
        channel: 'shop',
        externalId: 'SHOP-1002',
      }),
    );
    mine.push(initechShop, globex, acmeShop);
    await Promise.all(mine.map((id) => oms.waitForStatus(id, 'SHIPPED')));
  });

  it('lists orders newest first with their columns, searches by q and keeps the filters in the address', async () => {
    const page = await consoleAs('sales', '#orders');
    await expectListed(page, mine);
    const row = page.locator(`tr[data-order-id="${acmeShop}"]`);
    const text = await row.innerText();
    expect(text).toContain('Acme Corp');
    expect(text).toContain('shop');
    expect(text).toContain('SHOP-1001');
    expect(text.toLowerCase()).toContain('shipped');
    expect(text).toContain('P3');
    expect(text).toMatch(/\$\d/);
    expect(await page.locator('a[data-preset=all]').getAttribute('aria-current')).toBe('true');
    // Sales may act on no order in bulk: no checkboxes, no bulk bar.
    expect(await page.locator('input[name=select]').count()).toBe(0);
    expect(await page.locator('button[data-bulk]').count()).toBe(0);
    await screenshot(page, 'console-orders-list');

    // Search by customer name, by external ID (its start), by tracking number; Enter submits.
    await page.fill('input[name=q]', 'initech');
    await page.press('input[name=q]', 'Enter');
    await expectListed(page, [initechShop]);
    expect(page.url()).toContain('#orders?q=initech');
    await page.fill('input[name=q]', 'shop-100');
    await page.press('input[name=q]', 'Enter');
    await expectListed(page, [initechShop, acmeShop]);
    const tracking = (await oms.request('GET', `/v1/orders/${globex}`)).body.trackingNumber;
    await page.fill('input[name=q]', tracking);
    await page.press('input[name=q]', 'Enter');
    await expectListed(page, [globex]);

    // The address is a bookmark: reloading shows the same filtered list, the search box filled.
    await page.reload();
    await expectListed(page, [globex]);
    expect(await page.inputValue('input[name=q]')).toBe(tracking);
    await page.click('a[data-clear]');
    await expectListed(page, mine);
  });

  it('filters by status, customer, SKU, channel and creation date', async () => {
    const page = await consoleAs('sales', '#orders');
    await expectListed(page, mine);
    await page.locator('select[name=customerId] option[value=CUST-GLOBEX]').waitFor({ state: 'attached' });
    await page.selectOption('select[name=customerId]', 'CUST-GLOBEX');
    await page.click('form[data-form=order-filters] button[type=submit]');
    await expectListed(page, [globex]);
    expect(page.url()).toContain('customerId=CUST-GLOBEX');

    await page.selectOption('select[name=customerId]', '');
    await page.locator('select[name=sku] option[value=BEANS-1KG]').waitFor({ state: 'attached' });
    await page.selectOption('select[name=sku]', 'BEANS-1KG');
    await page.click('form[data-form=order-filters] button[type=submit]');
    await expectListed(page, [initechShop]);

    await page.selectOption('select[name=sku]', '');
    await page.fill('input[name=channel]', 'shop');
    await page.selectOption('select[name=status]', 'SHIPPED');
    await page.click('form[data-form=order-filters] button[type=submit]');
    await expectListed(page, [initechShop, acmeShop]);
    await page.selectOption('select[name=status]', 'CANCELLED');
    await page.click('form[data-form=order-filters] button[type=submit]');
    await expectListed(page, []);
    expect(await page.locator('#content .empty').innerText()).toContain('No order matches');

    // Dates are calendar days in the browser's time zone: today finds them, yesterday does not.
    const today = await page.evaluate(() => {
      const now = new Date();
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    });
    await page.goto(`${oms.baseUrl}/console#orders?channel=shop&createdFrom=${today}&createdTo=${today}`);
    await expectListed(page, [initechShop, acmeShop]);
    expect(await page.inputValue('input[name=createdFrom]')).toBe(today);
    const yesterday = new Date(Date.parse(`${today}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    await page.fill('input[name=createdFrom]', yesterday);
    await page.fill('input[name=createdTo]', yesterday);
    await page.click('form[data-form=order-filters] button[type=submit]');
    await expectListed(page, []);
    await screenshot(page, 'console-orders-filtered');
  });

  it('pages with "Load more"', async () => {
    const page = await consoleAs('sales', '#orders?limit=10');
    const all = (await oms.request('GET', '/v1/orders?limit=200')).body.items.map((order: { id: string }) => order.id);
    // At least the three orders above; make sure there are more than 10 to page through.
    while (all.length <= 10) all.unshift(await place(orderBody()));
    await page.reload();
    await expectListed(page, all.slice(0, 10));
    await page.click('button[data-more]');
    await expectListed(page, all.slice(0, 20));
  });

  it('exports every page of the current filters as CSV, quoted, through a download', async () => {
    const page = await consoleAs('sales', '#orders?channel=shop');
    await expectListed(page, [initechShop, acmeShop]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export=csv]')]);
    expect(download.suggestedFilename()).toMatch(/^orders-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('Order,Created,Customer,Customer ID,Channel,External ID,Status,Priority,Total,Currency');
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual([initechShop, acmeShop]);
    expect(lines.at(-1)).toBe('');
    const acme = (await oms.request('GET', `/v1/orders/${acmeShop}`)).body;
    expect(lines[2]).toBe(
      [acmeShop, acme.createdAt, 'Acme Corp', 'CUST-ACME', 'shop', 'SHOP-1001', 'SHIPPED', '3'].join(',') +
        `,${(acme.totals.total / 100).toFixed(2)},USD`,
    );
    await page.locator('.export-status').getByText('Exported 2 orders').waitFor();

    // A customer name with a comma and quotes is quoted (RFC 4180); one starting like a formula is defused.
    const named = await oms.request('PATCH', '/v1/customers/CUST-INITECH', { body: { name: '=Initech, "the" firm' } });
    expect(named.status).toBe(200);
    const again = await consoleAs('sales', '#orders?channel=shop');
    await expectListed(again, [initechShop, acmeShop]);
    const [second] = await Promise.all([again.waitForEvent('download'), again.click('button[data-export=csv]')]);
    const row = readFileSync((await second.path())!, 'utf8').split('\r\n')[1];
    expect(row).toContain(`,"'=Initech, ""the"" firm",CUST-INITECH,`);
    await oms.request('PATCH', '/v1/customers/CUST-INITECH', { body: { name: 'Initech' } });
  });
});

describe('bulk actions', () => {
  it('support holds two orders, then releases them, with a result per order', async () => {
    const [first, second] = [await awaitingApproval(), await awaitingApproval()];
    const page = await consoleAs('support', '#orders?status=AWAITING_APPROVAL');
    expect(await page.locator('a[data-preset=approval]').getAttribute('aria-current')).toBe('true');
    await page.locator(`tr[data-order-id="${first}"]`).waitFor();
    // Support is offered hold, release and cancel; approving is for approvers.
    expect(
      await page.locator('button[data-bulk]').evaluateAll((buttons) => buttons.map((b) => b.dataset.bulk)),
    ).toEqual(['hold', 'release', 'cancel']);
    await page.check(`input[aria-label="Select ${first}"]`);
    await page.check(`input[aria-label="Select ${second}"]`);
    await page.getByText('2 orders selected').waitFor();
    await page.click('button[data-bulk=hold]');
    await page.fill('form[data-bulk-form=hold] input[name=reason]', 'checking the address with the customer');
    await page.press('form[data-bulk-form=hold] input[name=reason]', 'Enter');
    const results = page.locator('[data-bulk-results=hold]');
    await results.waitFor();
    expect(await results.locator('.summary').innerText()).toBe('Hold: 2 held');
    for (const id of [first, second])
      expect(
        await results.locator(`tr[data-result-order="${id}"][data-outcome=ok] .badge`).getAttribute('data-status'),
      ).toBe('ON_HOLD');
    // The list was refreshed: the held orders left the approval filter.
    await expectGone(page, first);
    await screenshot(page, 'console-orders-bulk-hold');

    await page.click('a[data-preset=held]');
    await page.locator(`tr[data-order-id="${first}"]`).waitFor();
    await page.check('input[name=selectAll]');
    await page.click('button[data-bulk=release]');
    await page.click('button[data-confirm=release]');
    const released = page.locator('[data-bulk-results=release]');
    await released.waitFor();
    expect(await released.locator('.summary').innerText()).toMatch(/^Release: \d+ released$/);
    await page.locator(`tr[data-result-order="${first}"][data-outcome=ok]`).waitFor();
    await page.locator(`tr[data-result-order="${second}"][data-outcome=ok]`).waitFor();
    await oms.waitForStatus(first, 'AWAITING_APPROVAL');
    await oms.waitForStatus(second, 'AWAITING_APPROVAL');
  });

  it('support cancels in bulk; an order with nothing left to ship shows its 409', async () => {
    const waiting = await awaitingApproval();
    const shipped = await place(orderBody({ channel: 'bulk-cancel' }));
    await oms.waitForStatus(shipped, 'SHIPPED');
    const page = await consoleAs('support', '#orders');
    await page.locator(`tr[data-order-id="${waiting}"]`).waitFor();
    await page.check(`input[aria-label="Select ${waiting}"]`);
    await page.check(`input[aria-label="Select ${shipped}"]`);
    await page.click('button[data-bulk=cancel]');
    await page.fill('form[data-bulk-form=cancel] input[name=reason]', 'customer asked');
    await page.click('button[data-confirm=cancel]');
    const results = page.locator('[data-bulk-results=cancel]');
    await results.waitFor();
    expect(await results.locator('.summary').innerText()).toBe('Cancel: 1 cancelled, 1 refused');
    expect(
      await results.locator(`tr[data-result-order="${waiting}"][data-outcome=ok] .badge`).getAttribute('data-status'),
    ).toBe('CANCELLED');
    expect(await results.locator(`tr[data-result-order="${shipped}"][data-outcome=refused]`).innerText()).toContain(
      '409',
    );
    await screenshot(page, 'console-orders-bulk-cancel');
    await page.locator(`tr[data-order-id="${waiting}"] .badge[data-status=CANCELLED]`).waitFor();
    expect((await oms.request('GET', `/v1/orders/${shipped}`)).body.status).toBe('SHIPPED');
  });

  it('an approver approves in bulk from the approval preset', async () => {
    const [first, second] = [await awaitingApproval(), await awaitingApproval()];
    const page = await consoleAs('approver', '#orders');
    await page.click('a[data-preset=approval]');
    await page.locator(`tr[data-order-id="${first}"]`).waitFor();
    expect(
      await page.locator('button[data-bulk]').evaluateAll((buttons) => buttons.map((b) => b.dataset.bulk)),
    ).toEqual(['approve']);
    await page.check(`input[aria-label="Select ${first}"]`);
    await page.check(`input[aria-label="Select ${second}"]`);
    await page.click('button[data-bulk=approve]');
    await page.click('button[data-confirm=approve]');
    const results = page.locator('[data-bulk-results=approve]');
    await results.waitFor();
    expect(await results.locator('.summary').innerText()).toBe('Approve: 2 approved');
    await oms.waitForStatus(first, ['ALLOCATED', 'PICKING', 'SHIPPED']);
    await oms.waitForStatus(second, ['ALLOCATED', 'PICKING', 'SHIPPED']);
    await expectGone(page, first);
  });

  it('offers warehouse no bulk actions', async () => {
    const page = await consoleAs('warehouse', '#orders');
    await page.locator('table.orders-list tbody tr').first().waitFor();
    expect(await page.locator('input[name=select]').count()).toBe(0);
    expect(await page.locator('button[data-bulk]').count()).toBe(0);
    expect(await page.locator('.bulk').isVisible()).toBe(false);
  });
});

describe('queues as presets', () => {
  it('links each queue screen to the same filter in the orders list', async () => {
    const page = await consoleAs('support', '#queue/exceptions');
    await page.click('a[data-in-list=exceptions]');
    await page.locator('a[data-preset=exceptions][aria-current=true]').waitFor();
    expect(await page.locator('.preset-note').innerText()).toContain('exception,lost');
    await page.click('.preset-note button');
    await page.locator('a[data-preset=all][aria-current=true]').waitFor();
  });
});
