import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from '../support/browser';
import { orderBody, startOms, type TestOms } from '../support/oms';

/** The public tracking page (`/track/:trackingNumber`): status, promised date and shipments, no personal data. */
describe('public tracking page', () => {
  let oms: TestOms;
  let browser: Browser;
  // Personal data and prices that must never reach the public page.
  const shippingAddress = {
    name: 'Zelda Quintero',
    line1: '77 Hidden Lane',
    line2: 'Apt 9',
    city: 'Rochester',
    region: 'NY',
    postalCode: '14604',
    country: 'US',
  };
  let order: any;
  let secrets: string[];

  beforeAll(async () => {
    [oms, browser] = await Promise.all([
      startOms({ settings: { carrierDeliveryDelayMs: 10 * 60_000 } }),
      launchBrowser(),
    ]);
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ shippingAddress }) });
    await oms.waitForStatus(placed.body.id, 'SHIPPED');
    const shipped = (await oms.request('GET', `/v1/orders/${placed.body.id}`)).body;
    expect(
      (
        await oms.request('POST', `/v1/shipments/${shipped.shipments[0].id}/events`, {
          as: 'carrier',
          body: { status: 'in_transit', detail: 'arrived at sort facility' },
        })
      ).status,
    ).toBe(200);
    order = (await oms.request('GET', `/v1/orders/${placed.body.id}`)).body;
    const customer = (await oms.request('GET', `/v1/customers/${order.customerId}`)).body;
    const amounts = [order.totals.total, order.totals.subtotal, order.totals.tax, order.lines[0].unitPrice];
    secrets = [
      customer.name,
      customer.email,
      customer.address.line1,
      customer.address.name,
      ...Object.values(shippingAddress).filter((value) => value.length > 2), // not the NY/US codes
      ...amounts.map((amount: number) => (amount / 100).toFixed(2)),
    ];
  });
  afterAll(async () => {
    await browser?.close();
    await oms?.close();
  });

  it('answers the tracking API without names, emails, addresses or prices', async () => {
    const tracked = await oms.request('GET', `/v1/track/${order.trackingNumber}`, { as: null });
    expect(tracked.status).toBe(200);
    // Exactly these fields: nothing about the customer, the address or money.
    expect(Object.keys(tracked.body).sort()).toEqual([
      'items',
      'placedAt',
      'promisedDeliveryDate',
      'shipments',
      'status',
      'trackingNumber',
    ]);
    expect(Object.keys(tracked.body.items[0]).sort()).toEqual([
      'cancelledQuantity',
      'deliveredQuantity',
      'name',
      'quantity',
      'shippedQuantity',
      'sku',
    ]);
    expect(Object.keys(tracked.body.shipments[0]).sort()).toEqual([
      'carrier',
      'carrierTrackingNumber',
      'deliveredAt',
      'events',
      'service',
      'shippedAt',
      'status',
    ]);
    const text = JSON.stringify(tracked.body);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('shows the status, promised date and carrier events of a real order, and nothing personal', async () => {
    const { page, context, errors } = await openPage(browser, `${oms.baseUrl}/track/${order.trackingNumber}`);
    await page.locator('[data-status=SHIPPED] h1#status').waitFor();
    expect(await page.locator('h1#status').innerText()).toBe('On its way');
    const promised = new Date(`${order.promisedDeliveryDate.slice(0, 10)}T00:00:00Z`).toLocaleDateString('en-US', {
      dateStyle: 'full',
      timeZone: 'UTC',
    });
    expect(await page.locator('#promised').innerText()).toContain(promised);
    const text = await page.locator('body').innerText();
    expect(text).toContain(order.shipments[0].carrierTrackingNumber);
    expect(text).toContain('arrived at sort facility');
    expect(text).toContain('Stoneware mug, black');
    await screenshot(page, 'tracking-page-in-transit');

    const html = await page.content();
    for (const secret of secrets) {
      expect(html).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/\$\s?\d/); // no prices at all
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says so kindly when no order has the tracking number', async () => {
    const { page, context, errors } = await openPage(browser, `${oms.baseUrl}/track/TRK-NOSUCHORDER0000000000`);
    await page.locator('#not-found').waitFor();
    const text = await page.locator('#not-found').innerText();
    expect(text).toContain('We could not find that order');
    expect(text).toContain('TRK-NOSUCHORDER0000000000');
    await screenshot(page, 'tracking-page-not-found');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('needs no key and sends no referrer', async () => {
    const response = await fetch(`${oms.baseUrl}/track/${order.trackingNumber}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});
