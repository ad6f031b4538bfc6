import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ORDER_EVENT_TYPES } from '../../domain/order-events';
import { startLocalSmtpServer, type LocalSmtpServer } from '../../notifications/local-smtp-server';
import { screenshot } from '../support/browser';
import { actionsOn, useConsole } from '../support/console';
import { eventually, freePort } from '../support/helpers';
import { orderBody } from '../support/oms';
import { startWebhookReceiver } from '../support/webhook-receiver';

/**
 * What issue 18 added, in the console (headless Chromium against the real stack): webhook subscriptions and their
 * delivery log (admin), an order's customer emails through a real SMTP server, hold and release by support, the
 * audit log (admin), and the admin screens left out for other roles.
 */
let smtp: LocalSmtpServer;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const { oms, consoleAs, place } = useConsole(async () => {
  [smtp, receiver] = await Promise.all([
    startLocalSmtpServer({ port: await freePort(), dir: mkdtempSync(path.join(tmpdir(), 'oms-console-mail-')) }),
    startWebhookReceiver(),
  ]);
  return { smtpUrl: smtp.url };
});
afterAll(async () => {
  await receiver?.close();
  await smtp?.close();
});

describe('webhooks screen', () => {
  it('creates a subscription showing its secret once, pauses and resumes it, and redelivers from its log', async () => {
    receiver.failWith(503); // the first attempts fail, so the log has errors to show
    const page = await consoleAs('admin');
    await page.click('nav a[data-screen=webhooks]');
    await page.getByText('No subscriptions yet.').waitFor();

    await page.click('button[data-action=new-webhook]');
    // The event types come from the API (one list, the domain's).
    expect(
      await page
        .locator('form[data-form=new-webhook] input[name=events]:not([value="*"])')
        .evaluateAll((boxes) => boxes.map((box) => box.getAttribute('value'))),
    ).toEqual([...ORDER_EVENT_TYPES]);
    await page.fill('input[name=url]', receiver.url);
    await page.check('input[name=events][value="order.created"]');
    await page.fill('input[name=description]', 'ERP <test>');
    await screenshot(page, 'console-webhook-form');
    await page.click('button[data-confirm=new-webhook]');
    const secret = await page.locator('code.secret').innerText();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(await page.locator('.notice.ok').innerText()).toContain('shown only this once');
    receiver.useSecret(secret);
    const row = page.locator('tr[data-webhook-id]');
    const id = (await row.getAttribute('data-webhook-id'))!;
    expect(await row.innerText()).toContain('ERP <test>'); // as text, not markup
    await screenshot(page, 'console-webhook-created');
    expect((await oms.request('GET', `/v1/webhooks/${id}`)).body).toMatchObject({
      url: receiver.url,
      events: ['order.created'],
      description: 'ERP <test>',
      active: true,
    });

    // The secret is not shown again.
    await page.reload();
    await row.waitFor();
    expect(await page.locator('code.secret').count()).toBe(0);

    await row.locator('button[data-action=pause]').click();
    await row.locator('button[data-action=resume]').waitFor();
    expect(await row.locator('.badge').getAttribute('data-status')).toBe('paused');
    expect((await oms.request('GET', `/v1/webhooks/${id}`)).body.active).toBe(false);
    await row.locator('button[data-action=resume]').click();
    await row.locator('button[data-action=pause]').waitFor();
    expect((await oms.request('GET', `/v1/webhooks/${id}`)).body.active).toBe(true);

    const orderId = await place(orderBody());
    await row.getByText('Deliveries').click();
    // The log refreshes itself: the first attempt, refused with 503, shows up with its status code.
    const delivery = page.locator('tr[data-delivery-id]');
    await delivery.locator('.attempts li').first().waitFor({ timeout: 20_000 });
    expect(await delivery.count()).toBe(1);
    const text = await delivery.innerText();
    expect(text).toContain('order.created');
    expect(text).toContain('503');
    expect(await delivery.getAttribute('data-status')).toBe('pending'); // retried later
    expect(await delivery.locator('a[data-order-link]').getAttribute('href')).toBe(`#order/${orderId}`);
    await screenshot(page, 'console-webhook-deliveries-failing');

    receiver.failWith(undefined);
    await delivery.locator('button[data-action=redeliver]').click();
    await page.locator('.notice.ok').getByText('goes out again').waitFor();
    await page.locator('tr[data-delivery-id][data-status=delivered]').waitFor({ timeout: 20_000 });
    // At least once: the delivery's own retry may reach the receiver just before the redelivery does (it answers
    // 204 from the moment above), and then the redelivery sends it again. Either way it is one event.
    const received = receiver.eventsOf(orderId);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(new Set(received.map((event) => `${event.type} ${event.id}`))).toEqual(
      new Set([`order.created ${received[0].id}`]),
    );
    expect(await delivery.locator('.attempts li').last().innerText()).toContain('204');
    await screenshot(page, 'console-webhook-redelivered');

    await page.selectOption('select[name=status]', 'pending');
    await page.getByText('No pending deliveries.').waitFor();
    await page.selectOption('select[name=status]', 'delivered');
    await delivery.waitFor();

    // The order link opens the order.
    await delivery.locator('a[data-order-link]').click();
    await page.locator(`.order-head h1:text("${orderId}")`).waitFor();

    await page.goto(`${oms.baseUrl}/console#webhooks`);
    await row.locator('button[data-action=delete]').click();
    expect((await oms.request('GET', `/v1/webhooks/${id}`)).status).toBe(200); // not before the confirmation
    await row.locator('button[data-confirm=delete]').click();
    await page.getByText('No subscriptions yet.').waitFor();
    expect((await oms.request('GET', `/v1/webhooks/${id}`)).status).toBe(404);
  });
});

