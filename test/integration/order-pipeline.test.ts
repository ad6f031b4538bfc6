import { startOms, orderBody, type TestOms } from '../support/oms';

/** The auto-mode pipeline, API -> workflow -> database, on real Temporal and PostgreSQL. */
describe('order pipeline (auto fulfillment)', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 300, returnWindowMs: 1_000 } });
  });
  afterAll(() => oms.close());

  async function stock(warehouse: string, sku: string) {
    return oms.db('stock').where({ warehouse_code: warehouse, sku }).first('on_hand', 'reserved');
  }

  it('takes an order from POST to COMPLETED: reserved, picked, shipped, captured, invoiced, delivered', async () => {
    const before = await stock('EWR', 'MUG-BLK');
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({
        lines: [
          { sku: 'MUG-BLK', quantity: 3 },
          { sku: 'TEE-M', quantity: 1 },
        ],
      }),
    });
    expect(placed.status).toBe(202);
    expect(placed.body).toMatchObject({ status: 'PENDING' });
    expect(placed.body.id).toMatch(/^ORD-[0-9A-Z]{12}$/);
    expect(placed.body.trackingNumber).toMatch(/^TRK-[0-9A-Z]{20}$/);

    const shipped = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    // 3 × 1250 at NY GENERAL 8.88% = 3750 + 333; 1 × 2400 apparel, exempt in NY; 1230 g from NJ to NY is
    // zone 2, ground up to 5 kg: 1195, taxed 8.88% = 106.
    expect(shipped.totals).toEqual({ subtotal: 6150, discount: 0, shipping: 1195, tax: 439, total: 7784 });
    expect(shipped.promisedDeliveryDate).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(shipped.lines).toEqual([
      expect.objectContaining({
        sku: 'MUG-BLK',
        quantity: 3,
        approvedQuantity: 3,
        reservedQuantity: 0,
        pickedQuantity: 3,
        shippedQuantity: 3,
        cancelledQuantity: 0,
        unitPrice: 1250,
        tax: 333,
      }),
      expect.objectContaining({
        sku: 'TEE-M',
        quantity: 1,
        approvedQuantity: 1,
        reservedQuantity: 0,
        pickedQuantity: 1,
        shippedQuantity: 1,
        cancelledQuantity: 0,
        unitPrice: 2400,
        tax: 0,
      }),
    ]);
    expect(shipped.shipments).toHaveLength(1);
    expect(shipped.shipments[0]).toMatchObject({
      warehouse: 'EWR',
      carrier: 'SIMPOST',
      service: 'ground',
      pickList: { status: 'confirmed' },
    });
    expect(shipped.shipments[0].carrierTrackingNumber).toMatch(/^1S[0-9A-F]{14}$/);
    expect(shipped.payments.map((payment: { kind: string; amount: number }) => [payment.kind, payment.amount])).toEqual(
      [
        ['authorization', 7784],
        ['capture', 7784],
      ],
    );
    expect(shipped.invoices).toHaveLength(1);
    expect(shipped.invoices[0]).toMatchObject({ total: 7784, tax: 439 });
    expect(shipped.invoices[0].number).toMatch(/^INV-\d{4}-\d{6}$/);

    // Stock left the warehouse through the ledger: reserve then ship, nothing left reserved.
    const after = await stock('EWR', 'MUG-BLK');
    expect(after).toEqual({ on_hand: before.on_hand - 3, reserved: before.reserved });
    const ledger = await oms.request('GET', `/v1/inventory/ledger?orderId=${placed.body.id}&sku=MUG-BLK`);
    expect(
      ledger.body.items.map((row: { reason: string; onHandDelta: number; reservedDelta: number }) => [
        row.reason,
        row.onHandDelta,
        row.reservedDelta,
      ]),
    ).toEqual([
      ['ship', -3, -3],
      ['reserve', 0, 3],
    ]);

    const completed = await oms.waitForStatus(placed.body.id, 'COMPLETED');
    expect(completed.lines.map((line: { deliveredQuantity: number }) => line.deliveredQuantity)).toEqual([3, 1]);
    expect(completed.shipments[0].status).toBe('delivered');
    expect(completed.shipments[0].events).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(
      completed.timeline
        .filter((event: { status: string | null }) => event.status)
        .map((event: { status: string }) => event.status),
    ).toEqual(['AUTHORIZING', 'ALLOCATED', 'PICKING', 'SHIPPED', 'DELIVERED', 'COMPLETED']);

    const invoice = await oms.request('GET', `/v1/invoices/${completed.invoices[0].number}`);
    expect(invoice.body.lines).toEqual([
      expect.objectContaining({ sku: 'MUG-BLK', quantity: 3, subtotal: 3750, tax: 333 }),
      expect.objectContaining({ sku: 'TEE-M', quantity: 1, subtotal: 2400, tax: 0 }),
    ]);
  });

  it('numbers invoices without gaps across orders', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push((await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody() })).body.id);
    for (const id of ids) await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    const numbers = (await oms.db('invoices').orderBy('seq').pluck('seq')) as number[];
    expect(numbers).toEqual(numbers.map((_, index) => index + 1));
  });

  it('retries a flaky payment provider until it succeeds, charging once', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ payment: { method: 'card', token: 'tok_flaky' } }),
    });
    const shipped = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED', 'COMPLETED'], 30_000);
    expect(shipped.payments.map((payment: { kind: string }) => payment.kind)).toEqual(['authorization', 'capture']);
    const operations = await oms
      .db('sandbox_payment_operations')
      .where('idempotency_key', 'like', `${placed.body.id}:%`)
      .orderBy('operation');
    expect(operations.map((operation) => [operation.operation, operation.attempts])).toEqual([
      ['authorize', 3],
      ['capture', 3],
    ]);
  });

  it('cancels an order whose payment is declined, with its reason, holding nothing', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ payment: { method: 'card', token: 'tok_decline' } }),
    });
    const cancelled = await oms.waitForStatus(placed.body.id, 'CANCELLED');
    expect(cancelled.cancelReason).toBe('payment_declined');
    expect(cancelled.statusReasons).toEqual(['payment declined: card_declined']);
    expect(cancelled.lines[0]).toMatchObject({ reservedQuantity: 0, shippedQuantity: 0, cancelledQuantity: 2 });
    expect(cancelled.shipments).toEqual([]);
    expect(await oms.db('stock_ledger').where({ order_id: placed.body.id }).count({ n: '*' }).first()).toEqual({
      n: 0,
    });
  });

  it('returns the same order for the same Idempotency-Key and body, and 422 for another body', async () => {
    const headers = { 'idempotency-key': 'pipeline-idem-1' };
    const first = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody(), headers });
    const again = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody(), headers });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 5 }] }),
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body.errors).toEqual([{ path: 'header.Idempotency-Key', message: 'reused with another body' }]);
    expect(await oms.db('orders').where({ id: first.body.id }).count({ n: '*' }).first()).toEqual({ n: 1 });
  });

  it('shows the public tracking page without personal data', async () => {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody() });
    await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    const tracking = await oms.request('GET', `/v1/track/${placed.body.trackingNumber}`, { as: null });
    expect(tracking.status).toBe(200);
    expect(tracking.body.shipments[0].carrierTrackingNumber).toMatch(/^1S/);
    const text = JSON.stringify(tracking.body);
    for (const personal of ['Acme', 'acme.example', '1 Acme Way', 'Brooklyn', '11201', 'CUST-ACME', placed.body.id])
      expect(text).not.toContain(personal);
    expect((await oms.request('GET', '/v1/track/TRK-NOSUCHNUMBER', { as: null })).status).toBe(404);
  });
});
