import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

/**
 * Holds through the API (SPEC section 3, "Holds" and "Never stuck"; section 4, hold and release): a payment refused
 * for good holds the order instead of failing it, support releases or cancels it, and support holds an order itself.
 */
describe('holds', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { fulfillmentMode: 'manual' } });
  });
  afterAll(() => oms.close());

  async function place(body: Record<string, unknown>): Promise<string> {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  it('holds an order whose payment is refused for good, lists it, and cancels it with its compensations', async () => {
    const id = await place(orderBody({ payment: { method: 'card', token: 'tok_error' } }));
    const held = await oms.waitForStatus(id, 'ON_HOLD');
    expect(held).toMatchObject({
      holdReason: 'payment authorization failed: sandbox: the provider refused the request (tok_error)',
      heldFrom: 'AUTHORIZING',
    });
    const queue = await oms.request('GET', '/v1/orders?status=ON_HOLD', { as: 'support' });
    expect(queue.body.items.map((order: { id: string }) => order.id)).toContain(id);

    // Released, the step is tried again: the provider still refuses, so the order is held again.
    const released = await oms.request('POST', `/v1/orders/${id}/release`, { as: 'support', body: {} });
    expect(released.status).toBe(200);
    await eventually(
      () => oms.request('GET', `/v1/orders/${id}/history`, { as: 'support' }),
      (history) =>
        history.body.timeline.filter((entry: { status: string | null }) => entry.status === 'ON_HOLD').length === 2,
    );

    const cancelled = await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'card keeps failing' },
    });
    expect(cancelled.body).toEqual({ status: 'CANCELLED' });
    const final = await oms.waitForStatus(id, 'CANCELLED');
    expect(final).toMatchObject({ cancelReason: 'requested', holdReason: null, heldFrom: null });
    expect(final.lines[0]).toMatchObject({ reservedQuantity: 0, cancelledQuantity: final.lines[0].quantity });
  });

  it('lets support hold an order before it ships and release it, and refuses what does not apply', async () => {
    const id = await place(orderBody());
    await oms.waitForStatus(id, 'PICKING');
    expect((await oms.request('POST', `/v1/orders/${id}/release`, { as: 'support', body: {} })).status).toBe(409);
    expect((await oms.request('POST', `/v1/orders/${id}/hold`, { as: 'support', body: {} })).status).toBe(400);
    expect((await oms.request('POST', `/v1/orders/${id}/hold`, { as: 'sales', body: { reason: 'x' } })).status).toBe(
      403,
    );

    const hold = { as: 'support' as const, body: { reason: 'address check' }, headers: { 'Idempotency-Key': 'h-1' } };
    const held = await oms.request('POST', `/v1/orders/${id}/hold`, hold);
    expect(held.status).toBe(200);
    expect(held.body).toEqual({ status: 'ON_HOLD', holdReason: 'address check' });
    // The same key and body answers as the first time; another body with it is refused.
    expect((await oms.request('POST', `/v1/orders/${id}/hold`, hold)).body).toEqual(held.body);
    const reused = await oms.request('POST', `/v1/orders/${id}/hold`, { ...hold, body: { reason: 'other' } });
    expect(reused.status).toBe(422);
    expect((await oms.request('POST', `/v1/orders/${id}/hold`, { ...hold, headers: {} })).status).toBe(409);
    expect(await oms.waitForStatus(id, 'ON_HOLD')).toMatchObject({ holdReason: 'address check', heldFrom: 'PICKING' });

    expect((await oms.request('POST', `/v1/orders/${id}/release`, { as: 'support', body: {} })).body).toEqual({
      status: 'PICKING',
    });
    const pickLists = await oms.request('GET', '/v1/pick-lists?status=open', { as: 'warehouse' });
    const pickList = pickLists.body.items.find((list: { orderId: string }) => list.orderId === id);
    const confirmed = await oms.request('POST', `/v1/pick-lists/${pickList.id}/confirm`, {
      as: 'warehouse',
      body: { lines: [] },
    });
    expect(confirmed.status).toBe(200);
    await oms.waitForStatus(id, 'SHIPPED');
    const late = await oms.request('POST', `/v1/orders/${id}/hold`, { as: 'support', body: { reason: 'too late' } });
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe('order is SHIPPED: nothing is left to hold');
  });
});
