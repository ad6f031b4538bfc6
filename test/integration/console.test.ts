import type { Page } from 'playwright-core';
import { ROLES, type Role } from '../../config';
import { screenshot } from '../support/browser';
import { useConsole } from '../support/console';
import { orderBody } from '../support/oms';

/**
 * The support console (`/console`) in headless Chromium, against the real API, workflows and database; and
 * the list filters its queues rely on. Deliveries are slow here so shipped orders stay in carrier hands.
 */
const { oms, consoleAs, openConsole, signIn, place } = useConsole({
  settings: { carrierDeliveryDelayMs: 10 * 60_000 },
});

const awaitingApproval = () => place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] })); // above Acme's approval limit
const ids = (response: { body: { items: { id: string }[] } }) => response.body.items.map((order) => order.id);

const statusBadge = (page: Page) => page.locator('.order-head .badge');

describe('attention queues in GET /v1/orders', () => {
  let exceptionOrder: string;
  let shippedOrder: string;
  let declinedOrder: string;
  let cancelledOrder: string;
  beforeAll(async () => {
    [exceptionOrder, shippedOrder, declinedOrder, cancelledOrder] = await Promise.all([
      place(orderBody()),
      place(orderBody({ lines: [{ sku: 'TEE-M', quantity: 1 }] })),
      place(orderBody({ payment: { method: 'card', token: 'tok_decline' } })),
      awaitingApproval(),
    ]);
    const [shipped] = await Promise.all([
      oms.waitForStatus(exceptionOrder, 'SHIPPED'),
      oms.waitForStatus(shippedOrder, 'SHIPPED'),
      oms.waitForStatus(declinedOrder, 'CANCELLED'),
      oms.waitForStatus(cancelledOrder, 'AWAITING_APPROVAL'),
    ]);
    const event = await oms.request('POST', `/v1/shipments/${shipped.shipments[0].id}/events`, {
      as: 'carrier',
      body: { status: 'exception', detail: 'address not found' },
    });
    expect(event.status).toBe(200);
    expect(
      (
        await oms.request('POST', `/v1/orders/${cancelledOrder}/cancel`, {
          as: 'support',
          body: { reason: 'customer changed their mind' },
        })
      ).status,
    ).toBe(200);
  });

  it('lists orders with a carrier exception on a shipment', async () => {
    const exceptions = await oms.request('GET', '/v1/orders?shipmentStatus=exception', { as: 'support' });
    expect(exceptions.status).toBe(200);
    expect(ids(exceptions)).toEqual([exceptionOrder]);
    expect(ids(await oms.request('GET', '/v1/orders?shipmentStatus=in_transit'))).toEqual([]);
    const bad = await oms.request('GET', '/v1/orders?shipmentStatus=vanished');
    expect(bad.status).toBe(400);
    expect(bad.contentType).toContain('application/problem+json');
    expect(bad.body.errors.map((error: { path: string }) => error.path)).toEqual(['query.shipmentStatus.0']);
    // The console's queue also lists shipments reported lost (no delivery within the delivery timeout).
    expect(ids(await oms.request('GET', '/v1/orders?shipmentStatus=exception,lost'))).toEqual([exceptionOrder]);
  });

  it('lists rejected and cancelled orders by reason, with the reasons in each item', async () => {
    const failed = await oms.request(
      'GET',
      '/v1/orders?reason=invalid,approval_timeout,payment_declined,backorder_expired,unavailable',
    );
    expect(ids(failed)).toEqual([declinedOrder]);
    expect(failed.body.items[0]).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'payment_declined',
      rejectReason: null,
    });
    expect(ids(await oms.request('GET', '/v1/orders?reason=requested,payment_declined')).sort()).toEqual(
      [cancelledOrder, declinedOrder].sort(),
    );
    expect(ids(await oms.request('GET', '/v1/orders?status=CANCELLED&reason=requested'))).toEqual([cancelledOrder]);
    const bad = await oms.request('GET', '/v1/orders?reason=payment_declined,bored');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'query.reason.1', message: expect.stringContaining('payment_declined') }]);
    expect((await oms.request('GET', '/v1/orders?reason=')).status).toBe(400);
  });

  it('shows both queues in the console', async () => {
    const page = await consoleAs('support', '#queue/exceptions');
    await page.locator(`table[data-queue=exceptions] tr[data-order-id="${exceptionOrder}"]`).waitFor();
    expect(await page.locator('table[data-queue=exceptions] tbody tr').count()).toBe(1);
    await screenshot(page, 'console-carrier-exceptions-queue');

    await page.click(`tr[data-order-id="${exceptionOrder}"]`);
    await page.locator('.shipment.exception').waitFor();
    expect(await page.locator('.shipment.exception .events').innerText()).toContain('address not found');
    await screenshot(page, 'console-carrier-exception-order');

    await page.click('a[data-queue=failed]');
    const row = page.locator(`table[data-queue=failed] tr[data-order-id="${declinedOrder}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('payment declined');
    expect(await page.locator(`table[data-queue=failed] tr[data-order-id="${cancelledOrder}"]`).count()).toBe(0);
  });
});

describe('support console', () => {
  it('asks for a key, refuses a wrong one, and keeps a good one for the tab only', async () => {
    const page = await openConsole();
    await page.fill('input[name=apiKey]', 'not-a-key');
    await page.click('button[type=submit]');
    await page.getByText('This key was not accepted').waitFor();
    await screenshot(page, 'console-sign-in-refused');

    await signIn(page, 'support');
    expect(await page.evaluate('sessionStorage.getItem("oms.console.apiKey")')).toBe(oms.keyOf('support'));
    await page.reload();
    await page.locator('nav.queues').waitFor(); // still signed in after a reload of the same tab
    await page.click('text=Sign out');
    await page.locator('input[name=apiKey]').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("oms.console.apiKey")')).toBeNull();
  });

  it('lists an order waiting for approval in the approval queue; an approver approves it', async () => {
    const id = await awaitingApproval();
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    const page = await consoleAs('approver');
    const row = page.locator(`table[data-queue=approval] tr[data-order-id="${id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Acme Corp');
    await screenshot(page, 'console-approval-queue');

    await row.click();
    await page.locator(`.order-head .badge[data-status=AWAITING_APPROVAL]`).waitFor();
    const actions = await page
      .locator('#actions button[data-action]')
      .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-action')));
    expect(actions).toEqual(['approve', 'reject']); // hold and cancel are offered to support and admin only
    const history = (await oms.request('GET', `/v1/orders/${id}/history`)).body;
    expect(await page.getAttribute('a[data-link=temporal]', 'href')).toBe(history.temporalUiUrl);
    expect(await page.locator('.notice.info').innerText()).toContain("exceeds the customer's approval limit");

    await page.click('button[data-action=approve]');
    await page.fill('textarea[name=note]', 'budget confirmed by phone');
    await screenshot(page, 'console-approve-form');
    await page.click('button[data-confirm=approve]');
    await page.locator('.notice.ok').getByText('Approved.', { exact: true }).waitFor();
    // The page follows the workflow: the badge leaves AWAITING_APPROVAL and keeps moving.
    await page.locator('.order-head .badge:not([data-status=AWAITING_APPROVAL])').waitFor();
    await page.locator('.order-head .badge[data-status=SHIPPED]').waitFor({ timeout: 20_000 });
    await screenshot(page, 'console-approved-order');

    const order = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(order.status).toBe('SHIPPED');
    expect(order.timeline.map((event: { message: string }) => event.message)).toContain(
      'Approved: budget confirmed by phone',
    );
    expect(await page.locator('#actions button[data-action=approve]').count()).toBe(0);
    // Captured now, but refunds are support's: an approver is offered nothing more.
    expect(await page.locator('#actions button[data-action]').count()).toBe(0);
  });

  it('shows the API problem when the role may not act, then support cancels the order from the console', async () => {
    const id = await awaitingApproval();
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');

    // The console offers sales no approver action; told the key is an approver's, it offers reject, and the API
    // refuses it.
    const sales = await consoleAs('sales', `#order/${id}`, { offeredAs: 'approver' });
    await statusBadge(sales).waitFor();
    await sales.click('button[data-action=reject]');
    await sales.fill('textarea[name=reason]', 'not our customer');
    await sales.click('button[data-confirm=reject]');
    const problem = sales.locator('.notice.error');
    await problem.waitFor();
    const text = await problem.innerText();
    expect(text).toContain('403 Forbidden');
    expect(text).toContain('role sales may not do this; it needs approver');
    expect(await sales.inputValue('textarea[name=reason]')).toBe('not our customer'); // the form keeps what was typed
    await screenshot(sales, 'console-403-problem');
    expect((await oms.request('GET', `/v1/orders/${id}`)).body.status).toBe('AWAITING_APPROVAL');

    const support = await consoleAs('support', `#order/${id}`);
    await support.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    await support.click('button[data-action=cancel]');
    await support.fill('textarea[name=reason]', 'duplicate order');
    await support.click('button[data-confirm=cancel]');
    await support.locator('.notice.ok').getByText('Cancelled.', { exact: true }).waitFor();
    await support.locator('.order-head .badge[data-status=CANCELLED]').waitFor();
    expect(await support.locator('#actions button[data-action]').count()).toBe(0);
    await screenshot(support, 'console-cancelled-order');

    const order = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'requested', statusReasons: ['duplicate order'] });
  });

  it('refunds part of a shipped order and shows a refused refund readably', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }));
    const shipped = await oms.waitForStatus(id, 'SHIPPED');
    const page = await consoleAs('support', `#order/${id}`);
    await page.locator('.order-head .badge[data-status=SHIPPED]').waitFor();
    expect(
      await page
        .locator('#actions button[data-action]')
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-action'))),
    ).toEqual(['refund']);

    await page.click('button[data-action=refund]');
    await page.check('input[name=kind][value=amount]');
    await page.fill('input[name=amount]', '5.25');
    await page.fill('textarea[name=reason]', 'late delivery');
    await page.click('button[data-confirm=refunds]');
    await page.locator('.notice.ok').getByText('Refunded $5.25').waitFor();

    // More than is left: the API's 409 is shown, nothing else changes.
    await page.click('button[data-action=refund]');
    await page.check('input[name=kind][value=amount]');
    await page.fill('input[name=amount]', String(shipped.totals.total / 100));
    await page.fill('textarea[name=reason]', 'too much');
    await page.click('button[data-confirm=refunds]');
    await page.locator('.notice.error').getByText('409').waitFor();
    expect(await page.locator('.notice.error').innerText()).toContain('exceeds');
    await screenshot(page, 'console-refund-refused');

    const after = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(
      after.payments
        .filter((payment: { kind: string }) => payment.kind === 'refund')
        .map((payment: { amount: number }) => payment.amount),
    ).toEqual([525]);
  });
});

