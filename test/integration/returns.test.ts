import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

/** Returns (SPEC section 3): RMAs as child workflows `<orderId>/return-<n>`, within the return window. */
describe('returns', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 200, returnWindowMs: 120_000 } });
  });
  afterAll(() => oms.close());

  async function delivered(body: Record<string, unknown>) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    return oms.waitForStatus(placed.body.id, 'DELIVERED');
  }
  const path = (id: string) => `/v1/returns/${encodeURIComponent(id)}`;
  const settled = (id: string) =>
    eventually(
      async () => (await oms.request('GET', path(id))).body,
      (rma) => ['REFUNDED', 'EXCHANGED', 'CLOSED'].includes(rma.status),
    );

  it('refund: restocks resellable units, writes off damaged ones, refunds both with a credit note', async () => {
    const order = await delivered(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }));
    const stockBefore = (await oms.db('stock').where({ warehouse_code: 'EWR', sku: 'MUG-BLK' }).first()).on_hand;
    expect(
      (
        await oms.request('POST', `/v1/orders/${order.id}/returns`, {
          as: 'support',
          body: { lines: [{ sku: 'MUG-BLK', quantity: 4 }], reason: 'x', resolution: 'refund' },
        })
      ).status,
    ).toBe(409);
    const opened = await oms.request('POST', `/v1/orders/${order.id}/returns`, {
      as: 'support',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 2 }], reason: 'arrived broken', resolution: 'refund' },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({ id: `${order.id}/return-1`, status: 'AWAITING_RECEIPT' });
    expect((await oms.request('GET', path(opened.body.id))).body).toMatchObject({
      status: 'AWAITING_RECEIPT',
      lines: [{ sku: 'MUG-BLK', quantity: 2 }],
    });
    // The child workflow is there for operators, under the order's ID.
    expect((await oms.temporal.workflow.getHandle(opened.body.id).describe()).parentExecution?.workflowId).toBe(
      order.id,
    );

    const tooMany = await oms.request('POST', `${path(opened.body.id)}/receive`, {
      as: 'warehouse',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 3, condition: 'resellable' }] },
    });
    expect(tooMany.status).toBe(422);
    const received = await oms.request('POST', `${path(opened.body.id)}/receive`, {
      as: 'warehouse',
      body: {
        lines: [
          { sku: 'MUG-BLK', quantity: 1, condition: 'resellable' },
          { sku: 'MUG-BLK', quantity: 1, condition: 'damaged' },
        ],
      },
    });
    expect(received.body).toEqual({ status: 'RECEIVED' });

    const rma = await settled(opened.body.id);
    expect(rma).toMatchObject({ status: 'REFUNDED', creditNote: expect.stringMatching(/^CN-/) });
    const after = (await oms.request('GET', `/v1/orders/${order.id}`)).body;
    // The order's detail lists its returns, each as GET /v1/returns/:id shows it.
    expect(after.returns).toEqual([rma]);
    expect(after.returns[0]).toMatchObject({
      id: opened.body.id,
      status: 'REFUNDED',
      resolution: 'refund',
      lines: [{ sku: 'MUG-BLK', quantity: 2 }],
      refundId: expect.any(String),
      creditNote: rma.creditNote,
      replacementShipmentId: null,
    });
    expect(after.lines[0]).toMatchObject({ shippedQuantity: 3, returnedQuantity: 2 });
    // Two of three mugs: 2500 + two thirds of the 333 tax (222), no shipping.
    expect(
      after.payments
        .filter((payment: { kind: string }) => payment.kind === 'refund')
        .map((payment: { amount: number }) => payment.amount),
    ).toEqual([2722]);
    expect((await oms.db('stock').where({ warehouse_code: 'EWR', sku: 'MUG-BLK' }).first()).on_hand).toBe(
      stockBefore + 1,
    );
    const ledger = await oms.request('GET', `/v1/inventory/ledger?orderId=${order.id}`);
    expect(
      ledger.body.items
        .slice(0, 2)
        .map((row: { reason: string; onHandDelta: number }) => [row.reason, row.onHandDelta]),
    ).toEqual([
      ['write_off', 0],
      ['restock', 1],
    ]);
    expect((await oms.request('GET', `/v1/reports/payments?orderId=${order.id}`)).body.discrepancies).toEqual([]);

    // A second, partial return of what is left.
    const second = await oms.request('POST', `/v1/orders/${order.id}/returns`, {
      as: 'support',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'changed mind', resolution: 'refund' },
    });
    expect(second.body.id).toBe(`${order.id}/return-2`);
    expect(
      (
        await oms.request('POST', `/v1/orders/${order.id}/returns`, {
          as: 'support',
          body: { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'again', resolution: 'refund' },
        })
      ).status,
    ).toBe(409);
  });

  it('exchange: ships the same SKUs again through allocation, picking and shipping, with no second charge', async () => {
    const order = await delivered(orderBody({ lines: [{ sku: 'TEE-M', quantity: 1 }] }));
    const opened = await oms.request('POST', `/v1/orders/${order.id}/returns`, {
      as: 'support',
      body: { lines: [{ sku: 'TEE-M', quantity: 1 }], reason: 'wrong colour', resolution: 'exchange' },
    });
    await oms.request('POST', `${path(opened.body.id)}/receive`, {
      as: 'warehouse',
      body: { lines: [{ sku: 'TEE-M', quantity: 1, condition: 'resellable' }] },
    });
    const rma = await settled(opened.body.id);
    expect(rma.status).toBe('EXCHANGED');
    const replacement = await oms.request('GET', `/v1/shipments/${rma.replacementShipmentId}`);
    expect(replacement.body).toMatchObject({
      status: expect.stringMatching(/^(shipped|delivered)$/),
      lines: [{ sku: 'TEE-M', quantity: 1 }],
    });
    const after = (await oms.request('GET', `/v1/orders/${order.id}`)).body;
    expect(after.returns).toEqual([
      expect.objectContaining({
        id: opened.body.id,
        status: 'EXCHANGED',
        resolution: 'exchange',
        refundId: null,
        replacementShipmentId: rma.replacementShipmentId,
      }),
    ]);
    expect(after.payments.map((payment: { kind: string }) => payment.kind)).toEqual(['authorization', 'capture']);
    expect(after.invoices.map((invoice: { kind: string }) => invoice.kind)).toEqual(['invoice']);
    expect(after.lines[0]).toMatchObject({ quantity: 1, shippedQuantity: 1, returnedQuantity: 1 });
  });

  it('answers 503, to be retried, a receipt of an RMA whose order has not started its workflow yet', async () => {
    // The RMA is recorded before its order starts the return's workflow; an order recovering from a worker failure
    // (a chaos run: six minutes of workflow task retries) leaves that gap open. A 409 there lost the goods for good.
    const order = await delivered(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 1 }] }));
    const returnId = `${order.id}/return-9`;
    await oms.db('returns').insert({
      id: returnId,
      order_id: order.id,
      resolution: 'refund',
      reason: 'recorded, its workflow not started yet',
      lines: JSON.stringify([{ sku: 'MUG-BLK', quantity: 1 }]),
    });
    const receipt = await oms.request('POST', `${path(returnId)}/receive`, {
      as: 'warehouse',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 1, condition: 'resellable' }] },
    });
    expect(receipt.status).toBe(503);
    expect(receipt.body.detail).toMatch(/still being opened by its order/);
    await oms.db('returns').where({ id: returnId }).delete();
  });
});

