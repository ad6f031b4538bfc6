import { formatMoney } from '../../domain/money';
import { MAX_ORDER_VALUE } from '../../domain/pricing';
import { orderBody, startOms, type TestOms } from '../support/oms';

/** Rules of SPEC section 3: promotions, backorder policies and resumption, credit quotas, batch orders. */
describe('business rules', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 60_000 } });
    // A product nobody has in stock yet.
    await oms.request('POST', '/v1/products', {
      body: { sku: 'GADGET', name: 'Gadget', unitPrice: 1000, currency: 'USD', taxCode: 'GENERAL', weightGrams: 100 },
    });
  });
  afterAll(() => oms.close());

  async function place(body: Record<string, unknown>) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  it('prices every total in minor units: catalog, fixed promotion, tax per line, shipping and its tax', async () => {
    const id = await place(
      orderBody({
        lines: [
          { sku: 'MUG-BLK', quantity: 3 },
          { sku: 'TEE-M', quantity: 2 },
        ],
        promotionCode: 'FIVEOFF',
      }),
    );
    const order = await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED']);
    // Subtotals 3750 and 4800; 500 off in proportion: 219.30 and 280.70, the odd cent to the larger remainder ->
    // 219 / 281. MUG (3531) taxed 8.88% in NY = 313.55 -> 314; apparel is exempt in NY. 1410 g from NJ: ground,
    // zone 2, up to 5 kg = 1195, taxed 8.88% = 106.12 -> 106.
    expect(
      order.lines.map((line: Record<string, number>) => [line.subtotal, line.discount, line.tax, line.total]),
    ).toEqual([
      [3750, 219, 314, 3845],
      [4800, 281, 0, 4519],
    ]);
    expect(order.totals).toEqual({ subtotal: 8550, discount: 500, shipping: 1195, tax: 420, total: 9665 });
    expect(order.invoices[0]).toMatchObject({ subtotal: 8550, discount: 500, shipping: 1195, tax: 420, total: 9665 });
    expect(order.payments.map((payment: { amount: number }) => payment.amount)).toEqual([9665, 9665]);
    expect(order.promisedDeliveryDate).toMatch(/^\d{4}-\d\d-\d\d$/);
  });

  it('splits an order no warehouse can ship alone: a pick list, shipment, capture and invoice per warehouse, adding up', async () => {
    // Neither warehouse holds 350 tees: EWR ships the mugs and all its tees, RNO the rest — two shipments.
    const ewrTees = (await oms.db('stock').where({ warehouse_code: 'EWR', sku: 'TEE-M' }).first()).on_hand;
    const id = await place(
      orderBody({
        customerId: 'CUST-INITECH',
        lines: [
          { sku: 'TEE-M', quantity: 350 },
          { sku: 'MUG-BLK', quantity: 3 },
        ],
      }),
    );
    const order = await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED']);
    expect(
      order.shipments.map((shipment: { warehouse: string; lines: unknown[]; pickList: { status: string } }) => [
        shipment.warehouse,
        shipment.lines,
        shipment.pickList.status,
      ]),
    ).toEqual([
      [
        'EWR',
        [
          { sku: 'MUG-BLK', quantity: 3 },
          { sku: 'TEE-M', quantity: ewrTees },
        ],
        'confirmed',
      ],
      ['RNO', [{ sku: 'TEE-M', quantity: 350 - ewrTees }], 'confirmed'],
    ]);
    expect(order.lines.map((line: Record<string, number>) => [line.shippedQuantity, line.reservedQuantity])).toEqual([
      [350, 0],
      [3, 0],
    ]);
    const captures = order.payments.filter((payment: { kind: string }) => payment.kind === 'capture');
    expect(captures).toHaveLength(2);
    expect(captures.reduce((total: number, payment: { amount: number }) => total + payment.amount, 0)).toBe(
      order.totals.total,
    );
    expect(order.invoices).toHaveLength(2);
    expect(order.invoices.reduce((total: number, invoice: { total: number }) => total + invoice.total, 0)).toBe(
      order.totals.total,
    );
    expect(order.invoices.reduce((total: number, invoice: { tax: number }) => total + invoice.tax, 0)).toBe(
      order.totals.tax,
    );
    expect(order.payments.map((payment: { kind: string }) => payment.kind)).not.toContain('void');
  });

  it('counts a promotion usage limit atomically: 8 concurrent orders, limit 3', async () => {
    expect(
      (
        await oms.request('POST', '/v1/promotions', {
          body: { code: 'THREE', type: 'percent', value: 10, usageLimit: 3 },
        })
      ).status,
    ).toBe(201);
    const ids = await Promise.all(
      Array.from({ length: 8 }, () =>
        place(orderBody({ lines: [{ sku: 'TEE-M', quantity: 1 }], promotionCode: 'THREE' })),
      ),
    );
    const orders = await Promise.all(ids.map((id) => oms.waitForStatus(id, ['SHIPPED', 'DELIVERED', 'REJECTED'])));
    expect(orders.filter((order) => order.status !== 'REJECTED')).toHaveLength(3);
    const rejected = orders.filter((order) => order.status === 'REJECTED');
    expect(rejected).toHaveLength(5);
    for (const order of rejected) expect(order.statusReasons).toEqual(['promotion THREE has reached its usage limit']);
    const promotion = (await oms.request('GET', '/v1/promotions')).body.items.find(
      (item: { code: string }) => item.code === 'THREE',
    );
    expect(promotion.timesUsed).toBe(3);
  });

  it('refuses unknown and expired promotion codes on entry, and gives a use back when the order is cancelled', async () => {
    await oms.request('POST', '/v1/promotions', {
      body: {
        code: 'OLD',
        type: 'fixed',
        value: 100,
        validFrom: '2020-01-01T00:00:00Z',
        validTo: '2020-12-31T00:00:00Z',
      },
    });
    expect(
      (await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ promotionCode: 'OLD' }) })).body.errors,
    ).toEqual([{ path: 'body.promotionCode', message: 'promotion OLD expired at 2020-12-31T00:00:00.000Z' }]);
    expect(
      (await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ promotionCode: 'NOPE' }) })).status,
    ).toBe(422);
    const below = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 1 }], promotionCode: 'WELCOME10' }));
    expect((await oms.waitForStatus(below, 'REJECTED')).statusReasons).toEqual([
      'promotion WELCOME10 needs an order of at least 2000, this one is 1250',
    ]);

    await oms.request('POST', '/v1/promotions', { body: { code: 'ONCE', type: 'fixed', value: 100, usageLimit: 1 } });
    const first = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }], promotionCode: 'ONCE' }));
    await oms.waitForStatus(first, 'AWAITING_APPROVAL');
    await oms.request('POST', `/v1/orders/${first}/cancel`, { as: 'support', body: { reason: 'changed mind' } });
    const second = await place(orderBody({ promotionCode: 'ONCE' }));
    expect((await oms.waitForStatus(second, ['SHIPPED', 'DELIVERED'])).totals.discount).toBe(100);
  });

  it('cancel_unavailable ships what is there and cancels the rest at once; with nothing there the order is cancelled', async () => {
    const mixed = await place(
      orderBody({
        lines: [
          { sku: 'MUG-BLK', quantity: 2 },
          { sku: 'GADGET', quantity: 3 },
        ],
        backorderPolicy: 'cancel_unavailable',
      }),
    );
    const shipped = await oms.waitForStatus(mixed, ['SHIPPED', 'DELIVERED']);
    expect(shipped.lines.map((line: Record<string, number>) => [line.shippedQuantity, line.cancelledQuantity])).toEqual(
      [
        [2, 0],
        [0, 3],
      ],
    );
    expect(shipped.payments.map((payment: { kind: string }) => payment.kind)).toEqual([
      'authorization',
      'capture',
      'void',
    ]);

    const nothing = await place(
      orderBody({ lines: [{ sku: 'GADGET', quantity: 1 }], backorderPolicy: 'cancel_unavailable' }),
    );
    const cancelled = await oms.waitForStatus(nothing, 'CANCELLED');
    expect(cancelled.cancelReason).toBe('unavailable');
    expect(cancelled.payments.map((payment: { kind: string }) => payment.kind)).toEqual(['authorization', 'void']);
  });

  it('a receipt resumes waiting orders highest priority first: 10 units serve the two highest of three', async () => {
    const standard = await place(orderBody({ lines: [{ sku: 'GADGET', quantity: 5 }] })); // priority 3, oldest
    const priority = await place(
      orderBody({ customerId: 'CUST-GLOBEX', lines: [{ sku: 'GADGET', quantity: 5 }], payment: { method: 'invoice' } }),
    ); // 2
    const critical = await place(orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'GADGET', quantity: 5 }] })); // 1
    for (const id of [standard, priority, critical]) await oms.waitForStatus(id, 'BACKORDERED');
    const queue = await oms.request('GET', '/v1/orders?status=BACKORDERED&sku=GADGET');
    expect(queue.body.items.map((order: { id: string }) => order.id)).toEqual([critical, priority, standard]);

    const receipt = await oms.request('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse: 'RNO', sku: 'GADGET', quantity: 10, reference: 'PO-GADGET-1' },
    });
    expect(receipt.status).toBe(201);
    await oms.temporal.workflow.getHandle(receipt.body.restockWorkflow).result();
    for (const id of [critical, priority])
      expect((await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED'])).lines[0].shippedQuantity).toBe(5);
    expect((await oms.request('GET', `/v1/orders/${standard}`)).body.status).toBe('BACKORDERED');
    await oms.request('POST', `/v1/orders/${standard}/cancel`, { as: 'support', body: { reason: 'test done' } });
  });

  it('needs approval when a net30 order would exceed the remaining credit', async () => {
    expect((await oms.request('PATCH', '/v1/customers/CUST-GLOBEX', { body: { creditLimit: 10_000 } })).status).toBe(
      200,
    );
    const id = await place(
      orderBody({ customerId: 'CUST-GLOBEX', lines: [{ sku: 'TEE-M', quantity: 5 }], payment: { method: 'invoice' } }),
    );
    const waiting = await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect(waiting.statusReasons).toEqual([expect.stringMatching(/exceeds the remaining credit -?\d+/)]);
    await oms.request('POST', `/v1/orders/${id}/reject`, { as: 'approver', body: { reason: 'over credit' } });
  });

  it('counts open net30 orders not yet invoiced against the credit: two that together exceed it, the second needs approval', async () => {
    const customer = await oms.request('POST', '/v1/customers', {
      body: {
        name: 'Hooli',
        email: 'ap@hooli.example',
        currency: 'USD',
        approvalLimit: 10_000_000,
        creditLimit: 10_000,
        paymentTerms: 'net30',
        address: {
          name: 'Hooli',
          line1: '1 Hacker Way',
          city: 'Menlo Park',
          region: 'CA',
          postalCode: '94025',
          country: 'US',
        },
      },
    });
    expect(customer.status).toBe(201);
    const net30 = (quantity: number) =>
      place({ customerId: customer.body.id, lines: [{ sku: 'GADGET', quantity }], payment: { method: 'invoice' } });
    // Nothing in stock: the first waits, open and not invoiced, within the limit on its own.
    const first = await oms.waitForStatus(await net30(6), 'BACKORDERED');
    expect(first.totals.total).toBeLessThan(10_000);
    const second = await oms.waitForStatus(await net30(5), ['AWAITING_APPROVAL', 'BACKORDERED']);
    expect(second.totals.total).toBeLessThan(10_000);
    expect(second.status).toBe('AWAITING_APPROVAL');
    expect(second.statusReasons).toEqual([
      `order total ${second.totals.total} exceeds the remaining credit ${10_000 - first.totals.total}`,
    ]);
    await oms.request('POST', `/v1/orders/${second.id}/reject`, { as: 'approver', body: { reason: 'over credit' } });
    await oms.request('POST', `/v1/orders/${first.id}/cancel`, { as: 'support', body: { reason: 'test done' } });
  });

  it('refuses an order worth more than an order may be, at entry and when its prices rose before it was priced', async () => {
    const price = MAX_ORDER_VALUE / 1000;
    await oms.request('POST', '/v1/products', {
      body: { sku: 'TURBINE', name: 'Turbine', unitPrice: price, currency: 'USD', taxCode: 'GENERAL' },
    });
    const limit = formatMoney(MAX_ORDER_VALUE, 'USD');
    const refused = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'TURBINE', quantity: 1001 }] }),
    });
    expect([refused.status, refused.body.errors]).toEqual([
      422,
      [
        {
          path: 'body.lines',
          message: `the order is worth more at catalog prices than an order may be (${limit}); split it`,
        },
      ],
    ]);
    // A price above the limit could never be ordered: refused on the product.
    const product = await oms.request('PATCH', '/v1/products/TURBINE', { body: { unitPrice: MAX_ORDER_VALUE + 1 } });
    expect([product.status, product.body.errors[0].path]).toEqual([400, 'body.unitPrice']);

    // Accepted at 1000 units; the price rises before the order is priced: it is rejected, not priced past the limit.
    oms.gate.hold('validateAndPriceOrder');
    const id = await place(orderBody({ lines: [{ sku: 'TURBINE', quantity: 1000 }] }));
    await oms.gate.reached('validateAndPriceOrder');
    expect((await oms.request('PATCH', '/v1/products/TURBINE', { body: { unitPrice: price * 2 } })).status).toBe(200);
    oms.gate.release('validateAndPriceOrder');
    const order = await oms.waitForStatus(id, 'REJECTED');
    expect([order.rejectReason, order.statusReasons]).toEqual([
      'invalid',
      [`the order is worth more at catalog prices than an order may be (${limit}); split it`],
    ]);
    expect(order.totals.total).toBeNull();
  });

  it('places batch orders from JSON and CSV: a bad row gets its errors, writes nothing, and never stops the good ones', async () => {
    const before = Number((await oms.db('orders').count({ n: '*' }).first())?.n);
    const json = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      body: {
        orders: [
          orderBody({ lines: [{ sku: 'TEE-M', quantity: 1 }] }),
          orderBody({ lines: [{ sku: 'NOPE', quantity: 1 }] }),
          orderBody({ customerId: 'CUST-INITECH', expedite: true }),
        ],
      },
      headers: { 'idempotency-key': 'batch-1' },
    });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(json.body.results[1]).toEqual({
      index: 1,
      errors: [{ path: 'body.lines.0.sku', message: 'product NOPE does not exist' }],
    });
    const [first, , third] = json.body.results;
    expect((await oms.request('GET', `/v1/orders/${first.id}`)).body.priority).toBe(4);
    expect((await oms.request('GET', `/v1/orders/${third.id}`)).body.priority).toBe(3); // batch 4, expedited
    const replay = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      body: { orders: [orderBody({ lines: [{ sku: 'TEE-M', quantity: 1 }] })] },
      headers: { 'idempotency-key': 'batch-1' },
    });
    expect(replay.body.results[0].id).toBe(first.id);

    const csv = [
      'customerId,lines,paymentMethod,paymentToken,backorderPolicy,expedite',
      'CUST-ACME,MUG-BLK:1;TEE-M:2,card,tok_ok,,',
      'CUST-ACME,MUG-BLK:1.5,card,tok_ok,,',
      'CUST-INITECH,"BEANS-1KG:1",card,tok_ok,wait_all,true',
    ].join('\n');
    const fromCsv = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(fromCsv.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(fromCsv.body.results[1]).toMatchObject({ index: 1, line: 3, errors: [{ path: 'body.lines.0.quantity' }] });
    const csvOrder = (await oms.request('GET', `/v1/orders/${fromCsv.body.results[0].id}`)).body;
    expect(csvOrder.lines.map((line: { sku: string; quantity: number }) => [line.sku, line.quantity])).toEqual([
      ['MUG-BLK', 1],
      ['TEE-M', 2],
    ]);
    expect(Number((await oms.db('orders').count({ n: '*' }).first())?.n)).toBe(before + 4);

    expect(
      (
        await oms.request('POST', '/v1/orders/batch', {
          as: 'sales',
          rawBody: 'customerId,colour\nX,red',
          headers: { 'content-type': 'text/csv' },
        })
      ).status,
    ).toBe(400);
    expect((await oms.request('POST', '/v1/orders/batch', { as: 'sales', body: { orders: [] } })).status).toBe(400);
  });
});
