import { MAX_ORDER_VALUE } from '../../domain/pricing';
import { orderBody, startOms, type TestOms } from '../support/oms';

const NEW_ADDRESS = {
  name: 'Acme Receiving',
  line1: '5 Dock Road',
  city: 'Buffalo',
  region: 'NY',
  postalCode: '14201',
  country: 'US',
};

/**
 * Edits before picking (SPEC section 3, Edits), through the API on the real stack: the order is priced and allocated
 * again, the API answers with the workflow's decision, and stock is never reserved twice. Manual fulfilment, so an
 * order stops at PICKING until staff confirm.
 */
describe('PATCH /v1/orders/:id (edits before picking)', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { fulfillmentMode: 'manual' } });
  });
  afterAll(() => oms.close());

  async function reserved(sku: string): Promise<number> {
    const stock = await oms.request('GET', `/v1/inventory?sku=${sku}&warehouse=EWR`);
    return stock.body.items[0].reserved;
  }

  async function place(body: Record<string, unknown>): Promise<string> {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id;
  }

  it('changes the lines and address of an order awaiting approval: re-priced, out of the queue, reserved once', async () => {
    const mugsBefore = await reserved('MUG-BLK');
    const laptopsBefore = await reserved('LAPTOP-14');
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    const waiting = await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect(waiting.totals.subtotal).toBe(4 * 129_900);

    const body = { lines: [{ sku: 'MUG-BLK', quantity: 3 }], shippingAddress: NEW_ADDRESS };
    const headers = { 'Idempotency-Key': `edit-${id}` };
    const edited = await oms.request('PATCH', `/v1/orders/${id}`, { as: 'sales', body, headers });
    expect(edited.status).toBe(200);
    expect(['ALLOCATED', 'PICKING']).toContain(edited.body.status);
    expect(edited.body.totals).toMatchObject({ currency: 'USD', subtotal: 3 * 1250, discount: 0 });

    const picking = await oms.waitForStatus(id, 'PICKING');
    expect(picking.lines).toEqual([
      expect.objectContaining({ sku: 'MUG-BLK', quantity: 3, approvedQuantity: 3, reservedQuantity: 3 }),
    ]);
    expect(picking.shippingAddress).toMatchObject(NEW_ADDRESS);
    expect(picking.totals).toMatchObject({ subtotal: 3750, total: edited.body.totals.total });
    expect(picking.timeline.map((entry: { message: string }) => entry.message)).toContain(
      'Edited: lines 3 × MUG-BLK; shipping address in Buffalo, NY, US',
    );
    expect(await reserved('MUG-BLK')).toBe(mugsBefore + 3);
    expect(await reserved('LAPTOP-14')).toBe(laptopsBefore);

    // The same key and body: the same answer, applied once; another body: 422.
    const again = await oms.request('PATCH', `/v1/orders/${id}`, { as: 'sales', body, headers });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(edited.body);
    const other = await oms.request('PATCH', `/v1/orders/${id}`, {
      as: 'sales',
      body: { ...body, expedite: true },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body.errors).toEqual([expect.objectContaining({ path: 'header.Idempotency-Key' })]);
    expect(await reserved('MUG-BLK')).toBe(mugsBefore + 3);

    // Picking has started: 409, nothing changes.
    const late = await oms.request('PATCH', `/v1/orders/${id}`, { as: 'support', body: { expedite: true } });
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/picking has started/);

    // A cancellation releases exactly what the edited order reserved.
    const cancelled = await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'edited, then cancelled' },
    });
    expect(cancelled.body).toEqual({ status: 'CANCELLED' });
    expect(await reserved('MUG-BLK')).toBe(mugsBefore);
    const ledger = await oms.request('GET', `/v1/inventory/ledger?orderId=${id}`);
    const reasons = ledger.body.items.map((item: { reason: string }) => item.reason).sort();
    expect(reasons).toEqual(['release', 'reserve']);
  });

  it('refuses malformed edits (400), and unknown, inactive or repeated SKUs or lines worth too much (422), naming each', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    const created = await oms.request('POST', '/v1/products', {
      body: {
        sku: 'EDIT-RETIRED',
        name: 'Retired',
        unitPrice: 100,
        currency: 'USD',
        taxCode: 'GENERAL',
        active: false,
      },
    });
    expect(created.status).toBe(201);

    const empty = await oms.request('PATCH', `/v1/orders/${id}`, { as: 'sales', body: {} });
    expect(empty.status).toBe(400);
    const zero = await oms.request('PATCH', `/v1/orders/${id}`, {
      as: 'sales',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 0 }], color: 'red' },
    });
    expect(zero.status).toBe(400);
    expect(zero.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining(['body.lines.0.quantity']),
    );

    const unknown = await oms.request('PATCH', `/v1/orders/${id}`, {
      as: 'sales',
      body: {
        lines: [
          { sku: 'NO-SUCH', quantity: 1 },
          { sku: 'EDIT-RETIRED', quantity: 1 },
          { sku: 'MUG-BLK', quantity: 1 },
          { sku: 'MUG-BLK', quantity: 2 },
        ],
      },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      { path: 'body.lines.0.sku', message: 'product NO-SUCH does not exist' },
      { path: 'body.lines.1.sku', message: 'product EDIT-RETIRED is inactive' },
      {
        path: 'body.lines.3.sku',
        message: 'MUG-BLK appears on more than one line; put the whole quantity on one line',
      },
    ]);
    // Lines worth more than an order may be: 422, as on placing.
    await oms.request('POST', '/v1/products', {
      body: { sku: 'EDIT-YACHT', name: 'Yacht', unitPrice: MAX_ORDER_VALUE / 100, currency: 'USD', taxCode: 'GENERAL' },
    });
    const tooValuable = await oms.request('PATCH', `/v1/orders/${id}`, {
      as: 'sales',
      body: { lines: [{ sku: 'EDIT-YACHT', quantity: 101 }] },
    });
    expect([tooValuable.status, tooValuable.body.errors[0]?.path]).toEqual([422, 'body.lines']);
    expect((await oms.request('PATCH', '/v1/orders/ORD-NONE', { as: 'sales', body: { expedite: true } })).status).toBe(
      404,
    );
    expect((await oms.request('PATCH', `/v1/orders/${id}`, { as: 'approver', body: { expedite: true } })).status).toBe(
      403,
    );

    // Nothing changed: still the laptops, still awaiting approval.
    const order = await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect(order.lines).toEqual([expect.objectContaining({ sku: 'LAPTOP-14', quantity: 4 })]);

    // Expedite alone: still above the limit, so back in the queue at the higher priority.
    const expedited = await oms.request('PATCH', `/v1/orders/${id}`, { as: 'support', body: { expedite: true } });
    expect(expedited.status).toBe(200);
    expect(expedited.body.status).toBe('AWAITING_APPROVAL');
    const queued = await oms.request('GET', `/v1/orders/${id}`);
    expect(queued.body).toMatchObject({ expedite: true, priority: 2 });
  });
});