describe('where a key lands', () => {
  /** The screen each role uses most (README, console section). */
  const LANDING: Record<Role, { hash: string; highlighted: string }> = {
    admin: { hash: '#orders', highlighted: 'a[data-queue=orders]' },
    sales: { hash: '#orders', highlighted: 'a[data-queue=orders]' },
    approver: { hash: '#queue/approval', highlighted: 'a[data-queue=approval]' },
    support: { hash: '#queue/held', highlighted: 'a[data-queue=held]' },
    warehouse: { hash: '#warehouse/pick-lists', highlighted: 'a[data-screen=pick-lists]' },
    carrier: { hash: '#queue/exceptions', highlighted: 'a[data-queue=exceptions]' },
  };
  const hashOf = (page: Page) => page.evaluate('location.hash');

  it.each(ROLES.map((role) => [role, LANDING[role].hash]))('%s signs in on %s', async (role, hash) => {
    const page = await consoleAs(role);
    await page.locator(`${LANDING[role].highlighted}.active`).waitFor();
    expect(await hashOf(page)).toBe(hash);
    await page.reload(); // the address names the screen: a reload shows it again
    await page.locator(`${LANDING[role].highlighted}.active`).waitFor();
    expect(await hashOf(page)).toBe(hash);
  });

  it('lands the next key on its own screen after a sign-out, and an address naming a screen wins', async () => {
    const page = await consoleAs('admin', '#queue/backordered');
    await page.locator('a[data-queue=backordered].active').waitFor();
    await page.click('text=Sign out');
    await page.locator('input[name=apiKey]').waitFor();
    expect(await hashOf(page)).toBe('');
    await page.fill('input[name=apiKey]', oms.keyOf('warehouse'));
    await page.click('button[type=submit]');
    await page.locator('a[data-screen=pick-lists].active').waitFor();
    expect(await hashOf(page)).toBe('#warehouse/pick-lists');

    // An unknown address shows the landing screen too.
    await page.evaluate("location.hash = '#no-such-screen'");
    await page.locator('a[data-screen=pick-lists].active').waitFor();
    expect(await hashOf(page)).toBe('#warehouse/pick-lists');

    // An order opened first (a link from elsewhere) links back to the key's landing screen.
    const id = await place(orderBody());
    const opened = await consoleAs('warehouse', `#order/${id}`);
    await opened.locator('.order-head .badge').waitFor();
    expect(await opened.locator('#content > a').first().innerText()).toBe('← Pick lists');
  });
});
