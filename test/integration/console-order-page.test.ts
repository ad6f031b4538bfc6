import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { actionsOn, useConsole } from '../support/console';
import { orderBody } from '../support/oms';

/**
 * An order's page in the console with every action its role may take (SPEC sections 3 and 4), in headless Chromium
 * on a 1280 px window against the real stack: approve with reduced quantities, refund by lines and by amount, open
 * a return and receive it, invoice PDFs, the Temporal UI link. Auto mode with quick deliveries and a return window
 * long enough to act in.
 */
const { oms, consoleAs, place } = useConsole({
  settings: { carrierDeliveryDelayMs: 200, returnWindowMs: 10 * 60_000 },
});

const cell = (page: Page, sku: string, column: string) =>
  page.locator(`tr[data-line="${sku}"] td[data-qty=${column}]`).innerText();
/** The refund-by-lines form's numbers of one line: its ordered, shipped, refunded and refundable units. */
const refundUnits = (page: Page, sku: string) =>
  Promise.all(
    ['ordered', 'shipped', 'refunded', 'refundable'].map((column) =>
      page.locator(`table.refund-lines tr[data-line="${sku}"] td[data-units=${column}]`).innerText(),
    ),
  );
const refunds = async (orderId: string) =>
  (await oms.request('GET', `/v1/orders/${orderId}`)).body.payments
    .filter((payment: { kind: string }) => payment.kind === 'refund')
    .map((payment: { amount: number }) => payment.amount);

