import { eventually, updateAdmitted } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

/**
 * Cancellation (SPEC section 3) at every status before shipment: each test holds the order at one step with
 * the activity gate, cancels it there, and checks nothing is left held: no reserved stock, no active
 * reservation, no open pick list, no open authorization. Warehouse staff pick (manual mode), so an order stays
 * ALLOCATED and PICKING long enough to be cancelled there; auto mode's simulated warehouse picks within one workflow
 * task (test/workflow/cancellation.test.ts).
 */
describe('cancellation at every stage before shipment', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { fulfillmentMode: 'manual' } });
  });
  afterAll(() => oms.close());

  async function reservedTotal() {
    const row = await oms.db('stock').sum({ reserved: 'reserved' }).first();
    return Number(row?.reserved ?? 0);
  }

  async function place(body = orderBody()) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  /** Waits until the workflow has accepted an Update (it is then bound to act on it). */
  async function updateAccepted(orderId: string) {
    const handle = oms.temporal.workflow.getHandle(orderId);
    for (let attempt = 0; attempt < 200; attempt++) {
      const history = await handle.fetchHistory();
      if (history.events?.some((event) => event.workflowExecutionUpdateAcceptedEventAttributes)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no update accepted by ${orderId}`);
  }

  /** Waits until the order's workflow has the cancellation sent with Idempotency-Key `key` (see `updateAdmitted`). */
  async function cancellationAdmitted(orderId: string, key: string) {
    const claimed = await eventually(
      () => oms.db('idempotency_keys').where({ key }).first('scope'),
      (row) => row !== undefined,
    );
    await updateAdmitted(oms.temporal, orderId, `${claimed.scope}:${key}`);
  }

  /**
   * Cancels while `activity` is held, then lets it finish; the workflow compensates once it returns. An activity's
   * step takes the cancellation at once; a local activity's once the step ends (`inWorkflowTask`).
   */
  async function cancelWhileHeld(orderId: string, activity: string, options: { inWorkflowTask?: boolean } = {}) {
    const key = `cancel-${orderId}`;
    const cancelling = oms.request('POST', `/v1/orders/${orderId}/cancel`, {
      as: 'support',
      body: { reason: 'customer changed their mind' },
      headers: { 'idempotency-key': key },
    });
    await (options.inWorkflowTask ? cancellationAdmitted(orderId, key) : updateAccepted(orderId));
    oms.gate.release(activity);
    const answer = await cancelling;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'CANCELLED' });
  }

  async function expectNothingHeld(orderId: string, reservedBefore: number, options: { authorized: boolean }) {
    const order = await oms.waitForStatus(orderId, 'CANCELLED');
    expect(order.cancelReason).toBe('requested');
    expect(order.statusReasons).toEqual(['customer changed their mind']);
    for (const line of order.lines)
      expect(line).toMatchObject({ reservedQuantity: 0, shippedQuantity: 0, cancelledQuantity: line.quantity });
    expect(await oms.db('reservations').where({ order_id: orderId, status: 'active' })).toEqual([]);
    expect(await oms.db('pick_lists').where({ order_id: orderId, status: 'open' })).toEqual([]);
    expect(await reservedTotal()).toBe(reservedBefore);
    const kinds = order.payments.map((payment: { kind: string }) => payment.kind);
    if (options.authorized) {
      expect(kinds).toEqual(['authorization', 'void']);
      const authorizationId = order.payments[0].providerReference;
      expect(
        await oms.db('sandbox_payment_authorizations').where({ id: authorizationId }).first('status', 'captured'),
      ).toEqual({ status: 'voided', captured: 0 });
    } else {
      expect(kinds).toEqual([]);
    }
    return order;
  }

  it('PENDING: cancelled while being priced; taken once pricing ends, the authorization begun meanwhile is voided', async () => {
    const before = await reservedTotal();
    oms.gate.hold('validateAndPriceOrder');
    const id = await place();
    await oms.gate.reached('validateAndPriceOrder');
    expect((await oms.request('GET', `/v1/orders/${id}`)).body.status).toBe('PENDING');
    // Pricing only touches the database: it runs inside the workflow task, which takes the cancellation once it ends.
    await cancelWhileHeld(id, 'validateAndPriceOrder', { inWorkflowTask: true });
    await expectNothingHeld(id, before, { authorized: true });
  });

  it('AWAITING_APPROVAL: cancelled while waiting for an approver', async () => {
    const before = await reservedTotal();
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    const answer = await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'customer changed their mind' },
    });
    expect(answer.body).toEqual({ status: 'CANCELLED' });
    await expectNothingHeld(id, before, { authorized: false });
  });

  it('AUTHORIZING: cancelled while the payment is authorized; the authorization is voided', async () => {
    const before = await reservedTotal();
    oms.gate.hold('authorizePayment');
    const id = await place();
    await oms.gate.reached('authorizePayment');
    expect((await oms.request('GET', `/v1/orders/${id}`)).body.status).toBe('AUTHORIZING');
    await cancelWhileHeld(id, 'authorizePayment');
    await expectNothingHeld(id, before, { authorized: true });
  });

  it('BACKORDERED: cancelled while waiting for stock', async () => {
    const before = await reservedTotal();
    // More than the warehouses hold together, within Initech's approval limit; wait_all reserves nothing meanwhile.
    const id = await place(
      orderBody({
        customerId: 'CUST-INITECH',
        lines: [{ sku: 'MUG-BLK', quantity: 5_000 }],
        backorderPolicy: 'wait_all',
      }),
    );
    await oms.waitForStatus(id, 'BACKORDERED');
    const answer = await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'customer changed their mind' },
    });
    expect(answer.body).toEqual({ status: 'CANCELLED' });
    await expectNothingHeld(id, before, { authorized: true });
  });

  it('ALLOCATED: cancelled with stock reserved; the reservation is released through the ledger', async () => {
    const before = await reservedTotal();
    oms.gate.hold('createPickList');
    const id = await place();
    await oms.gate.reached('createPickList');
    const allocated = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(allocated.status).toBe('ALLOCATED');
    expect(allocated.lines[0].reservedQuantity).toBe(2);
    expect(await reservedTotal()).toBe(before + 2);
    await cancelWhileHeld(id, 'createPickList');
    await expectNothingHeld(id, before, { authorized: true });
    const ledger = await oms.request('GET', `/v1/inventory/ledger?orderId=${id}`);
    expect(
      ledger.body.items.map((row: { reason: string; reservedDelta: number }) => [row.reason, row.reservedDelta]),
    ).toEqual([
      ['release', -2],
      ['reserve', 2],
    ]);
    expect(await oms.db('pick_lists').where({ order_id: id }).pluck('status')).toEqual(['cancelled']);
  });

  it('PICKING: cancelled while the warehouse picks', async () => {
    const before = await reservedTotal();
    const id = await place();
    await oms.waitForStatus(id, 'PICKING');
    const answer = await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'customer changed their mind' },
    });
    expect(answer.body).toEqual({ status: 'CANCELLED' });
    const order = await expectNothingHeld(id, before, { authorized: true });
    expect(order.shipments[0].status).toBe('cancelled');
    expect(await oms.db('pick_lists').where({ order_id: id }).pluck('status')).toEqual(['cancelled']);
  });

  it('releases stock that an allocation reserved in a workflow task the worker never reported', async () => {
    // A worker that dies after a local allocation committed, before its workflow task was recorded, leaves
    // reservations (and a pick list) the history never heard of; the retried task, seeing the cancellation first,
    // never allocates. The same state is made here by running the allocation (and sending its pick list) outside the
    // workflow while it is held at authorization.
    const before = await reservedTotal();
    oms.gate.hold('authorizePayment');
    const id = await place();
    await oms.gate.reached('authorizePayment');
    const { shippingAddress } = (await oms.request('GET', `/v1/orders/${id}`)).body;
    const lost = await oms.activities.allocateStock({
      orderId: id,
      round: 1,
      lines: [{ sku: 'MUG-BLK', quantity: 2 }],
      destination: shippingAddress,
      allOrNothing: false,
    });
    expect(lost.shipments).toHaveLength(1);
    // ... and the pick list the same task sent (auto mode's pick list steps run inside the task too).
    await oms.activities.createPickList({ orderId: id, shipmentId: lost.shipments[0].id, priority: 0 });
    expect(await reservedTotal()).toBe(before + 2);
    await cancelWhileHeld(id, 'authorizePayment');
    const order = await expectNothingHeld(id, before, { authorized: true });
    expect(order.shipments.map((shipment: { id: string; status: string }) => [shipment.id, shipment.status])).toEqual([
      [lost.shipments[0].id, 'cancelled'],
    ]);
    expect(order.timeline.map((event: { message: string }) => event.message)).toContain(
      `Released ${lost.shipments[0].id}: reserved by an allocation whose result was lost`,
    );
    expect(await oms.db('pick_lists').where({ order_id: id }).pluck('status')).toEqual(['cancelled']);
  });

  it("cancels a lost shipment's pick list on a retry after the first attempt released the shipment and died", async () => {
    const before = await reservedTotal();
    oms.gate.hold('authorizePayment');
    const id = await place();
    await oms.gate.reached('authorizePayment');
    const { shippingAddress } = (await oms.request('GET', `/v1/orders/${id}`)).body;
    const lost = await oms.activities.allocateStock({
      orderId: id,
      round: 1,
      lines: [{ sku: 'MUG-BLK', quantity: 2 }],
      destination: shippingAddress,
      allOrNothing: false,
    });
    const shipmentId = lost.shipments[0].id;
    await oms.activities.createPickList({ orderId: id, shipmentId, priority: 0 });
    // The first attempt of releaseUnknownShipments released the shipment, then its worker died (chaos found this).
    await oms.activities.releaseReservations({ orderId: id, shipmentId });
    expect(await oms.db('pick_lists').where({ order_id: id }).pluck('status')).toEqual(['open']);
    // The retry finds no shipment left to release, and still cancels the pick list.
    expect(await oms.activities.releaseUnknownShipments({ orderId: id, knownShipmentIds: [] })).toEqual([]);
    expect(await oms.db('pick_lists').where({ order_id: id }).pluck('status')).toEqual(['cancelled']);
    await cancelWhileHeld(id, 'authorizePayment');
    await expectNothingHeld(id, before, { authorized: true });
  });

  it('answers 409 while the shipment is being handed to the carrier, and after it shipped', async () => {
    oms.gate.hold('shipShipment');
    const id = await place();
    await oms.waitForStatus(id, 'PICKING');
    const [pickListId] = await oms.db('pick_lists').where({ order_id: id }).pluck('id');
    // Answered once the shipment is billed: after the carrier step, held here.
    const confirming = oms.request('POST', `/v1/pick-lists/${pickListId}/confirm`, { as: 'warehouse', body: {} });
    await oms.gate.reached('shipShipment');
    const during = await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'too late' },
    });
    expect(during.status).toBe(409);
    expect(during.contentType).toContain('application/problem+json');
    oms.gate.release('shipShipment');
    expect((await confirming).status).toBe(200);

    await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED']);
    const after = await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: { reason: 'too late' } });
    expect(after.status).toBe(409);
    expect(after.body.detail).toMatch(/nothing is left to ship, use a return/);
    const order = await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED']);
    expect(order.lines[0]).toMatchObject({ shippedQuantity: 2, cancelledQuantity: 0 });
  });

  it('answers 404 for an unknown order and 403 for a role that may not cancel', async () => {
    expect(
      (await oms.request('POST', '/v1/orders/ORD-NOPE/cancel', { as: 'support', body: { reason: 'x' } })).status,
    ).toBe(404);
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    expect((await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'sales', body: { reason: 'x' } })).status).toBe(
      403,
    );
    expect((await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: {} })).status).toBe(400);
    await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: { reason: 'cleanup' } });
  });
});
