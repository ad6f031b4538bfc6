import { ORDER_EVENT_TYPES } from '../../domain/order-events';
import { orderBody, startOms, type TestOms } from '../support/oms';
import { eventually } from '../support/helpers';
import { startWebhookReceiver } from '../support/webhook-receiver';

type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
interface OrderDelivery {
  id: string;
  subscriptionId: string;
  subscriptionUrl: string;
  orderId: string;
  eventType: string;
  sequence: number;
  status: string;
  attemptCount: number;
  lastAttempt: { attempt: number; statusCode: number | null; error: string | null } | null;
}

/**
 * Events out (SPEC section 6) on the real stack: subscriptions, Standard Webhooks signatures checked by a real
 * receiver, per-order sequences, retries with their log, pause and resume, the retry window and redelivery.
 */
describe('webhooks', () => {
  let oms: TestOms;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    oms = await startOms({ webhookRetryForMs: 6_000, settings: { returnWindowMs: 2_000 } });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await oms?.close();
  });

  async function subscribe(events: string[], overrides: Record<string, unknown> = {}) {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const created = await oms.request('POST', '/v1/webhooks', { body: { url: receiver.url, events, ...overrides } });
    expect(created.status).toBe(201);
    receiver.useSecret(created.body.secret);
    return { receiver, subscription: created.body };
  }

  async function placeOrder(overrides: Record<string, unknown> = {}): Promise<string> {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody(overrides) });
    expect(placed.status).toBe(202);
    return placed.body.id;
  }

  it('creates a subscription whose secret is shown once, and refuses bad ones naming the field', async () => {
    const { subscription } = await subscribe(['*'], { description: 'ERP' });
    expect(subscription).toMatchObject({ events: ['*'], description: 'ERP', active: true });
    expect(subscription.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const read = await oms.request('GET', `/v1/webhooks/${subscription.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    const listed = await oms.request('GET', '/v1/webhooks');
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(subscription.id);
    expect(JSON.stringify(listed.body)).not.toContain(subscription.secret);

    const bad = await oms.request('POST', '/v1/webhooks', {
      body: { url: 'ftp://example.com/x', events: ['order.shipped', 'order.created'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['body.events.0', 'body.url']);
    const empty = await oms.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/x', events: [] } });
    expect(empty.status).toBe(400);
    expect(
      await oms.request('POST', '/v1/webhooks', { as: 'support', body: { url: 'https://x.test', events: ['*'] } }),
    ).toMatchObject({ status: 403 });
    expect((await oms.request('GET', '/v1/webhooks/whk_nope')).status).toBe(404);
  });

  it('sends every event of an order, signed, with its sequence counting the order’s events', async () => {
    const { receiver } = await subscribe(['*']);
    const { receiver: shipments } = await subscribe(['shipment.shipped']);
    const orderId = await placeOrder();
    await oms.waitForStatus(orderId, 'COMPLETED', 30_000);
    const events = await eventually(
      () => receiver.eventsOf(orderId),
      (received) =>
        received.some((event) => event.type === 'order.status_changed' && event.data.status === 'COMPLETED'),
    );
    expect(receiver.badSignatures).toEqual([]);
    const sequences = events.map((event) => event.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(sequences.map((_value, index) => index + 1));
    const inOrder = [...events].sort((a, b) => a.sequence - b.sequence);
    expect(inOrder[0]).toMatchObject({
      type: 'order.created',
      data: { status: 'PENDING', customerId: 'CUST-ACME', channel: 'api' },
    });
    const statuses = inOrder.filter((event) => event.type === 'order.status_changed').map((event) => event.data.status);
    expect(statuses).toEqual(['AUTHORIZING', 'ALLOCATED', 'PICKING', 'SHIPPED', 'DELIVERED', 'COMPLETED']);
    const shipped = inOrder.find((event) => event.type === 'shipment.shipped')!;
    expect(shipped.data).toMatchObject({ shipmentId: `${orderId}-S1`, carrier: expect.any(String) });
    expect(shipped.data.carrierTrackingNumber).toEqual(expect.any(String));
    expect(inOrder.find((event) => event.type === 'invoice.issued')!.data.invoiceNumber).toMatch(/^INV-/);
    expect(inOrder.find((event) => event.type === 'shipment.delivered')!.data.shipmentId).toBe(`${orderId}-S1`);
    // Each status change once, in sequence order.
    const changed = inOrder.filter((event) => event.type === 'order.status_changed');
    expect(changed.slice(1).map((event) => event.data.previousStatus)).toEqual(statuses.slice(0, -1));

    // A subscription to one type gets only that type.
    const onlyShipped = await eventually(
      () => shipments.eventsOf(orderId),
      (received) => received.length > 0,
    );
    expect(onlyShipped.map((event) => event.type)).toEqual(['shipment.shipped']);
    expect(onlyShipped[0].sequence).toBe(shipped.sequence);
  });

  it('retries a receiver that fails, logging each attempt', async () => {
    const { receiver, subscription } = await subscribe(['order.created']);
    receiver.failWith(503);
    const orderId = await placeOrder();
    await eventually(
      () => receiver.requests.length,
      (count) => count >= 2,
    );
    receiver.failWith(undefined);
    await eventually(
      () => receiver.eventsOf(orderId),
      (received) => received.length === 1,
    );
    const log = await eventually(
      async () => (await oms.request('GET', `/v1/webhooks/${subscription.id}/deliveries?status=delivered`)).body,
      (body) => body.items.length === 1,
    );
    const [delivery] = log.items;
    expect(delivery).toMatchObject({ eventType: 'order.created', orderId, sequence: 1, status: 'delivered' });
    expect(delivery.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([
      ...Array(delivery.attempts.length - 1).fill(503),
      204,
    ]);
    expect(delivery.attempts.length).toBeGreaterThanOrEqual(3);
    // Every attempt carried the same webhook-id, so a receiver can drop duplicates.
    expect(new Set(receiver.requests.map((request) => request.webhookId)).size).toBe(1);
  });

  it('keeps events while paused and sends them on resume', async () => {
    const { receiver, subscription } = await subscribe(['order.created']);
    const paused = await oms.request('PATCH', `/v1/webhooks/${subscription.id}`, { body: { active: false } });
    expect(paused.body.active).toBe(false);
    const orderId = await placeOrder();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.requests).toEqual([]);
    const pending = await oms.request('GET', `/v1/webhooks/${subscription.id}/deliveries?status=pending`);
    expect(pending.body.items).toHaveLength(1);
    await oms.request('PATCH', `/v1/webhooks/${subscription.id}`, { body: { active: true } });
    const received = await eventually(
      () => receiver.eventsOf(orderId),
      (events) => events.length === 1,
    );
    expect(received[0].type).toBe('order.created');
  });

  it('gives a delivery up after OMS_WEBHOOK_RETRY_FOR, and sends it again by hand', async () => {
    const { receiver, subscription } = await subscribe(['order.created']);
    receiver.failWith(500);
    const orderId = await placeOrder();
    const failed = await eventually(
      async () => (await oms.request('GET', `/v1/webhooks/${subscription.id}/deliveries?status=failed`)).body.items,
      (items) => items.length === 1,
      20_000,
    );
    expect(failed[0].attempts.length).toBeGreaterThan(1);
    receiver.failWith(undefined);
    const redelivered = await oms.request(
      'POST',
      `/v1/webhooks/${subscription.id}/deliveries/${failed[0].id}/redeliver`,
    );
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.status).toBe('pending');
    await eventually(
      () => receiver.eventsOf(orderId),
      (events) => events.length === 1,
    );
    expect((await oms.request('POST', `/v1/webhooks/${subscription.id}/deliveries/dlv_nope/redeliver`)).status).toBe(
      404,
    );
  });

  it('leaves a delivery being sent to its worker when it is redelivered meanwhile: it goes out once', async () => {
    const { receiver, subscription } = await subscribe(['order.created']);
    await oms.request('PATCH', `/v1/webhooks/${subscription.id}`, { body: { active: false } });
    const orderId = await placeOrder();
    const [pending] = (await oms.request('GET', `/v1/webhooks/${subscription.id}/deliveries?status=pending`)).body
      .items;
    // A worker has claimed it and is sending it (its lease runs for another minute).
    await oms
      .db('webhook_deliveries')
      .where({ id: pending.id })
      .update({ claimed_until: oms.db.raw("now() + interval '1 minute'") });
    await oms.request('PATCH', `/v1/webhooks/${subscription.id}`, { body: { active: true } });
    const redelivered = await oms.request('POST', `/v1/webhooks/${subscription.id}/deliveries/${pending.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    const row = await oms.db('webhook_deliveries').where({ id: pending.id }).first('claimed_until');
    expect(row.claimed_until.getTime()).toBeGreaterThan(Date.now() + 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.eventsOf(orderId)).toEqual([]);
    // The claim lapses (the worker died): the delivery goes out, once.
    await oms.db('webhook_deliveries').where({ id: pending.id }).update({ claimed_until: null });
    const received = await eventually(
      () => receiver.eventsOf(orderId),
      (events) => events.length === 1,
    );
    expect(received.map((event) => event.type)).toEqual(['order.created']);
  });

  it('tells of holds and cancellations; deleting a subscription stops its deliveries', async () => {
    const { receiver, subscription } = await subscribe(['order.held', 'order.cancelled']);
    const orderId = await placeOrder({
      payment: { method: 'card', token: 'tok_ok' },
      backorderPolicy: 'wait_all',
      lines: [{ sku: 'MUG-BLK', quantity: 100_000 }],
    });
    await oms.waitForStatus(orderId, ['BACKORDERED', 'AWAITING_APPROVAL']);
    const held = await oms.request('POST', `/v1/orders/${orderId}/hold`, {
      as: 'support',
      body: { reason: 'fraud check' },
    });
    expect(held.status).toBe(200);
    await oms.request('POST', `/v1/orders/${orderId}/cancel`, { as: 'support', body: { reason: 'customer asked' } });
    const received = await eventually(
      () => receiver.eventsOf(orderId),
      (arrived) => arrived.length === 2,
    );
    // Deliveries may arrive in any order; receivers order an order's events by their sequence.
    const events = [...received].sort((a, b) => a.sequence - b.sequence);
    expect(events.map((event) => event.type)).toEqual(['order.held', 'order.cancelled']);
    expect(events[0].data).toMatchObject({ holdReason: 'fraud check' });
    expect(events[1].data).toMatchObject({ cancelReason: 'requested' });

    expect((await oms.request('DELETE', `/v1/webhooks/${subscription.id}`)).status).toBe(204);
    expect((await oms.request('GET', `/v1/webhooks/${subscription.id}`)).status).toBe(404);
  });

  it("lists one order's deliveries to every subscription, newest first, a page at a time; for admins only", async () => {
    const { subscription: everything } = await subscribe(['*']);
    const { receiver: failing, subscription: created } = await subscribe(['order.created']);
    failing.failWith(500);
    const orderId = await placeOrder();
    const otherOrder = await placeOrder();
    await Promise.all([
      oms.waitForStatus(orderId, 'COMPLETED', 30_000),
      oms.waitForStatus(otherOrder, 'COMPLETED', 30_000),
    ]);
    const list = (query = '') =>
      oms.request<{ items: OrderDelivery[]; nextCursor: string | null }>(
        'GET',
        `/v1/webhooks/deliveries?orderId=${orderId}${query}`,
      );

    // The same deliveries as every subscription's own log has of this order, whatever the subscription.
    const ofEverything = (items: OrderDelivery[]) => items.filter((item) => item.subscriptionId === everything.id);
    const all = await eventually(
      () => list('&limit=200'),
      (answer) => ofEverything(answer.body.items).every((item) => item.status === 'delivered'),
    );
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    const logged: OrderDelivery[] = [];
    for (const subscription of (await oms.request('GET', '/v1/webhooks')).body.items) {
      const log = await oms.request('GET', `/v1/webhooks/${subscription.id}/deliveries?limit=200`);
      for (const delivery of log.body.items.filter((item: { orderId: string }) => item.orderId === orderId))
        logged.push({ ...delivery, subscriptionUrl: subscription.url });
    }
    const fixed = (delivery: Omit<OrderDelivery, 'status' | 'attemptCount' | 'lastAttempt'>) => [
      delivery.id,
      delivery.subscriptionId,
      delivery.subscriptionUrl,
      delivery.eventType,
      delivery.sequence,
    ];
    expect(all.body.items.map(fixed).sort()).toEqual(logged.map(fixed).sort());
    expect(new Set(all.body.items.map((item) => item.orderId))).toEqual(new Set([orderId]));
    const mine = ofEverything(all.body.items);
    // Newest first: one subscription's deliveries of the order's events, from its last sequence down to 1.
    expect(mine.map((item) => item.sequence)).toEqual(mine.map((_item, index) => mine.length - index));
    expect(mine[0]).toMatchObject({ attemptCount: 1, lastAttempt: { attempt: 1, statusCode: 204, error: null } });
    expect(Object.keys(mine[0])).not.toContain('attempts'); // the whole log is the subscription's

    // Pages of 3 add up to the whole list, in its order.
    const paged: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await list(`&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    }
    expect(paged).toEqual(all.body.items.map((item) => item.id));

    // The delivery its receiver refuses: how many attempts, and how the last went; then failed, and filtered by it.
    const refused = await eventually(
      async () => (await list('&status=failed')).body.items.filter((item) => item.subscriptionId === created.id),
      (items) => items.length === 1,
      20_000,
    );
    expect(refused[0]).toMatchObject({ eventType: 'order.created', sequence: 1, status: 'failed' });
    expect(refused[0].attemptCount).toBeGreaterThan(1);
    expect(refused[0].lastAttempt).toMatchObject({ attempt: refused[0].attemptCount, statusCode: 500 });
    expect((await list('&status=failed')).body.items.every((item) => item.status === 'failed')).toBe(true);

    // An unknown order has none; the query is checked; other roles are refused.
    expect((await oms.request('GET', '/v1/webhooks/deliveries?orderId=ORD-NOPE')).body).toEqual({
      items: [],
      nextCursor: null,
    });
    const paths = async (query: string) =>
      (await oms.request('GET', `/v1/webhooks/deliveries${query}`)).body.errors.map(
        (error: { path: string }) => error.path,
      );
    expect(await paths('')).toEqual(['query.orderId']);
    expect(await paths(`?orderId=${orderId}&cursor=abc&status=lost`)).toEqual(['query.status', 'query.cursor']);
    for (const role of ['support', 'sales', 'warehouse'] as const) {
      const answer = await oms.request('GET', `/v1/webhooks/deliveries?orderId=${orderId}`, { as: role });
      expect([role, answer.status, answer.contentType]).toEqual([role, 403, expect.stringContaining('problem+json')]);
    }
  });

  it('lists the event types a subscription may name, for admins only', async () => {
    const types = await oms.request('GET', '/v1/webhooks/event-types');
    expect(types.status).toBe(200);
    expect(types.body).toEqual({ items: [...ORDER_EVENT_TYPES] });
    expect((await oms.request('GET', '/v1/webhooks/event-types', { as: 'support' })).status).toBe(403);
  });
});