describe("an order's page", () => {
  let heldOrder: string;

  it('lets support hold an order with a reason and release it; other roles are not offered either', async () => {
    heldOrder = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] })); // above the approval limit
    await oms.waitForStatus(heldOrder, 'AWAITING_APPROVAL');

    const sales = await consoleAs('sales', `#order/${heldOrder}`);
    await sales.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    expect(await actionsOn(sales)).not.toContain('hold');

    const page = await consoleAs('support', `#order/${heldOrder}`);
    await page.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    expect(await actionsOn(page)).toContain('hold');
    expect(await actionsOn(page)).not.toContain('release');
    await page.click('button[data-action=hold]');
    await page.fill('textarea[name=reason]', 'customer asked us to wait');
    await page.click('button[data-confirm=hold]');
    await page.locator('.order-head .badge[data-status=ON_HOLD]').waitFor();
    expect(await page.locator('.hold-reason').innerText()).toContain('customer asked us to wait');
    expect(await page.locator('.held-from .badge').getAttribute('data-status')).toBe('AWAITING_APPROVAL');
    expect(await actionsOn(page)).toContain('release');
    expect(await actionsOn(page)).not.toContain('hold');
    await screenshot(page, 'console-order-held');

    await page.click('button[data-action=release]');
    await page.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    expect(await page.locator('.hold-reason').count()).toBe(0);
    expect(await actionsOn(page)).toContain('hold');

    // The hold and the release are request entries naming the support key; the order's own steps name no one.
    const history = (await oms.request('GET', `/v1/orders/${heldOrder}/history`)).body;
    await page.click('text=Reload');
    await page
      .locator('.timeline li')
      .nth(history.timeline.length - 1)
      .waitFor();
    const requests = history.timeline.filter((event: { type: string }) => event.type === 'request');
    expect(requests.map((event: { message: string }) => event.message)).toEqual([
      expect.stringMatching(/^Request: hold/),
      'Request: release the hold',
    ]);
    const labels = await page.locator('.timeline .actor').allTextContents();
    expect(labels).toHaveLength(2);
    expect(labels.every((label) => label.startsWith('support key'))).toBe(true);
  });

  it("shows the order's customer emails to support, with the text and a sandboxed HTML rendering", async () => {
    const orderId = await place(orderBody());
    await oms.waitForStatus(orderId, ['DELIVERED', 'COMPLETED'], 30_000);
    type Email = { id: string; template: string; subject: string; status: string };
    const sent = await eventually(
      async () =>
        (await oms.request('GET', `/v1/notifications?orderId=${orderId}`, { as: 'support' })).body.items as Email[],
      (items) => items.length === 3 && items.every((item) => item.status === 'sent'),
      20_000,
    );
    const shipped = sent.find((item) => item.template === 'order_shipped')!;

    const page = await consoleAs('support', `#order/${orderId}`);
    const rows = page.locator('#emails tr[data-notification-id]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(3);
    const row = page.locator(`#emails tr[data-notification-id="${shipped.id}"]`);
    const text = await row.innerText();
    expect(text).toContain('order shipped');
    expect(text).toContain('buyer@acme.example');
    expect(text).toContain(shipped.subject);
    expect(await row.locator('.badge').getAttribute('data-status')).toBe('sent');

    await row.click();
    const email = page.locator(`.email[data-email="${shipped.id}"]`);
    await email.waitFor();
    expect(await email.locator('pre.email-text').innerText()).toContain(`your order ${orderId} has shipped`);
    const frame = email.locator('iframe.email-html');
    expect(await frame.getAttribute('sandbox')).toBe(''); // no scripts, no same origin
    const rendered = page.frameLocator('iframe.email-html').locator('body');
    await rendered.getByText('Follow the delivery').waitFor();
    expect(await rendered.innerText()).toContain(orderId);
    await screenshot(page, 'console-order-emails');

    // Sales may not read customer emails: the card is not there.
    const sales = await consoleAs('sales', `#order/${orderId}`);
    await sales.locator('.order-head .badge').waitFor();
    expect(await sales.locator('#emails').count()).toBe(0);
  });

  it("shows admins the order's webhook deliveries to every subscription, and redelivers one", async () => {
    const refusing = await startWebhookReceiver();
    try {
      const subscribe = async (url: string, events: string[]) => {
        const created = await oms.request('POST', '/v1/webhooks', { body: { url, events } });
        expect(created.status).toBe(201);
        return created.body as { id: string; secret: string };
      };
      const everything = await subscribe(receiver.url, ['*']);
      receiver.useSecret(everything.secret);
      const onlyCreated = await subscribe(refusing.url, ['order.created']);
      refusing.useSecret(onlyCreated.secret);
      refusing.failWith(503);
      const orderId = await place(orderBody());
      await oms.waitForStatus(orderId, 'DELIVERED', 30_000);
      type Delivery = { id: string; subscriptionId: string; status: string; attemptCount: number };
      const listed = async () =>
        (await oms.request('GET', `/v1/webhooks/deliveries?orderId=${orderId}`)).body.items as Delivery[];
      const refused = (
        await eventually(listed, (items) =>
          items.some((item) => item.subscriptionId === onlyCreated.id && item.attemptCount > 0),
        )
      ).find((item) => item.subscriptionId === onlyCreated.id)!;

      const page = await consoleAs('admin', `#order/${orderId}`);
      const card = page.locator('#webhook-deliveries');
      const row = card.locator(`tr[data-delivery-id="${refused.id}"]`);
      await row.waitFor();
      // Every subscription's deliveries of this order, as the API lists them.
      expect(await card.locator('tr[data-delivery-id]').count()).toBe((await listed()).length);
      const text = await row.innerText();
      expect(text).toContain('order.created');
      expect(text).toContain(refusing.url);
      expect(text).toContain('503');
      expect(await row.getAttribute('data-status')).toBe('pending');
      expect(await row.locator('a').getAttribute('href')).toBe(`#webhooks/${onlyCreated.id}`);
      const shipped = card.locator('tr[data-delivery-id][data-status=delivered]', { hasText: 'shipment.shipped' });
      await shipped.waitFor();
      expect(await shipped.innerText()).toContain(receiver.url);
      await screenshot(page, 'console-order-webhook-deliveries');

      // Redelivery through the subscription's own endpoint, once the receiver is back.
      refusing.failWith(undefined);
      const sent: string[] = [];
      page.on('request', (request) => request.method() === 'POST' && sent.push(new URL(request.url()).pathname));
      await row.locator('button[data-action=redeliver]').click();
      await card.locator('.notice.ok').getByText(`Delivery ${refused.id} goes out again`).waitFor();
      expect(sent).toEqual([`/v1/webhooks/${onlyCreated.id}/deliveries/${refused.id}/redeliver`]);
      await eventually(
        () => refusing.eventsOf(orderId),
        (events) => events.length > 0,
      );
      await card.locator(`tr[data-delivery-id="${refused.id}"][data-status=delivered]`).waitFor({ timeout: 20_000 });
      expect(await card.locator(`tr[data-delivery-id="${refused.id}"]`).innerText()).toContain('204');

      // Other roles do not get the card, nor ask for it; the API refuses them.
      for (const role of ['support', 'sales', 'approver', 'warehouse'] as const) {
        const other = await consoleAs(role, `#order/${orderId}`);
        const asked: string[] = [];
        other.on('request', (request) => request.url().includes('/v1/webhooks') && asked.push(request.url()));
        // A reload asks for everything the page shows at once: the order's answer comes after every request is out.
        await Promise.all([
          other.waitForResponse((response) => response.url().endsWith(`/v1/orders/${orderId}`)),
          other.click('text=Reload'),
        ]);
        expect([role, await other.locator('#webhook-deliveries').count(), asked]).toEqual([role, 0, []]);
        const answer = await oms.request('GET', `/v1/webhooks/deliveries?orderId=${orderId}`, { as: role });
        expect([role, answer.status]).toEqual([role, 403]);
        await other.context().close();
      }
    } finally {
      await refusing.close();
    }
  });

  it('shows the hold in the audit log to an admin, filtered by order', async () => {
    expect(heldOrder).toBeDefined();
    const page = await consoleAs('admin', `#order/${heldOrder}`);
    await page.locator('.order-head .badge').waitFor();
    await page.click('a[data-link=audit]');
    const hold = page.locator('table.audit tr[data-action=holdOrder]');
    await hold.waitFor();
    expect(await page.inputValue('[data-form=audit-filters] input[name=orderId]')).toBe(heldOrder);
    const text = await hold.innerText();
    expect(text).toContain('api key · support');
    expect(text).toContain(heldOrder);
    expect(await page.locator('table.audit tr[data-action=releaseOrder]').count()).toBe(1);
    // Only this order's entries: its placing (by sales), the hold and the release.
    const auditActions = () =>
      page.locator('table.audit tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    expect(await auditActions()).toEqual(['releaseOrder', 'holdOrder', 'placeOrder']);
    await screenshot(page, 'console-audit');

    // Nothing since a time in the future.
    await page.fill('[data-form=audit-filters] input[name=since]', '2099-01-01T00:00');
    await page.click('form[data-form=audit-filters] button[type=submit]');
    await page.getByText('No entries match.').waitFor();
    await page.fill('[data-form=audit-filters] input[name=since]', '');

    // A filter by actor: the support key's id, as the audit log names it.
    const supportKey = (await oms.request('GET', `/v1/audit?orderId=${heldOrder}`)).body.items[0].actor.id;
    await page.fill('[data-form=audit-filters] input[name=orderId]', '');
    await page.fill('[data-form=audit-filters] input[name=actor]', supportKey);
    await page.click('form[data-form=audit-filters] button[type=submit]');
    // Until the filtered page arrives the screen still says "No entries match." from the filter before: wait for rows.
    const supportOnly = ['releaseOrder', 'holdOrder']; // support did nothing else here
    expect(await eventually(auditActions, (actions) => actions.join() === supportOnly.join())).toEqual(supportOnly);
  });
});

describe('roles', () => {
  it('offers the admin screens to admins only; others get a note, and the API refuses them anyway', async () => {
    for (const role of ['sales', 'support'] as const) {
      const page = await consoleAs(role);
      expect(await page.locator('nav a[data-screen=webhooks], nav a[data-screen=audit]').count()).toBe(0);
      await page.goto(`${oms.baseUrl}/console#webhooks`);
      await page.getByText('Webhooks: for admins only').waitFor();
      await page.goto(`${oms.baseUrl}/console#audit`);
      await page.getByText('Audit log: for admins only').waitFor();
      expect(await page.locator('table').count()).toBe(0);
      expect((await oms.request('GET', '/v1/audit', { as: role })).status).toBe(403);
    }
    const admin = await consoleAs('admin');
    expect(
      await admin.locator('nav a[data-screen]').evaluateAll((links) => links.map((link) => link.textContent)),
    ).toEqual(expect.arrayContaining(['Webhooks', 'Audit log']));
  });
});