describe("an order's page with every action", () => {
  it('lets an approver approve reduced quantities: the difference is cancelled', async () => {
    // 4 laptops are above Acme's approval limit.
    const id = await place(
      orderBody({
        lines: [
          { sku: 'LAPTOP-14', quantity: 4 },
          { sku: 'MUG-BLK', quantity: 2 },
        ],
      }),
    );
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    const page = await consoleAs('approver', `#order/${id}`);
    await page.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    expect(await actionsOn(page)).toEqual(['approve', 'reject']);
    const sent: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/v1/orders/${id}/approve`))
        sent.push(request.postDataJSON());
    });

    await page.click('button[data-action=approve]');
    expect(await page.locator('[data-rules=approve]').innerText()).toContain(
      'the difference becomes the cancelled quantity',
    );
    await page.fill('input[name="approve-LAPTOP-14"]', '2');
    await screenshot(page, 'console-order-approve-reduced');
    await page.click('button[data-confirm=approve]');
    await page.locator('.notice.ok').getByText('Approved with reduced quantities.').waitFor();
    // Only the changed line is sent: the mugs keep their quantity.
    expect(sent).toEqual([{ lines: [{ sku: 'LAPTOP-14', approvedQuantity: 2 }] }]);
    await page.locator('tr[data-line="LAPTOP-14"] td[data-qty=cancelled]', { hasText: '2' }).waitFor();
    expect(await cell(page, 'LAPTOP-14', 'approved')).toBe('2');
    expect(await cell(page, 'MUG-BLK', 'approved')).toBe('2');
    expect(await cell(page, 'MUG-BLK', 'cancelled')).toBe('0');
    const order = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(order.lines).toEqual([
      expect.objectContaining({ sku: 'LAPTOP-14', approvedQuantity: 2, cancelledQuantity: 2 }),
      expect.objectContaining({ sku: 'MUG-BLK', approvedQuantity: 2, cancelledQuantity: 0 }),
    ]);
  });

  let deliveredOrder: string;
  let returnId: string;

  it('lets support refund by lines and by amount, download the invoice PDF and open a return', async () => {
    deliveredOrder = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }));
    await oms.waitForStatus(deliveredOrder, 'DELIVERED', 30_000);
    const page = await consoleAs('support', `#order/${deliveredOrder}`);
    await page.locator('.order-head .badge[data-status=DELIVERED]').waitFor();
    expect(await actionsOn(page)).toEqual(['refund', 'return']);
    // Nothing is left to ship: no cancel, and the page says why.
    expect(await page.locator('.action-rules').innerText()).toContain('can no longer be cancelled');

    // The Temporal UI link of its workflow.
    const history = (await oms.request('GET', `/v1/orders/${deliveredOrder}/history`)).body;
    expect(await page.getAttribute('a[data-link=temporal]', 'href')).toBe(history.temporalUiUrl);
    // Shipments with their carrier events, and the payments.
    await page.locator('.shipment .events .badge[data-status=delivered]').first().waitFor();
    expect(await page.locator('#payments tr[data-payment-kind=capture]').count()).toBe(1);

    // By lines: one of three mugs, at its billed price with its tax.
    await page.click('button[data-action=refund]');
    const rules = await page.locator('[data-rules=refunds]').innerText();
    expect(rules).toContain('never more than was captured');
    expect(rules).toContain('units already refunded cannot be refunded again');
    await page.check('input[name=kind][value=lines]');
    expect(await refundUnits(page, 'MUG-BLK')).toEqual(['3', '3', '0', '3']);
    await page.fill('input[name="refund-MUG-BLK"]', '1');
    await page.fill('textarea[name=reason]', 'chipped');
    await page.click('button[data-confirm=refunds]');
    await page
      .locator('.notice.ok')
      .getByText(/^Refunded \$13\.61, credit note CN-/)
      .waitFor();

    // By amount.
    await page.click('button[data-action=refund]');
    await page.check('input[name=kind][value=amount]');
    await page.fill('input[name=amount]', '2.50');
    await page.fill('textarea[name=reason]', 'late delivery');
    await page.keyboard.press('Tab');
    await page.click('button[data-confirm=refunds]');
    await page
      .locator('.notice.ok')
      .getByText(/^Refunded \$2\.50/)
      .waitFor();
    expect(await refunds(deliveredOrder)).toEqual([1361, 250]);

    // The mug refunded by lines is no longer refundable: more than the two left is refused before anything is sent.
    const sent: string[] = [];
    page.on('request', (request) => request.method() === 'POST' && sent.push(request.url()));
    await page.click('button[data-action=refund]');
    await page.check('input[name=kind][value=lines]');
    expect(await refundUnits(page, 'MUG-BLK')).toEqual(['3', '3', '1', '2']);
    const units = page.locator('input[name="refund-MUG-BLK"]');
    expect(await units.getAttribute('max')).toBe('2');
    await units.fill('3');
    await page.fill('textarea[name=reason]', 'all of them');
    await page.click('button[data-confirm=refunds]');
    expect(await units.evaluate((input) => (input as unknown as { validationMessage: string }).validationMessage)).toBe(
      'MUG-BLK: at most 2 units can be refunded (3 shipped, 1 already refunded)',
    );
    await screenshot(page, 'console-order-refund-lines-refused');
    // Nothing left on a line: refused as well, in words.
    await units.fill('0');
    await page.click('button[data-confirm=refunds]');
    await page.locator('.refund-problem').getByText('Enter the units to refund on at least one line').waitFor();
    expect(sent).toEqual([]);
    expect(await refunds(deliveredOrder)).toEqual([1361, 250]);
    await page.click('form[data-form=refunds] button:text("Close")');
    await page.locator('#payments tr[data-payment-kind=refund]').nth(1).waitFor();
    // Invoices and credit notes, one credit note per refund.
    await page.locator('#invoices tr[data-invoice^="CN-"]').nth(1).waitFor();

    // The invoice's PDF, fetched with the key and downloaded from a Blob URL.
    const invoice = page.locator('#invoices tr[data-invoice^="INV-"] button[data-pdf]').first();
    const number = await invoice.getAttribute('data-pdf');
    const [download] = await Promise.all([page.waitForEvent('download'), invoice.click()]);
    expect(download.suggestedFilename()).toBe(`${number}.pdf`);
    const bytes = await readFile((await download.path())!);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('%PDF');

    // A return of two mugs, for a refund.
    await page.click('button[data-action=return]');
    const returnRules = await page.locator('[data-rules=return]').innerText();
    expect(returnRules).toContain('Within the return window');
    expect(returnRules).toContain('Exchange: a replacement shipment');
    await page.fill('input[name="return-MUG-BLK"]', '2');
    await page.check('input[name=resolution][value=refund]');
    await page.fill('textarea[name=reason]', 'arrived broken');
    await screenshot(page, 'console-order-return-form');
    await page.click('button[data-confirm=return]');
    returnId = `${deliveredOrder}/return-1`;
    await page.locator('.notice.ok').getByText(`Return ${returnId} opened`).waitFor();
    const row = page.locator(`#returns tr[data-return-id="${returnId}"]`);
    await row.locator('.badge[data-status=AWAITING_RECEIPT]').waitFor();
    expect(await row.innerText()).toContain('2 × MUG-BLK');
    // Support does not receive goods.
    expect(await actionsOn(page)).not.toContain('receive');
    // Readable on a 1280 px window: nothing wider than it.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    await screenshot(page, 'console-order-support');
  });

  it('offers sales none of the support, approver or warehouse actions', async () => {
    const waiting = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    await oms.waitForStatus(waiting, 'AWAITING_APPROVAL');
    const page = await consoleAs('sales', `#order/${waiting}`);
    await page.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    expect(await actionsOn(page)).toEqual(['edit']);

    await page.goto(`${oms.baseUrl}/console#order/${deliveredOrder}`);
    await page.locator('.order-head .badge[data-status=DELIVERED]').waitFor();
    await page.locator(`#returns tr[data-return-id="${returnId}"]`).waitFor();
    expect(await actionsOn(page)).toEqual([]);
    // What sales may read is there: invoices with their PDFs, the Temporal UI link.
    expect(await page.locator('#invoices button[data-pdf]').count()).toBeGreaterThan(0);
    expect(await page.locator('a[data-link=temporal]').count()).toBe(1);
  });

  it('lets the warehouse receive the return, which settles with a refund and a credit note', async () => {
    const page = await consoleAs('warehouse', `#order/${deliveredOrder}`);
    await page.locator('.order-head .badge[data-status=DELIVERED]').waitFor();
    expect(await actionsOn(page)).toEqual(['receive']);
    await page.click('button[data-action=receive]');
    const form = page.locator('form[data-form=receive]');
    expect(await form.locator('[data-rules=receive]').innerText()).toContain('resellable units go back to stock');
    await form.locator('input[name="resellable-MUG-BLK"]').fill('1');
    await form.locator('input[name="damaged-MUG-BLK"]').fill('1');
    await form.locator('input[name="damaged-MUG-BLK"]').press('Enter');
    await page.locator('.notice.ok').getByText(`Return ${returnId} received.`).waitFor();

    // The page refreshes itself until the return settles.
    const row = page.locator(`#returns tr[data-return-id="${returnId}"]`);
    await row.locator('.badge[data-status=REFUNDED]').waitFor({ timeout: 20_000 });
    expect(await row.innerText()).toMatch(/credit note CN-/);
    expect(await row.innerText()).toContain('1 × MUG-BLK (resellable), 1 × MUG-BLK (damaged)');
    await page.locator('tr[data-line="MUG-BLK"] td[data-qty=returned]', { hasText: '2' }).waitFor();
    expect(await actionsOn(page)).toEqual([]);
    await screenshot(page, 'console-order-return-received');

    const rma = (await oms.request('GET', `/v1/returns/${encodeURIComponent(returnId)}`)).body;
    expect(rma).toMatchObject({ status: 'REFUNDED', creditNote: expect.stringMatching(/^CN-/) });
    expect((await refunds(deliveredOrder)).length).toBe(3);

    // Every mug is refunded now (one by lines, two by the return): money may still go back, units may not.
    const order = (await oms.request('GET', `/v1/orders/${deliveredOrder}`)).body;
    expect(order.lines).toEqual([expect.objectContaining({ sku: 'MUG-BLK', shippedQuantity: 3, refundedQuantity: 3 })]);
    const support = await consoleAs('support', `#order/${deliveredOrder}`);
    await support.click('button[data-action=refund]');
    await support.locator('input[name=kind][value=amount]').waitFor();
    expect(await support.locator('input[name=kind][value=lines]').count()).toBe(0);
    expect(await support.locator('table.refund-lines').count()).toBe(0);
  });
});