describe('return and return receipt lines', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 200, returnWindowMs: 120_000 } });
  });
  afterAll(() => oms.close());

  it('refuses lines naming a SKU twice or one the order or RMA lacks with 422 per field, before any workflow', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({
        lines: [
          { sku: 'MUG-BLK', quantity: 2 },
          { sku: 'TEE-M', quantity: 1 },
        ],
      }),
    });
    const order = await oms.waitForStatus(placed.body.id, 'DELIVERED');
    const open = (lines: unknown) =>
      oms.request('POST', `/v1/orders/${order.id}/returns`, {
        as: 'support',
        body: { lines, reason: 'x', resolution: 'refund' },
      });

    // One SKU on two lines: each alone is within what shipped, together they may not be.
    const twice = await open([
      { sku: 'MUG-BLK', quantity: 1 },
      { sku: 'MUG-BLK', quantity: 1 },
    ]);
    expect({ status: twice.status, errors: twice.body.errors }).toEqual({
      status: 422,
      errors: [
        { path: 'body.lines.1.sku', message: 'MUG-BLK is listed more than once; put the whole quantity on one line' },
      ],
    });
    const foreign = await open([
      { sku: 'MUG-BLK', quantity: 1 },
      { sku: 'BEANS-1KG', quantity: 1 },
    ]);
    expect({ status: foreign.status, errors: foreign.body.errors }).toEqual({
      status: 422,
      errors: [{ path: 'body.lines.1.sku', message: `BEANS-1KG is not a line of order ${order.id}` }],
    });
    // Zero and negative quantities are malformed (400, as on orders), named by their field.
    for (const quantity of [0, -1]) {
      const bad = await open([{ sku: 'MUG-BLK', quantity }]);
      expect({ status: bad.status, paths: bad.body.errors.map((error: { path: string }) => error.path) }).toEqual({
        status: 400,
        paths: ['body.lines.0.quantity'],
      });
    }
    expect(await oms.db('returns').where({ order_id: order.id })).toEqual([]);

    const opened = await open([{ sku: 'MUG-BLK', quantity: 2 }]);
    expect(opened.status).toBe(201);
    const receive = (lines: unknown) =>
      oms.request('POST', `/v1/returns/${encodeURIComponent(opened.body.id)}/receive`, {
        as: 'warehouse',
        body: { lines },
      });
    const notOnRma = await receive([
      { sku: 'MUG-BLK', quantity: 1, condition: 'resellable' },
      { sku: 'TEE-M', quantity: 0, condition: 'resellable' },
    ]);
    expect({ status: notOnRma.status, errors: notOnRma.body.errors }).toEqual({
      status: 422,
      errors: [{ path: 'body.lines.1.sku', message: `TEE-M is not on return ${opened.body.id}` }],
    });
    const duplicate = await receive([
      { sku: 'MUG-BLK', quantity: 1, condition: 'damaged' },
      { sku: 'MUG-BLK', quantity: 1, condition: 'damaged' },
    ]);
    expect({
      status: duplicate.status,
      paths: duplicate.body.errors.map((error: { path: string }) => error.path),
    }).toEqual({ status: 422, paths: ['body.lines.1.sku'] });
    const tooMany = await receive([{ sku: 'MUG-BLK', quantity: 3, condition: 'resellable' }]);
    expect({ status: tooMany.status, errors: tooMany.body.errors }).toEqual({
      status: 422,
      errors: [{ path: 'body.lines.0.quantity', message: 'MUG-BLK: 3 received but 2 on the return' }],
    });
    expect((await oms.request('GET', `/v1/returns/${encodeURIComponent(opened.body.id)}`)).body.status).toBe(
      'AWAITING_RECEIPT',
    );
    const received = await receive([
      { sku: 'MUG-BLK', quantity: 1, condition: 'resellable' },
      { sku: 'MUG-BLK', quantity: 1, condition: 'damaged' },
    ]);
    expect(received.body).toEqual({ status: 'RECEIVED' });
  });
});

describe('returns after the window', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 100, returnWindowMs: 500 } });
  });
  afterAll(() => oms.close());

  it('answers 409 once OMS_RETURN_WINDOW has closed', async () => {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody() });
    await oms.waitForStatus(placed.body.id, 'COMPLETED');
    const late = await oms.request('POST', `/v1/orders/${placed.body.id}/returns`, {
      as: 'support',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'late', resolution: 'refund' },
    });
    expect(late.status).toBe(409);
  });
});
