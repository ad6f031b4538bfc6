import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalSmtpServer, type LocalSmtpServer } from '../../notifications/local-smtp-server';
import { freePort } from '../support/helpers';
import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

/**
 * Customer emails (SPEC section 6) through a real SMTP server: what each order event sends, the log and bodies
 * through the API, customers who want none, and a mail server that is down (mail waits, the order does not) or
 * refuses a mailbox for good.
 */
describe('customer emails', () => {
  let oms: TestOms;
  let smtp: LocalSmtpServer;
  const refused = 'nobody@refused.test';
  beforeAll(async () => {
    smtp = await startLocalSmtpServer({
      port: await freePort(),
      dir: mkdtempSync(path.join(tmpdir(), 'oms-mail-test-')),
      rejectRecipients: (address) => address === refused,
    });
    oms = await startOms({ smtpUrl: smtp.url, settings: { returnWindowMs: 2_000 } });
  });
  afterAll(async () => {
    await oms?.close();
    await smtp?.close();
  });

  async function customer(id: string, overrides: Record<string, unknown> = {}) {
    const created = await oms.request('POST', '/v1/customers', {
      body: {
        id,
        name: `Customer <b>${id}</b>`,
        email: `${id.toLowerCase()}@shop.test`,
        currency: 'USD',
        approvalLimit: 100_000_000,
        address: {
          name: 'Dock 4',
          line1: '1 Pier Rd',
          city: 'Newark',
          region: 'NJ',
          postalCode: '07102',
          country: 'US',
        },
        ...overrides,
      },
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function notificationsOf(orderId: string) {
    return (await oms.request('GET', `/v1/notifications?orderId=${orderId}`, { as: 'support' })).body.items as {
      id: string;
      template: string;
      status: string;
      to: string;
      subject: string;
      error: string | null;
    }[];
  }

  it('emails the customer when the order is confirmed, shipped and delivered; the API shows each with its bodies', async () => {
    await customer('MAIL-1');
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ customerId: 'MAIL-1' }),
    });
    const orderId: string = placed.body.id;
    const order = await oms.waitForStatus(orderId, 'COMPLETED', 30_000);
    const sent = await eventually(
      () => notificationsOf(orderId),
      (items) => items.length === 3 && items.every((item) => item.status === 'sent'),
    );
    expect(sent.map((item) => item.template).sort()).toEqual(['order_confirmed', 'order_delivered', 'order_shipped']);
    expect(sent.every((item) => item.to === 'mail-1@shop.test')).toBe(true);

    const shipped = sent.find((item) => item.template === 'order_shipped')!;
    const detail = (await oms.request('GET', `/v1/notifications/${shipped.id}`, { as: 'support' })).body;
    const carrierTrackingNumber: string = order.shipments[0].carrierTrackingNumber;
    const trackingLink = `${oms.baseUrl}/track/${placed.body.trackingNumber}`;
    expect(detail.text).toContain(carrierTrackingNumber);
    expect(detail.text).toContain(trackingLink);
    expect(detail.html).toContain(carrierTrackingNumber);
    // The customer's name is data, not markup.
    expect(detail.html).toContain('Customer &lt;b&gt;MAIL-1&lt;/b&gt;');

    // What the API shows is what the SMTP server received.
    const received = await smtp.waitForMessage((message) => message.subject === detail.subject);
    expect(received.to).toEqual(['mail-1@shop.test']);
    expect(received.text).toContain(trackingLink);
    expect(received.messageId).toContain(shipped.id);

    const byCustomer = await oms.request('GET', '/v1/notifications?customerId=MAIL-1', { as: 'support' });
    expect(byCustomer.body.items).toHaveLength(3);
    expect((await oms.request('GET', '/v1/notifications', { as: 'sales' })).status).toBe(403);
    expect((await oms.request('GET', '/v1/notifications/ntf_nope', { as: 'support' })).status).toBe(404);
  });

  it('emails refunds and cancellations, and nothing to a customer who wants no email', async () => {
    await customer('MAIL-2');
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({
        customerId: 'MAIL-2',
        backorderPolicy: 'wait_all',
        lines: [{ sku: 'MUG-BLK', quantity: 900 }],
      }),
    });
    await oms.waitForStatus(placed.body.id, 'BACKORDERED');
    await oms.request('POST', `/v1/orders/${placed.body.id}/cancel`, { as: 'support', body: { reason: 'too slow' } });
    const cancelled = await eventually(
      () => notificationsOf(placed.body.id),
      (items) => items.some((item) => item.template === 'order_cancelled' && item.status === 'sent'),
    );
    expect(cancelled.map((item) => item.template).sort()).toEqual(['order_cancelled', 'order_confirmed']);

    const refundedOrder = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ customerId: 'MAIL-2' }),
    });
    await oms.waitForStatus(refundedOrder.body.id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    const refund = await oms.request('POST', `/v1/orders/${refundedOrder.body.id}/refunds`, {
      as: 'support',
      body: { amount: 500, reason: 'scratched' },
    });
    expect(refund.status).toBe(201);
    const refunded = await eventually(
      () => notificationsOf(refundedOrder.body.id),
      (items) => items.some((item) => item.template === 'order_refunded' && item.status === 'sent'),
    );
    const refundMail = refunded.find((item) => item.template === 'order_refunded')!;
    const body = (await oms.request('GET', `/v1/notifications/${refundMail.id}`, { as: 'support' })).body;
    expect(body.text).toContain('5.00');

    await customer('MAIL-QUIET', { notifications: false });
    const quiet = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ customerId: 'MAIL-QUIET' }),
    });
    await oms.waitForStatus(quiet.body.id, ['DELIVERED', 'COMPLETED'], 30_000);
    expect(await notificationsOf(quiet.body.id)).toEqual([]);
  });

  it('a mail server that is down delays the mail, never the order; a refused mailbox fails with the answer', async () => {
    await customer('MAIL-3');
    await smtp.stop();
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ customerId: 'MAIL-3' }) });
    await oms.waitForStatus(placed.body.id, 'COMPLETED', 30_000);
    const waiting = await notificationsOf(placed.body.id);
    expect(waiting.length).toBe(3);
    expect(waiting.every((item) => item.status === 'pending')).toBe(true);
    expect(waiting.some((item) => item.error !== null)).toBe(true);
    await smtp.start();
    await eventually(
      () => notificationsOf(placed.body.id),
      (items) => items.every((item) => item.status === 'sent'),
      20_000,
    );

    await customer('MAIL-4', { email: refused });
    const bounced = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ customerId: 'MAIL-4' }) });
    const failed = await eventually(
      () => notificationsOf(bounced.body.id),
      (items) => items.some((item) => item.status === 'failed'),
    );
    expect(failed.find((item) => item.status === 'failed')!.error).toMatch(/550|refused|reject/i);
  });
});
