import { ORDER_STATE_CONFLICT } from '../../contract';
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  carrierEventUpdate,
  confirmPickUpdate,
  holdOrderUpdate,
  releaseOrderUpdate,
  resumeBackorderUpdate,
  type OrderState,
} from '../../workflows/order/messages';
import { BackorderedSkusKey, HoldReasonKey } from '../../workflows/order/search-attributes';
import {
  EAST,
  LAMP,
  MUG,
  WEST,
  lineOf,
  refusal,
  startWorkflowHarness,
  type TestOrder,
  type WorkflowHarness,
} from './harness';

/**
 * Never stuck (SPEC section 3, "Holds" and "Never stuck"): support's holds and releases, a step that fails for good
 * holding the order instead of failing it, a cancellation that does not wait for an outage to end, and waits that
 * end (a hold, a delivery).
 */
describe('order workflow: holds and waits with an end', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness('holds');
  });
  afterAll(() => harness?.close());

  const manual = { fulfillmentMode: 'manual' } as const;

  const hold = (order: TestOrder, reason: string) =>
    order.handle.executeUpdate(holdOrderUpdate, { args: [{ reason }] });
  const release = (order: TestOrder) => order.handle.executeUpdate(releaseOrderUpdate, { args: [{}] });
  const cancel = (order: TestOrder, reason = 'customer asked') =>
    order.handle.executeUpdate(cancelOrderUpdate, { args: [{ reason }] });

  async function holdReasonAttribute(order: TestOrder): Promise<string | undefined> {
    const description = await order.handle.describe();
    return description.typedSearchAttributes.get(HoldReasonKey);
  }

  const held = (state: OrderState) => state.status === 'ON_HOLD';

  it('holds an order awaiting approval at once, refuses approval while held, and goes back when released', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: LAMP.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: LAMP.sku, quantity: 5 }] });
    await order.waitForStatus('AWAITING_APPROVAL', 'approval');

    expect(await hold(order, 'customer on the phone')).toEqual({
      status: 'ON_HOLD',
      holdReason: 'customer on the phone',
    });
    const onHold = await order.state();
    expect(onHold).toMatchObject({
      holdReason: 'customer on the phone',
      heldFrom: 'AWAITING_APPROVAL',
      waitingFor: 'release',
    });
    expect(await holdReasonAttribute(order)).toBe('customer on the phone');
    expect(await refusal(hold(order, 'again'))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is already on hold',
    });
    expect(await refusal(order.handle.executeUpdate(approveOrderUpdate, { args: [{}] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is ON_HOLD, not awaiting approval',
    });

    expect(await release(order)).toEqual({ status: 'AWAITING_APPROVAL' });
    expect(await refusal(release(order))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is AWAITING_APPROVAL, not on hold',
    });
    await order.waitFor('the approval wait again', (state) => state.waitingFor === 'approval');
    expect(await holdReasonAttribute(order)).toBeUndefined();
    await order.handle.executeUpdate(approveOrderUpdate, { args: [{}] });
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(order.records.statuses()).toEqual([
      'AWAITING_APPROVAL',
      'ON_HOLD',
      'AWAITING_APPROVAL',
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    await harness.record('hold-release', order.id);
  });

  it('cancels a held order when support cancels it, or when nobody releases it in time', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const cancelled = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }], settings: manual });
    await cancelled.waitForStatus('PICKING', 'pick');
    await hold(cancelled, 'address check');
    expect(await cancel(cancelled)).toEqual({ status: 'CANCELLED' });
    expect((await cancelled.result()).cancelReason).toBe('requested');
    expect(cancelled.records.steps()).toEqual([
      'validateAndPriceOrder',
      'authorizePayment',
      'allocateStock',
      'createPickList',
      'cancelPickList',
      'releaseReservations',
      'voidAuthorization',
      'releasePromotion',
      'releaseUnknownShipments',
    ]);

    const expiring = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      settings: { ...manual, holdTimeoutMs: 300 },
    });
    await expiring.waitForStatus('PICKING', 'pick');
    await hold(expiring, 'fraud review');
    const final = await expiring.result();
    expect(final).toMatchObject({ status: 'CANCELLED', cancelReason: 'hold_expired' });
    expect(final.reasons).toEqual(['not released within 300ms: fraud review']);
    expect(backend.reservedUnits()).toBe(0);
    await harness.record('hold-expired', expiring.id);
  });

  it('refuses a hold once nothing is left to ship', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 1 }], settings: manual });
    await order.waitForStatus('PICKING', 'pick');
    await order.handle.executeUpdate(confirmPickUpdate, {
      args: [{ pickListId: `PL-${order.id}-S1`, lines: [{ sku: MUG.sku, pickedQuantity: 1 }] }],
    });
    await order.waitForStatus('SHIPPED', 'carrier');
    expect(await refusal(hold(order, 'too late'))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is SHIPPED: nothing is left to hold',
    });
    await order.handle.executeUpdate(carrierEventUpdate, {
      args: [{ shipmentId: `${order.id}-S1`, status: 'delivered' }],
    });
    expect((await order.result()).status).toBe('COMPLETED');
  });

  it('holds the order when a step fails for good, and tries the step again when released', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    backend.failNext('authorizePayment', 'permanent');
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }] });
    const onHold = await order.waitFor('a hold', held);
    expect(onHold).toMatchObject({
      heldFrom: 'AUTHORIZING',
      holdReason: 'payment authorization failed: authorizePayment refused for good (test fault)',
    });
    expect(await holdReasonAttribute(order)).toBe(onHold.holdReason);
    await release(order);
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(order.records.callsOf('authorizePayment')).toHaveLength(2);
    expect(order.records.capturedTotal()).toBe(final.totals?.total);
    await harness.record('step-failed-held', order.id);
  });

  it('holds a pick list step that fails for good with the timeline it carried written, in order', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    backend.failNext('confirmPickList', 'permanent');
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }] });
    const onHold = await order.waitFor('a hold', held);
    expect(onHold).toMatchObject({
      heldFrom: 'PICKING',
      holdReason: 'picking failed: confirmPickList refused for good (test fault)',
    });
    // PICKING rode with the failed call; it is written again, before the hold.
    await order.waitFor('the hold in the read model', () => order.records.readModelStatus() === 'ON_HOLD');
    expect(order.records.statuses()).toEqual(['AUTHORIZING', 'ALLOCATED', 'PICKING', 'ON_HOLD']);
    await release(order);
    expect((await order.result()).status).toBe('COMPLETED');
    expect(order.records.callsOf('confirmPickList')).toHaveLength(2);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'ON_HOLD',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
  });

  it('holds a database step (a local activity) that fails for good, and tries it again when released', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    backend.failNext('issueInvoice', 'permanent');
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }] });
    // A local activity's failure reaches the workflow unwrapped: it failed the whole workflow instead.
    const onHold = await order.waitFor('a hold', held);
    expect(onHold.holdReason).toBe('invoicing failed: issueInvoice refused for good (test fault)');
    await release(order);
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(order.records.callsOf('issueInvoice')).toHaveLength(2);
  });

  it('holds a carrier failure while other shipments go on, and ships it once released', async () => {
    const backend = harness.backend({
      stock: [
        { warehouse: EAST, sku: MUG.sku, onHand: 1 },
        { warehouse: WEST, sku: MUG.sku, onHand: 1 },
      ],
    });
    backend.failNext('shipShipment', 'permanent');
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }] });
    const onHold = await order.waitFor('a hold', held);
    expect(onHold.holdReason).toBe('shipping failed: shipShipment refused for good (test fault)');
    await release(order);
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 2, deliveredQuantity: 2 });
    expect(order.records.callsOf('shipShipment')).toHaveLength(3);
  });

  it('holds a compensation that fails for good, and finishes it once released', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }], settings: manual });
    await order.waitForStatus('PICKING', 'pick');
    backend.failNext('voidAuthorization', 'permanent');
    const cancelling = cancel(order);
    // The cancellation answers once the order is held, saying so; released, the compensation finishes.
    expect(await cancelling).toEqual({ status: 'ON_HOLD' });
    const onHold = await order.state();
    expect(onHold.holdReason).toBe(
      'compensation (void the payment authorization) failed: voidAuthorization refused for good (test fault)',
    );
    await release(order);
    expect((await order.result()).status).toBe('CANCELLED');
    expect(order.records.authorization?.voidedAmount).toBe(order.records.authorization?.amount);
    expect(backend.reservedUnits()).toBe(0);
  });

  it('cancels at once while the payment authorization retries through an outage', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    backend.failNext('authorizePayment', 'transient', 1_000);
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 1 }] });
    await order.waitForStatus('AUTHORIZING');
    await order.waitFor('a retried authorization', () => order.records.callsOf('authorizePayment').length >= 2);
    const started = Date.now();
    expect(await cancel(order)).toEqual({ status: 'CANCELLED' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(order.records.authorization).toBeUndefined();
    expect(order.records.promotionRedeemed).toBe(false);
  });

  it('holds a capture that fails for good (a local activity), and captures once released', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    backend.failNext('capturePayment', 'permanent');
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 1 }] });
    const onHold = await order.waitFor('a hold', held);
    expect(onHold.holdReason).toBe('payment capture failed: capturePayment refused for good (test fault)');
    expect(order.records.capturedTotal()).toBe(0);
    await release(order);
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(order.records.callsOf('capturePayment')).toHaveLength(2);
    expect(order.records.capturedTotal()).toBe(final.totals?.total);
  });

  it('answers a request while the payment provider is down, between capture attempts, instead of waiting for it', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    // Attempts 1 to 4 fail (0.5, 1, 2 and 4 s apart); the fifth, after the 4 s wait, reaches the provider.
    backend.failNext('capturePayment', 'transient', 4);
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 1 }] });
    await order.waitFor('the capture', () => order.records.callsOf('capturePayment').length >= 1);
    // The capture runs in the worker (a local activity): its later attempts wait on a timer between workflow tasks, so
    // the order answers then (a parcel with the carrier can no longer be held). With every retry inside one workflow task, the
    // answer waited for the provider to come back.
    expect(await refusal(hold(order, 'provider outage'))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'every shipment is with the carrier: nothing is left to hold',
    });
    expect(order.records.callsOf('capturePayment').length).toBeLessThan(5);
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(order.records.callsOf('capturePayment')).toHaveLength(5);
    expect(order.records.capturedTotal()).toBe(final.totals?.total);
  });

  it('reports a shipment lost when no delivery comes in time, and completes without it', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      settings: { ...manual, deliveryTimeoutMs: 300 },
    });
    await order.waitForStatus('PICKING', 'pick');
    await order.handle.executeUpdate(confirmPickUpdate, {
      args: [{ pickListId: `PL-${order.id}-S1`, lines: [{ sku: MUG.sku, pickedQuantity: 1 }] }],
    });
    await order.handle.executeUpdate(carrierEventUpdate, {
      args: [{ shipmentId: `${order.id}-S1`, status: 'exception', detail: 'parcel damaged' }],
    });
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(final.shipments[0].status).toBe('lost');
    expect(order.records.carrierEvents.get(`${order.id}-S1:lost`)).toMatchObject({ status: 'lost' });
    expect(order.records.timelineMessages()).toContain(`Delivered, except ${order.id}-S1: reported lost`);
    await harness.record('delivery-timeout', order.id);
  });

  it('takes a resume while a shipment is still picking, and clears BackorderedSkus when a waiting order is cancelled', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 1 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 3 }], settings: manual });
    await order.waitForStatus('PICKING', 'pick');
    // Two units are missing and the first shipment still picks: new stock is taken as soon as the order would wait,
    // without waiting for a receipt that already happened.
    backend.receiveStock(EAST, MUG.sku, 1);
    // The resume is noted and answered at once: an Update left waiting for a whole pick would count against
    // Temporal's limit of Updates in flight per workflow.
    expect(await order.handle.executeUpdate(resumeBackorderUpdate, { args: [{}] })).toEqual({ status: 'PICKING' });
    await order.handle.executeUpdate(confirmPickUpdate, {
      args: [{ pickListId: `PL-${order.id}-S1`, lines: [{ sku: MUG.sku, pickedQuantity: 1 }] }],
    });
    await order.waitFor('a second shipment', (state) => state.shipments.length === 2);
    await order.handle.executeUpdate(confirmPickUpdate, {
      args: [{ pickListId: `PL-${order.id}-S2`, lines: [{ sku: MUG.sku, pickedQuantity: 1 }] }],
    });
    await order.waitFor('the wait for the last unit', (state) => state.waitingFor === 'stock');
    const waiting = await order.handle.describe();
    expect(waiting.typedSearchAttributes.get(BackorderedSkusKey)).toEqual([MUG.sku]);
    expect(await cancel(order)).toEqual({ status: 'CANCELLED' });
    const cancelled = await order.handle.describe();
    expect(cancelled.typedSearchAttributes.get(BackorderedSkusKey) ?? []).toEqual([]);
  });
});
