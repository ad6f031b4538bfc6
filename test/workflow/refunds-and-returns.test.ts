import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT } from '../../contract';
import { WorkflowUpdateStage } from '@temporalio/client';
import {
  carrierEventUpdate,
  confirmPickUpdate,
  refundIdFor,
  refundOrderUpdate,
  refundUpdateId,
  requestReturnUpdate,
  type RefundRequest,
  type ReturnRequest,
} from '../../workflows/order/messages';
import type { refundWorkflow } from '../../workflows/refund/refund.workflow';
import type { ReceivedLine } from '../../contract';
import { receiveReturnUpdate } from '../../workflows/return/messages';
import { EAST, MUG, TEE, lineOf, refusal, startWorkflowHarness, type TestOrder, type WorkflowHarness } from './harness';

/**
 * Support refunds while the order runs (an amount, or units at the prices they were billed) and after it completed,
 * and returns within the return window, settled by a refund or an exchange (SPEC section 3).
 */
describe('order workflow: refunds and returns', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness('refunds');
  });
  afterAll(() => harness?.close());

  function refund(order: TestOrder, request: RefundRequest, updateId?: string) {
    return order.handle.executeUpdate(refundOrderUpdate, { args: [request], ...(updateId ? { updateId } : {}) });
  }

  function requestReturn(order: TestOrder, request: ReturnRequest) {
    return order.handle.executeUpdate(requestReturnUpdate, { args: [request] });
  }

  function receive(returnId: string, lines: ReceivedLine[]) {
    return harness.env.client.workflow.getHandle(returnId).executeUpdate(receiveReturnUpdate, { args: [{ lines }] });
  }

  /** Manual mode: confirms the order's only pick list in full and waits until the shipment is with the carrier. */
  async function shipInFull(order: TestOrder): Promise<string> {
    await order.waitForStatus('PICKING', 'pick');
    const shipmentId = `${order.id}-S1`;
    await order.handle.executeUpdate(confirmPickUpdate, { args: [{ pickListId: `PL-${shipmentId}`, lines: [] }] });
    await order.waitForStatus('SHIPPED', 'carrier');
    return shipmentId;
  }

  async function deliver(order: TestOrder, shipmentId: string): Promise<void> {
    await order.handle.executeUpdate(carrierEventUpdate, { args: [{ shipmentId, status: 'delivered' }] });
    await order.waitForStatus('DELIVERED');
  }

  /** Ends the order's wait for the carrier, so it can complete. */
  async function completeManualOrder(order: TestOrder, shipmentId: string) {
    await order.handle.executeUpdate(carrierEventUpdate, { args: [{ shipmentId, status: 'delivered' }] });
    return order.result();
  }

  it('refunds shipped units at their billed price and amounts while the order runs, never more than was charged', async () => {
    const backend = harness.backend({
      stock: [
        { warehouse: EAST, sku: MUG.sku, onHand: 5 },
        { warehouse: EAST, sku: TEE.sku, onHand: 5 },
      ],
    });
    const order = await harness.startOrder(backend, {
      lines: [
        { sku: MUG.sku, quantity: 2 },
        { sku: TEE.sku, quantity: 1 },
      ],
      settings: { fulfillmentMode: 'manual' },
    });
    await order.waitForStatus('PICKING', 'pick');
    expect(await refusal(refund(order, { amount: 100, reason: 'goodwill' }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'nothing has been charged yet: cancel the order instead',
    });
    const shipmentId = await shipInFull(order);

    // Charged: 2 mugs 27.50 + 1 tee 22.00 with tax, + 7.00 shipping = 56.50
    expect(await refusal(refund(order, { reason: 'no amount, no lines' }))).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'give either an amount or lines to refund',
    });
    expect(
      await refusal(refund(order, { amount: 100, lines: [{ sku: MUG.sku, quantity: 1 }], reason: 'both' })),
    ).toEqual({ type: INVALID_ORDER_REQUEST, message: 'give either an amount or lines to refund' });
    expect(await refusal(refund(order, { amount: 99_999, reason: 'too much' }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'a refund of 99999 exceeds the 5650 USD charged and not yet refunded',
    });
    expect(await refusal(refund(order, { lines: [{ sku: MUG.sku, quantity: 3 }], reason: 'too many' }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'MUG: 3 to refund but only 2 shipped and not refunded',
    });
    expect(await refusal(refund(order, { amount: 0, reason: 'nothing' }))).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'a refund must be more than 0',
    });

    expect(await refund(order, { lines: [{ sku: MUG.sku, quantity: 1 }], reason: 'chipped' })).toEqual({
      status: 'SHIPPED',
      refundId: `${order.id}:refund:1`,
      amount: 1375,
      creditNote: 'CN-TEST-000001',
    });
    expect(await refusal(refund(order, { lines: [{ sku: MUG.sku, quantity: 2 }], reason: 'again' }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'MUG: 2 to refund but only 1 shipped and not refunded',
    });
    // Sent with an Idempotency-Key, a refund is named by it.
    expect(await refund(order, { amount: 500, reason: 'goodwill' }, refundUpdateId('goodwill-1'))).toEqual({
      status: 'SHIPPED',
      refundId: refundIdFor(order.id, 'goodwill-1'),
      amount: 500,
      creditNote: 'CN-TEST-000002',
    });
    expect(await refusal(refund(order, { amount: 3776, reason: 'the rest and a cent' }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'a refund of 3776 exceeds the 3775 USD charged and not yet refunded',
    });
    const final = await completeManualOrder(order, shipmentId);

    expect(final.status).toBe('COMPLETED');
    expect(final.refunds).toEqual([
      { id: `${order.id}:refund:1`, amount: 1375, creditNote: 'CN-TEST-000001', reason: 'chipped' },
      { id: refundIdFor(order.id, 'goodwill-1'), amount: 500, creditNote: 'CN-TEST-000002', reason: 'goodwill' },
    ]);
    expect(Object.fromEntries(order.records.paymentRefunds)).toEqual({
      [`${order.id}:refund:1`]: 1375,
      [refundIdFor(order.id, 'goodwill-1')]: 500,
    });
    // The credit note of a refund by lines itemizes them at their billed price: 12.50 + 10% tax.
    expect(order.records.creditNotes.get(`${order.id}:refund:1`)?.bill).toMatchObject({
      lines: [{ sku: MUG.sku, quantity: 1, subtotal: 1250, tax: 125, total: 1375 }],
      shipping: 0,
      total: 1375,
    });
    await harness.record('refund-lines', order.id);

    // After completion a refund is a workflow of its own: the second mug can still be refunded, a third cannot.
    const runRefund = (key: string) =>
      harness.env.client.workflow.execute<typeof refundWorkflow>('refundWorkflow', {
        taskQueue: harness.taskQueue,
        workflowId: refundIdFor(order.id, key),
        args: [
          {
            orderId: order.id,
            refundId: refundIdFor(order.id, key),
            lines: [{ sku: MUG.sku, quantity: 1 }],
            reason: 'late claim',
          },
        ],
      });
    expect(await runRefund('late-1')).toEqual({
      refundId: refundIdFor(order.id, 'late-1'),
      amount: 1375,
      creditNote: 'CN-TEST-000003',
    });
    expect(order.records.paymentRefunds.get(refundIdFor(order.id, 'late-1'))).toBe(1375);
    await harness.record('refund-completed-lines', refundIdFor(order.id, 'late-1'));
    // A refusal is the refund workflow's answer, with nothing held, refunded or credited.
    expect(await runRefund('late-2')).toEqual({
      refused: { type: ORDER_STATE_CONFLICT, message: 'MUG: only 0 shipped and not refunded' },
    });
    expect(order.records.paymentRefunds.has(refundIdFor(order.id, 'late-2'))).toBe(false);
    expect(order.records.refundHolds.size).toBe(0);
  });

  it('refunds an order on invoice terms with a credit note only, up to what was invoiced', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 5 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 2 }],
      paymentMethod: 'invoice',
      settings: { fulfillmentMode: 'manual' },
    });
    const shipmentId = await shipInFull(order);

    expect(await refusal(refund(order, { amount: 3451, reason: 'more than invoiced' }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'a refund of 3451 exceeds the 3450 USD charged and not yet refunded',
    });
    expect(await refund(order, { amount: 1000, reason: 'late delivery' })).toMatchObject({
      amount: 1000,
      creditNote: 'CN-TEST-000001',
    });
    const final = await completeManualOrder(order, shipmentId);

    expect(final.refunds).toEqual([
      { id: `${order.id}:refund:1`, amount: 1000, creditNote: 'CN-TEST-000001', reason: 'late delivery' },
    ]);
    expect(order.records.callsOf('refundPayment')).toEqual([]);
    expect(order.records.callsOf('issueCreditNote')).toMatchObject([
      { refundId: `${order.id}:refund:1`, bill: { lines: [], total: 1000 }, reason: 'late delivery' },
    ]);
    await harness.record('refund-invoice-terms', order.id);
  });

  it('takes a return within the window only, of shipped units not already on a return, and refunds what comes back', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 2 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 2 }],
      settings: { fulfillmentMode: 'manual', returnWindowMs: 1_500 },
    });
    const shipmentId = await shipInFull(order);
    const tooSmall: ReturnRequest = {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      reason: 'too small',
      resolution: 'refund',
    };
    expect(await refusal(requestReturn(order, tooSmall))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is SHIPPED: returns are accepted during the return window after delivery',
    });
    await deliver(order, shipmentId);

    expect(await refusal(requestReturn(order, { ...tooSmall, lines: [{ sku: MUG.sku, quantity: 3 }] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'MUG: 3 to return but 2 shipped and not already on a return',
    });
    expect(await refusal(requestReturn(order, { ...tooSmall, lines: [{ sku: TEE.sku, quantity: 1 }] }))).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'TEE is not a line of this order',
    });
    const returnId = `${order.id}/return-1`;
    expect(await requestReturn(order, tooSmall)).toEqual({ id: returnId, status: 'AWAITING_RECEIPT' });
    expect(order.records.returns.get(returnId)?.rma).toEqual({
      returnId,
      orderId: order.id,
      ...tooSmall,
      receiptTimeoutMs: 30 * 86_400_000,
    });
    expect(await refusal(requestReturn(order, { ...tooSmall, lines: [{ sku: MUG.sku, quantity: 2 }] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'MUG: 2 to return but 1 shipped and not already on a return',
    });
    expect(await refusal(receive(returnId, [{ sku: MUG.sku, quantity: 2, condition: 'resellable' }]))).toEqual({
      type: INVALID_ORDER_REQUEST,
      message: 'MUG: 2 received but 1 on the return',
    });

    // The window closes; the order stays open for the return under way, but takes no new one.
    await order.waitForCurrentDetails('Return window closed; waiting for 1 open return(s)');
    expect(await refusal(requestReturn(order, tooSmall))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is DELIVERED: returns are accepted during the return window after delivery',
    });
    // A second receipt is refused while the first is being booked.
    const received: ReceivedLine[] = [{ sku: MUG.sku, quantity: 1, condition: 'resellable' }];
    harness.gate.hold('receiveReturnGoods');
    const receiving = await harness.env.client.workflow
      .getHandle(returnId)
      .startUpdate(receiveReturnUpdate, { args: [{ lines: received }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    await harness.gate.reached('receiveReturnGoods');
    expect(await refusal(receive(returnId, received))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: `return ${returnId} is AWAITING_RECEIPT`,
    });
    harness.gate.release('receiveReturnGoods');
    expect(await receiving.result()).toEqual({ status: 'RECEIVED' });
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(final.returns).toEqual([{ id: returnId, status: 'REFUNDED', resolution: 'refund' }]);
    expect(final.refunds).toEqual([
      {
        id: `${order.id}:refund:1`,
        amount: 1375,
        creditNote: 'CN-TEST-000001',
        reason: `return ${returnId}: too small`,
      },
    ]);
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 2, deliveredQuantity: 2, returnedQuantity: 1 });
    expect(order.records.returns.get(returnId)).toMatchObject({
      status: 'REFUNDED',
      received: [{ sku: MUG.sku, quantity: 1, condition: 'resellable' }],
      refundId: `${order.id}:refund:1`,
      creditNote: 'CN-TEST-000001',
    });
    expect(order.records.paymentRefunds.get(`${order.id}:refund:1`)).toBe(1375);
    // The resellable mug is back on the shelf it shipped from.
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 1, reserved: 0 });
    await harness.record('return-refund-child', returnId);
    await harness.record('return-refund', order.id);
  });

  it('closes a return with nothing owed when support already refunded its units', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 2 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 2 }],
      settings: { fulfillmentMode: 'manual', returnWindowMs: 1_500 },
    });
    await deliver(order, await shipInFull(order));
    await refund(order, { lines: [{ sku: MUG.sku, quantity: 2 }], reason: 'damaged in transit' });
    const returnId = `${order.id}/return-1`;
    await requestReturn(order, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      reason: 'sent back anyway',
      resolution: 'refund',
    });
    await receive(returnId, [{ sku: MUG.sku, quantity: 1, condition: 'damaged' }]);
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(final.returns).toEqual([{ id: returnId, status: 'CLOSED', resolution: 'refund' }]);
    expect(final.refunds.map((entry) => entry.amount)).toEqual([2750]);
    expect(lineOf(final, MUG.sku)).toMatchObject({ returnedQuantity: 1 });
    expect(order.records.returns.get(returnId)?.status).toBe('CLOSED');
    expect(backend.writtenOff.get(`${EAST}/${MUG.sku}`)).toBe(1);
    await harness.record('return-closed', order.id);
  });

  it('exchanges returned goods: the same SKU is shipped again at no charge', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: TEE.sku, onHand: 1 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: TEE.sku, quantity: 1 }],
      settings: { returnWindowMs: 1_500 },
    });
    await order.waitForStatus('DELIVERED');
    const returnId = `${order.id}/return-1`;
    await requestReturn(order, {
      lines: [{ sku: TEE.sku, quantity: 1 }],
      reason: 'wrong size',
      resolution: 'exchange',
    });
    // The returned tee goes back on the shelf, and is the one the replacement takes.
    await receive(returnId, [{ sku: TEE.sku, quantity: 1, condition: 'resellable' }]);
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(final.returns).toEqual([{ id: returnId, status: 'EXCHANGED', resolution: 'exchange' }]);
    const replacementId = `${order.id}-S2`;
    expect(final.shipments[1]).toMatchObject({
      id: replacementId,
      warehouse: EAST,
      lines: [{ sku: TEE.sku, quantity: 1 }],
      replacement: true,
    });
    expect(['shipped', 'delivered']).toContain(final.shipments[1].status);
    expect(order.records.callsOf('allocateStock')[1]).toMatchObject({
      round: 2,
      lines: [{ sku: TEE.sku, quantity: 1 }],
      allOrNothing: true,
      replacement: true,
    });
    // Not billed, and not counted on the order's line.
    expect([...order.records.invoices.keys()]).toEqual([`${order.id}-S1`]);
    expect([...order.records.captures.keys()]).toEqual([`${order.id}-S1`]);
    expect(final.refunds).toEqual([]);
    expect(lineOf(final, TEE.sku)).toMatchObject({ shippedQuantity: 1, deliveredQuantity: 1, returnedQuantity: 1 });
    expect(order.records.returns.get(returnId)).toMatchObject({
      status: 'EXCHANGED',
      replacementShipmentId: replacementId,
    });
    expect(backend.stock(EAST, TEE.sku)).toEqual({ onHand: 0, reserved: 0 });
  });

  it('refunds an exchange instead when the replacement is out of stock', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: TEE.sku, onHand: 1 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: TEE.sku, quantity: 1 }],
      settings: { returnWindowMs: 1_500 },
    });
    await order.waitForStatus('DELIVERED');
    const returnId = `${order.id}/return-1`;
    await requestReturn(order, { lines: [{ sku: TEE.sku, quantity: 1 }], reason: 'torn', resolution: 'exchange' });
    // Damaged: written off, so there is no tee left to send.
    await receive(returnId, [{ sku: TEE.sku, quantity: 1, condition: 'damaged' }]);
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(final.returns).toEqual([{ id: returnId, status: 'REFUNDED', resolution: 'exchange' }]);
    expect(final.shipments).toHaveLength(1);
    // The tee as billed: 20.00 + 10% tax.
    expect(final.refunds).toEqual([
      { id: `${order.id}:refund:1`, amount: 2200, creditNote: 'CN-TEST-000001', reason: `return ${returnId}: torn` },
    ]);
    expect(order.records.callsOf('allocateStock')[1]).toMatchObject({ round: 2, replacement: true });
    expect(backend.writtenOff.get(`${EAST}/${TEE.sku}`)).toBe(1);
    expect(order.records.returns.get(returnId)).toMatchObject({ status: 'REFUNDED', creditNote: 'CN-TEST-000001' });
    await harness.record('exchange-out-of-stock', order.id);
  });
});
