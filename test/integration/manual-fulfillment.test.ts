import { createHmac } from 'node:crypto';
import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

/** Manual mode (OMS_FULFILLMENT_MODE=manual): warehouse staff confirm pick lists, carriers report events. */
describe('manual fulfillment', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { fulfillmentMode: 'manual' } });
  });
  afterAll(() => oms.close());

  async function place(body: Record<string, unknown>) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  async function openPickList(orderId: string) {
    await oms.waitForStatus(orderId, ['PICKING', 'PARTIALLY_SHIPPED']);
    for (let attempt = 0; attempt < 100; attempt++) {
      const lists = await oms.request('GET', '/v1/pick-lists?status=open', { as: 'warehouse' });
      const list = lists.body.items.find((item: { orderId: string }) => item.orderId === orderId);
      if (list) return list;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no open pick list for ${orderId}`);
  }

  const sign = (body: string) => createHmac('sha256', oms.carrierWebhookSecret).update(body).digest('hex');

  it('lists pick lists by wave, highest priority first, then oldest', async () => {
    const standard = await place(orderBody({ lines: [{ sku: 'TEE-M', quantity: 1 }] }));
    const critical = await place(orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'TEE-M', quantity: 1 }] }));
    await openPickList(standard);
    await openPickList(critical);
    const lists = await oms.request('GET', '/v1/pick-lists?warehouse=EWR', { as: 'warehouse' });
    const ours = lists.body.items.filter((item: { orderId: string }) => [standard, critical].includes(item.orderId));
    expect(ours.map((item: { orderId: string }) => item.orderId)).toEqual([critical, standard]);
    expect(ours[0]).toMatchObject({
      warehouse: 'EWR',
      priority: 1,
      status: 'open',
      lines: [{ sku: 'TEE-M', quantity: 1, pickedQuantity: null }],
    });
    expect(ours[0].wave).toMatch(/^W-EWR-\d{10}$/);
    expect((await oms.request('GET', '/v1/pick-lists', { as: 'sales' })).status).toBe(403);
    for (const id of [standard, critical])
      await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: { reason: 'test done' } });
  });

  it('ships what staff confirm and takes carrier events to DELIVERED; an exception shows on the order', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] }));
    const list = await openPickList(id);
    expect(
      (
        await oms.request('POST', `/v1/pick-lists/${list.id}/confirm`, {
          as: 'warehouse',
          body: { lines: [{ sku: 'MUG-BLK', pickedQuantity: 3 }] },
        })
      ).status,
    ).toBe(422);
    const confirmed = await oms.request('POST', `/v1/pick-lists/${list.id}/confirm`, { as: 'warehouse', body: {} });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('SHIPPED');
    expect((await oms.request('POST', `/v1/pick-lists/${list.id}/confirm`, { as: 'warehouse', body: {} })).status).toBe(
      409,
    );
    const shipmentId = `${id}-S1`;

    // A carrier key, then a signed webhook; a bad signature or no credentials are refused.
    expect(
      (
        await oms.request('POST', `/v1/shipments/${shipmentId}/events`, {
          as: 'carrier',
          body: { status: 'in_transit', at: '2026-11-23T08:00:00Z' },
        })
      ).status,
    ).toBe(200);
    const exception = JSON.stringify({
      status: 'exception',
      at: '2026-11-23T09:00:00Z',
      detail: 'address label damaged',
    });
    expect(
      (
        await oms.request('POST', `/v1/shipments/${shipmentId}/events`, {
          as: null,
          rawBody: exception,
          headers: { 'content-type': 'application/json', 'x-oms-signature': sign(exception) },
        })
      ).status,
    ).toBe(200);
    const withException = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(withException.shipments[0].status).toBe('exception');
    expect(withException.timeline.map((event: { message: string }) => event.message)).toContain(
      `${shipmentId}: exception (address label damaged)`,
    );

    const tampered = JSON.stringify({ status: 'delivered' });
    expect(
      (
        await oms.request('POST', `/v1/shipments/${shipmentId}/events`, {
          as: null,
          rawBody: tampered,
          headers: { 'content-type': 'application/json', 'x-oms-signature': sign(exception) },
        })
      ).status,
    ).toBe(401);
    expect(
      (await oms.request('POST', `/v1/shipments/${shipmentId}/events`, { as: null, body: { status: 'delivered' } }))
        .status,
    ).toBe(401);
    expect(
      (
        await oms.request('POST', `/v1/shipments/${shipmentId}/events`, {
          as: 'warehouse',
          body: { status: 'delivered' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await oms.request('POST', `/v1/shipments/${shipmentId}/events`, {
          as: 'carrier',
          body: { status: 'lost_in_space' },
        })
      ).status,
    ).toBe(400);

    const delivered = JSON.stringify({ status: 'delivered', at: '2026-11-24T15:30:00Z', detail: 'left at reception' });
    expect(
      (
        await oms.request('POST', `/v1/shipments/${shipmentId}/events`, {
          as: null,
          rawBody: delivered,
          headers: { 'content-type': 'application/json', 'x-oms-signature': sign(delivered) },
        })
      ).status,
    ).toBe(200);
    const order = await oms.waitForStatus(id, 'DELIVERED');
    expect(order.lines[0]).toMatchObject({ shippedQuantity: 2, deliveredQuantity: 2 });
    const shipment = await oms.request('GET', `/v1/shipments/${shipmentId}`);
    expect(shipment.body.events.map((event: { status: string }) => event.status)).toEqual([
      'in_transit',
      'exception',
      'delivered',
    ]);
    expect(shipment.body.deliveredAt).toBe('2026-11-24T15:30:00.000Z');
  });

  it('re-allocates a short pick from another warehouse and corrects the stock that was not there', async () => {
    const before = await oms.db('stock').where({ sku: 'LAPTOP-14' }).orderBy('warehouse_code');
    const id = await place(orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    const first = await openPickList(id);
    expect(first.warehouse).toBe('EWR');
    const short = await oms.request('POST', `/v1/pick-lists/${first.id}/confirm`, {
      as: 'warehouse',
      body: { lines: [{ sku: 'LAPTOP-14', pickedQuantity: 1 }] },
    });
    expect(short.status).toBe(200);

    const second = await eventually(
      () => openPickList(id),
      (list) => list.id !== first.id,
    );
    expect(second.warehouse).toBe('RNO');
    expect(second.lines).toEqual([{ sku: 'LAPTOP-14', quantity: 3, pickedQuantity: null }]);
    expect(
      (await oms.request('POST', `/v1/pick-lists/${second.id}/confirm`, { as: 'warehouse', body: {} })).status,
    ).toBe(200);
    const order = await oms.waitForStatus(id, 'SHIPPED');
    expect(order.lines[0]).toMatchObject({ quantity: 4, pickedQuantity: 4, shippedQuantity: 4, reservedQuantity: 0 });
    expect(
      order.shipments.map((shipment: { warehouse: string; lines: { quantity: number }[] }) => [
        shipment.warehouse,
        shipment.lines[0].quantity,
      ]),
    ).toEqual([
      ['EWR', 1],
      [second.warehouse, 3],
    ]);
    const captured = order.payments
      .filter((payment: { kind: string }) => payment.kind === 'capture')
      .reduce((total: number, payment: { amount: number }) => total + payment.amount, 0);
    expect(captured).toBe(order.totals.total);

    // EWR said 3 units were not on the shelf: its on-hand drops by them, through the ledger.
    const after = await oms.db('stock').where({ sku: 'LAPTOP-14' }).orderBy('warehouse_code');
    const ewrBefore = before.find((row) => row.warehouse_code === 'EWR');
    const ewrAfter = after.find((row) => row.warehouse_code === 'EWR');
    expect(ewrAfter.on_hand).toBe(ewrBefore.on_hand - 1 - 3);
    const ledger = await oms.request('GET', `/v1/inventory/ledger?orderId=${id}&warehouse=EWR`);
    expect(
      ledger.body.items.map((row: { reason: string; onHandDelta: number; reservedDelta: number }) => [
        row.reason,
        row.onHandDelta,
        row.reservedDelta,
      ]),
    ).toEqual([
      ['ship', -1, -1],
      ['adjustment', -3, 0],
      ['release', 0, -3],
      ['reserve', 0, 4],
    ]);
  });

  it('backorders a short pick that no warehouse can cover', async () => {
    const id = await place(orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'BEANS-1KG', quantity: 200 }] }));
    const list = await openPickList(id);
    await oms.request('POST', `/v1/pick-lists/${list.id}/confirm`, {
      as: 'warehouse',
      body: { lines: [{ sku: 'BEANS-1KG', pickedQuantity: 150 }] },
    });
    const waiting = await oms.waitForStatus(id, 'PARTIALLY_SHIPPED');
    expect(waiting.lines[0]).toMatchObject({ shippedQuantity: 150, reservedQuantity: 0 });
    const backordered = await eventually(
      async () =>
        ((await oms.temporal.workflow.getHandle(id).describe()).searchAttributes as Record<string, unknown[]>)
          .BackorderedSkus,
      (skus) => skus?.length === 1,
    );
    expect(backordered).toEqual(['BEANS-1KG']);
    await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'customer takes what shipped' },
    });
    const cancelled = await oms.waitForStatus(id, 'CANCELLED');
    expect(cancelled.lines[0]).toMatchObject({ shippedQuantity: 150, cancelledQuantity: 50 });
    const kinds = cancelled.payments.map((payment: { kind: string }) => payment.kind);
    expect(kinds).toEqual(['authorization', 'capture', 'void']);
  });
});
