import { WorkflowUpdateStage } from '@temporalio/client';
import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT } from '../../contract';
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  editOrderUpdate,
  resumeBackorderUpdate,
  type EditRequest,
} from '../../workflows/order/messages';
import { EAST, LAMP, MUG, TEE, WEST, lineOf, refusal, startWorkflowHarness, type WorkflowHarness } from './harness';
import type { TestOrder } from './harness';

/**
 * Edits before picking (SPEC section 3, Edits): the order is priced, approved, authorized and allocated again, and
 * its compensations still undo exactly what is done. Totals: unit prices + 10% tax + 7.00 shipping.
 */
describe('order workflow: edits before picking', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness('edits');
  });
  afterAll(() => harness?.close());

  const edit = (order: TestOrder, request: EditRequest) =>
    order.handle.executeUpdate(editOrderUpdate, { args: [request] });

  it('leaves the approval queue when an edit brings the order within its limit, and ships the new lines', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 5 }] });
    // 2 lamps: 9000 + 900 tax + 700 shipping, above the limit.
    const order = await harness.startOrder(backend, { lines: [{ sku: LAMP.sku, quantity: 2 }], approvalLimit: 5_000 });
    await order.waitForStatus('AWAITING_APPROVAL', 'approval');

    const reply = await edit(order, { lines: [{ sku: MUG.sku, quantity: 2 }] });

    expect(reply.status).not.toBe('AWAITING_APPROVAL');
    expect(reply.totals).toEqual({
      currency: 'USD',
      subtotal: 2500,
      discount: 0,
      shipping: 700,
      tax: 250,
      total: 3450,
    });
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(final.lines.map((line) => line.sku)).toEqual([MUG.sku]);
    expect(lineOf(final, MUG.sku)).toMatchObject({ quantity: 2, approvedQuantity: 2, shippedQuantity: 2 });
    expect(order.records.statuses().slice(0, 3)).toEqual(['AWAITING_APPROVAL', 'AUTHORIZING', 'ALLOCATED']);
    expect(order.records.callsOf('applyOrderEdit')).toEqual([
      { orderId: order.id, edit: 1, lines: [{ sku: MUG.sku, quantity: 2 }] },
    ]);
    expect(order.records.callsOf('authorizePayment')).toMatchObject([{ amount: 3450 }]);
    expect(order.records.timelineMessages()).toContain('Edited: lines 2 × MUG');
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 3, reserved: 0 });
    await harness.record('edit-leaves-approval', order.id);
  });

  it('goes back to approval when an edit needs it again, and takes the approver once priced', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: LAMP.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: LAMP.sku, quantity: 4 }] });
    await order.waitForStatus('AWAITING_APPROVAL', 'approval');

    const reply = await edit(order, { lines: [{ sku: LAMP.sku, quantity: 5 }], expedite: true });

    expect(reply.status).toBe('AWAITING_APPROVAL');
    expect(reply.totals?.subtotal).toBe(22_500);
    expect(await refusal(edit(order, {}))).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'give shippingAddress, lines or expedite',
    });
    await order.handle.executeUpdate(approveOrderUpdate, { args: [{}] });
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(lineOf(final, LAMP.sku)).toMatchObject({ quantity: 5, shippedQuantity: 5 });
    // Expedited: the pick list goes out at the higher priority.
    expect(order.records.callsOf('createPickList')).toMatchObject([{ priority: 1 }]);
  });

  it('re-authorizes a card when an edit grows the total, voiding the old authorization', async () => {
    const backend = harness.backend({ stock: [{ warehouse: WEST, sku: TEE.sku, onHand: 5 }] });
    // No mugs anywhere: authorized for 1 mug (1250 + 125 + 700), then backordered.
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 1 }] });
    await order.waitForStatus('BACKORDERED', 'stock');

    const reply = await edit(order, { lines: [{ sku: TEE.sku, quantity: 2 }] });

    // 2 tees: 4000 + 400 + 700
    expect(reply.totals?.total).toBe(5100);
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(order.records.callsOf('authorizePayment')).toMatchObject([
      { amount: 2075 },
      { amount: 5100, reauthorizationForEdit: 1 },
    ]);
    expect(order.records.callsOf('voidAuthorization')).toMatchObject([
      { authorizationId: `AUTH-${order.id}`, amount: 2075, replacedByEdit: 1 },
    ]);
    expect(order.records.replacedAuthorizations).toEqual([
      { id: `AUTH-${order.id}`, amount: 2075, voidedAmount: 2075 },
    ]);
    expect(order.records.authorization).toEqual({ id: `AUTH-${order.id}-E1`, amount: 5100 });
    expect(order.records.capturedTotal()).toBe(5100);
    expect(final.authorization).toEqual({ id: `AUTH-${order.id}-E1`, amount: 5100 });
    expect(backend.reservedUnits()).toBe(0);
    expect(backend.stock(WEST, TEE.sku)).toEqual({ onHand: 3, reserved: 0 });
    await harness.record('edit-reauthorizes', order.id);
  });

  it('waits again by its policy when an edited backorder is still short, then ships once stock arrives', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 2 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 4 }],
      backorderPolicy: 'wait_all',
    });
    await order.waitForStatus('BACKORDERED', 'stock');

    const reply = await edit(order, { lines: [{ sku: MUG.sku, quantity: 3 }] });

    expect(reply.status).toBe('BACKORDERED');
    const waiting = await order.waitForStatus('BACKORDERED', 'stock');
    expect(lineOf(waiting, MUG.sku)).toMatchObject({ quantity: 3, approvedQuantity: 3, reservedQuantity: 0 });
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 2, reserved: 0 });
    // The smaller total is covered by the authorization made before the edit.
    expect(order.records.callsOf('authorizePayment')).toHaveLength(1);

    backend.receiveStock(EAST, MUG.sku, 1);
    await order.handle.executeUpdate(resumeBackorderUpdate, { args: [{}] });
    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(lineOf(final, MUG.sku)).toMatchObject({ quantity: 3, shippedQuantity: 3, cancelledQuantity: 0 });
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 0, reserved: 0 });
    // 3 mugs: 3750 + 375 + 700 captured; the rest of the 4-mug authorization (6200) voided.
    expect(order.records.capturedTotal()).toBe(4825);
    expect(order.records.authorization).toMatchObject({ amount: 6200, voidedAmount: 1375 });
    await harness.record('edit-backorder-still-short', order.id);
  });

  it('refuses an edit once picking has started', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 5 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      settings: { fulfillmentMode: 'manual' },
    });
    await order.waitForStatus('PICKING', 'pick');

    expect(await refusal(edit(order, { expedite: true }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is PICKING: picking has started, it can no longer be edited',
    });
    expect(order.records.callsOf('applyOrderEdit')).toEqual([]);
    await order.handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'done' }] });
    await order.result();
  });

  it('voids the right authorization and releases exactly what is reserved when an edited order is cancelled', async () => {
    const backend = harness.backend({ stock: [{ warehouse: WEST, sku: TEE.sku, onHand: 5 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      settings: { fulfillmentMode: 'manual' },
    });
    await order.waitForStatus('BACKORDERED', 'stock');
    const editing = await order.handle.startUpdate(editOrderUpdate, {
      args: [{ lines: [{ sku: TEE.sku, quantity: 2 }] }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    expect((await editing.result()).totals?.total).toBe(5100);
    await order.waitForStatus('PICKING', 'pick');
    expect(backend.stock(WEST, TEE.sku)).toEqual({ onHand: 5, reserved: 2 });

    expect(await order.handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed again' }] })).toEqual({
      status: 'CANCELLED',
    });
    const final = await order.result();
    expect(final.status).toBe('CANCELLED');
    expect(backend.reservedUnits()).toBe(0);
    expect(backend.stock(WEST, TEE.sku)).toEqual({ onHand: 5, reserved: 0 });
    expect(order.records.callsOf('releaseReservations')).toEqual([{ orderId: order.id, shipmentId: `${order.id}-S1` }]);
    expect(order.records.callsOf('voidAuthorization')).toMatchObject([
      { authorizationId: `AUTH-${order.id}`, amount: 2075, replacedByEdit: 1 },
      { authorizationId: `AUTH-${order.id}-E1`, amount: 5100 },
    ]);
    expect(order.records.callsOf('voidAuthorization')[1].replacedByEdit).toBeUndefined();
    expect(order.records.authorization).toMatchObject({ id: `AUTH-${order.id}-E1`, voidedAmount: 5100 });
    expect(order.records.callsOf('releasePromotion')).toHaveLength(1);
    await harness.record('edit-then-cancel', order.id);
  });
});
