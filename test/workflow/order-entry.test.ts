import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT } from '../../contract';
import { approveOrderUpdate, rejectOrderUpdate } from '../../workflows/order/messages';
import {
  EAST,
  FAST_SETTINGS,
  LAMP,
  MUG,
  activitiesOf,
  lineOf,
  localActivitiesOf,
  refusal,
  startWorkflowHarness,
  timersOf,
  type WorkflowHarness,
} from './harness';

/** From entry to COMPLETED: pricing, approval quotas and payment terms (SPEC section 1 and 3). */
describe('order workflow: entry and approval', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness('entry');
  });
  afterAll(() => harness?.close());

  it('runs an order within every quota to COMPLETED: authorized, reserved, picked, shipped, captured, invoiced, delivered', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }] });

    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    // The simulated delivery runs beside billing: its event may come before or after the invoice.
    expect(order.records.steps('recordShipmentEvent')).toEqual([
      'validateAndPriceOrder',
      'authorizePayment',
      'allocateStock',
      'createPickList',
      'confirmPickList',
      'shipShipment',
      'capturePayment',
      'issueInvoice',
    ]);
    const shipmentId = `${order.id}-S1`;
    expect(order.records.callsOf('recordShipmentEvent')).toMatchObject([
      { shipmentId, status: 'delivered', eventKey: `${shipmentId}:simulated:delivered` },
    ]);
    // 2 × 12.50 + 10% tax + 7.00 shipping
    expect(final.totals).toEqual({
      currency: 'USD',
      subtotal: 2500,
      discount: 0,
      shipping: 700,
      tax: 250,
      total: 3450,
    });
    expect(order.records.callsOf('authorizePayment')).toMatchObject([{ amount: 3450, currency: 'USD' }]);
    expect(order.records.callsOf('capturePayment')).toMatchObject([{ shipmentId, amount: 3450 }]);
    expect(final.authorization).toEqual({ id: `AUTH-${order.id}`, amount: 3450 });
    expect(final.shipments).toEqual([
      {
        id: shipmentId,
        warehouse: EAST,
        lines: [{ sku: MUG.sku, quantity: 2 }],
        status: 'delivered',
        pickListId: `PL-${shipmentId}`,
        carrier: 'FAKEPOST',
        carrierTrackingNumber: `FP-${shipmentId}`,
        capturedAmount: 3450,
        invoiceNumber: 'INV-TEST-000001',
        invoiceTotal: 3450,
      },
    ]);
    expect(lineOf(final, MUG.sku)).toEqual({
      sku: MUG.sku,
      quantity: 2,
      approvedQuantity: 2,
      reservedQuantity: 0,
      pickedQuantity: 2,
      shippedQuantity: 2,
      deliveredQuantity: 2,
      returnedQuantity: 0,
      cancelledQuantity: 0,
    });
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 8, reserved: 0 });
    // What the query answers at the end is what the workflow returns.
    expect(await order.state()).toEqual(final);
  });

  it('runs the database steps and the capture of an order with one shipment in the worker, and its steps with outside systems take the timeline along', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 1 }] });
    await order.result();

    const history = await order.handle.fetchHistory();
    // Pricing, allocation and auto mode's pick list steps only touch the database: local activities. Once the parcel
    // is with the carrier nothing can cancel the order: the capture is a local activity too. The payment
    // authorization (a cancellation interrupts it) and shipping (its decision must be in the history before the
    // parcel leaves) stay activities. The timeline up to SHIPPED rides with the payment, carrier and capture steps.
    // Left to write on its own: after the invoice, after the delivery (its carrier event and DELIVERED status in one
    // write), and COMPLETED.
    expect(localActivitiesOf(history)).toEqual([
      'validateAndPriceOrder',
      'allocateStock',
      'createPickList',
      'confirmPickList',
      'capturePayment',
      'issueInvoice',
      'recordOrderTimeline',
      'recordShipmentEvent',
      'recordOrderTimeline',
      'recordOrderTimeline',
    ]);
    expect(activitiesOf(history)).toEqual(['authorizePayment', 'shipShipment']);
    const carried = (step: 'authorizePayment' | 'shipShipment' | 'capturePayment') =>
      order.records
        .callsOf(step)
        .flatMap((input) => input.timeline ?? [])
        .map((entry) => entry.status ?? entry.type);
    expect(carried('authorizePayment')).toContain('priced');
    expect(carried('shipShipment')).toEqual(['payment', 'ALLOCATED', 'PICKING', 'picked']);
    expect(carried('capturePayment')).toEqual(['shipped']);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
  });

  it('delivers at once, without a timer, when the simulated carrier has no delay', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      settings: { carrierDeliveryDelayMs: 0 },
    });
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 1, deliveredQuantity: 1 });
    // Only the return window: no zero-length carrier timer, and no delivery timeout for a shipment already delivered.
    expect(timersOf(await order.handle.fetchHistory())).toEqual([FAST_SETTINGS.returnWindowMs]);
  });

  it('bills an order on invoice terms per shipment, with no card authorization', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 2 }],
      paymentMethod: 'invoice',
    });
    // Within every quota: there is never an approval to give.
    expect(await refusal(order.handle.executeUpdate(approveOrderUpdate, { args: [{}] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: expect.stringMatching(/^order is [A-Z_]+, not awaiting approval$/),
    });

    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(final.authorization).toBeUndefined();
    expect(order.records.steps('recordShipmentEvent')).toEqual([
      'validateAndPriceOrder',
      'allocateStock',
      'createPickList',
      'confirmPickList',
      'shipShipment',
      'issueInvoice',
    ]);
    expect(order.records.timelineMessages()).toContain('Invoice terms: 3450 USD billed per shipment');
    expect([...order.records.invoices.values()].map((invoice) => [invoice.number, invoice.bill.total])).toEqual([
      ['INV-TEST-000001', 3450],
    ]);
    expect(final.shipments[0]).toMatchObject({ invoiceNumber: 'INV-TEST-000001', invoiceTotal: 3450 });
    expect(final.shipments[0].capturedAmount).toBeUndefined();
    await harness.record('invoice-terms', order.id);
  });

  it('rejects an order master data refuses, with its reasons, and does nothing else', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const reasons = ['MUG: product is inactive', 'shippingAddress.postalCode is missing'];
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      invalidReasons: reasons,
    });

    const final = await order.result();

    expect(final).toMatchObject({ status: 'REJECTED', rejectReason: 'invalid', reasons, lines: [], shipments: [] });
    expect(order.records.statuses()).toEqual(['REJECTED']);
    expect(order.records.steps()).toEqual(['validateAndPriceOrder', 'releaseUnknownShipments']);
    expect(order.records.timelineMessages()).toEqual(['Rejected: invalid']);
    await harness.record('invalid-order', order.id);
  });

  it('waits for an approver over a quota, refuses approvals that do not fit the order, and ships what is approved in full', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: LAMP.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: LAMP.sku, quantity: 5 }] });
    const waiting = await order.waitForStatus('AWAITING_APPROVAL', 'approval');
    expect(waiting.reasons).toEqual(['LAMP: quantity 5 exceeds the per-order maximum 3']);

    const approve = (lines: { sku: string; approvedQuantity: number }[]) =>
      refusal(order.handle.executeUpdate(approveOrderUpdate, { args: [{ lines }] }));
    expect(await approve([{ sku: MUG.sku, approvedQuantity: 1 }])).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'MUG: not a line of this order',
    });
    expect(await approve([{ sku: LAMP.sku, approvedQuantity: 6 }])).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'LAMP: approvedQuantity 6 exceeds the ordered quantity',
    });
    expect(await approve([{ sku: LAMP.sku, approvedQuantity: 0 }])).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'approving zero of every line is a rejection: use reject instead',
    });
    // Refused requests leave the order as it was.
    expect(await order.state()).toMatchObject({ status: 'AWAITING_APPROVAL', waitingFor: 'approval' });

    // The approver's answer comes once the order has moved on to payment.
    expect(await order.handle.executeUpdate(approveOrderUpdate, { args: [{ note: 'key account' }] })).toEqual({
      status: 'AUTHORIZING',
    });
    expect(await refusal(order.handle.executeUpdate(approveOrderUpdate, { args: [{}] }))).toMatchObject({
      type: ORDER_STATE_CONFLICT,
      message: expect.stringMatching(/not awaiting approval$/),
    });
    expect(
      await refusal(order.handle.executeUpdate(rejectOrderUpdate, { args: [{ reason: 'too late' }] })),
    ).toMatchObject({ type: ORDER_STATE_CONFLICT, message: expect.stringMatching(/not awaiting approval$/) });

    const final = await order.result();
    expect(final.status).toBe('COMPLETED');
    expect(order.records.statuses()).toEqual([
      'AWAITING_APPROVAL',
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    expect(order.records.timelineMessages()).toContain('Approved: key account');
    expect(lineOf(final, LAMP.sku)).toMatchObject({ approvedQuantity: 5, shippedQuantity: 5, cancelledQuantity: 0 });
    // 5 × 45.00 + 10% tax + 7.00 shipping, captured in full
    expect(order.records.callsOf('authorizePayment')).toMatchObject([{ amount: 25_450 }]);
    expect(order.records.capturedTotal()).toBe(25_450);
    await harness.record('approval-full', order.id);
  });

  it('ships only the quantities an approver reduces a line to, and cancels the rest of it', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: LAMP.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: LAMP.sku, quantity: 5 }] });
    await order.waitForStatus('AWAITING_APPROVAL', 'approval');

    await order.handle.executeUpdate(approveOrderUpdate, {
      args: [{ lines: [{ sku: LAMP.sku, approvedQuantity: 3 }], note: 'three for now' }],
    });
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(lineOf(final, LAMP.sku)).toMatchObject({
      quantity: 5,
      approvedQuantity: 3,
      shippedQuantity: 3,
      deliveredQuantity: 3,
      cancelledQuantity: 2,
    });
    // The order's totals stay those of what was ordered; payment follows what was approved: 3 × 45.00 + tax + shipping.
    expect(final.totals?.total).toBe(25_450);
    expect(order.records.callsOf('authorizePayment')).toMatchObject([{ amount: 15_550 }]);
    expect(order.records.callsOf('allocateStock')).toMatchObject([
      { round: 1, lines: [{ sku: LAMP.sku, quantity: 3 }] },
    ]);
    expect(order.records.capturedTotal()).toBe(15_550);
    expect(order.records.callsOf('voidAuthorization')).toEqual([]);
    expect(order.records.timelineMessages()).toContain('Approved: three for now');
    expect(backend.stock(EAST, LAMP.sku)).toEqual({ onHand: 7, reserved: 0 });
    await harness.record('approval-reduced', order.id);
  });

  it('rejects an order an approver turns down, and gives its promotion use back', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 2 }],
      approvalLimit: 1_000,
      promotionPercent: 10,
    });
    const waiting = await order.waitForStatus('AWAITING_APPROVAL', 'approval');
    // 2 × 12.50 - 10% + 10% tax + 7.00 shipping
    expect(waiting.reasons).toEqual(["order total 3175 exceeds the customer's approval limit 1000"]);
    expect(order.records.promotionRedeemed).toBe(true);

    expect(await order.handle.executeUpdate(rejectOrderUpdate, { args: [{ reason: 'over budget' }] })).toEqual({
      status: 'REJECTED',
    });
    const final = await order.result();

    expect(final).toMatchObject({ status: 'REJECTED', rejectReason: 'rejected', reasons: ['over budget'] });
    expect(lineOf(final, MUG.sku)).toMatchObject({ approvedQuantity: 0, reservedQuantity: 0, cancelledQuantity: 2 });
    expect(order.records.steps()).toEqual(['validateAndPriceOrder', 'releasePromotion', 'releaseUnknownShipments']);
    expect(order.records.promotionRedeemed).toBe(false);
    expect(order.records.timelineMessages()).toContain('Compensation: give back the promotion use');
  });

  it('rejects an order no approver decides on within the approval timeout', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: LAMP.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: LAMP.sku, quantity: 4 }],
      settings: { approvalTimeoutMs: 300 },
    });

    const final = await order.result();

    expect(final).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'approval_timeout',
      reasons: ['no decision within 300ms'],
    });
    expect(order.records.statuses()).toEqual(['AWAITING_APPROVAL', 'REJECTED']);
    expect(order.records.steps()).toEqual(['validateAndPriceOrder', 'releasePromotion', 'releaseUnknownShipments']);
    expect(backend.reservedUnits()).toBe(0);
    await harness.record('approval-timeout', order.id);
  });
});
