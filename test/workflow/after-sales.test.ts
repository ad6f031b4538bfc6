import type { ReceivedLine } from '../../contract';
import {
  cancelOrderUpdate,
  carrierEventUpdate,
  confirmPickUpdate,
  refundOrderUpdate,
  requestReturnUpdate,
  type ReturnRequest,
} from '../../workflows/order/messages';
import { receiveReturnUpdate } from '../../workflows/return/messages';
import { EAST, MUG, lineOf, startWorkflowHarness, type TestOrder, type WorkflowHarness } from './harness';

/**
 * After-sales off the specified path: an RMA whose goods never come, returns of what shipped before a cancellation,
 * a return refunded after support already gave money back, and an exchange's replacement picked by hand.
 */
describe('order workflow: returns that end', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness('after-sales');
  });
  afterAll(() => harness?.close());

  const manual = { fulfillmentMode: 'manual', returnWindowMs: 2_000 } as const;

  const requestReturn = (order: TestOrder, request: ReturnRequest) =>
    order.handle.executeUpdate(requestReturnUpdate, { args: [request] });
  const receive = (returnId: string, lines: ReceivedLine[]) =>
    harness.env.client.workflow.getHandle(returnId).executeUpdate(receiveReturnUpdate, { args: [{ lines }] });
  const confirmPick = (order: TestOrder, seq: number, pickedQuantity?: number) =>
    order.handle.executeUpdate(confirmPickUpdate, {
      args: [
        {
          pickListId: `PL-${order.id}-S${seq}`,
          lines: pickedQuantity === undefined ? [] : [{ sku: MUG.sku, pickedQuantity }],
        },
      ],
    });
  const deliver = (order: TestOrder, seq: number) =>
    order.handle.executeUpdate(carrierEventUpdate, {
      args: [{ shipmentId: `${order.id}-S${seq}`, status: 'delivered' }],
    });

  /** Manual mode: one shipment of `quantity` mugs picked in full, shipped and delivered. */
  async function deliveredOrder(quantity: number, settings: object = {}): Promise<TestOrder> {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 10 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity }],
      settings: { ...manual, ...settings },
    });
    await order.waitForStatus('PICKING', 'pick');
    await confirmPick(order, 1);
    await deliver(order, 1);
    await order.waitForStatus('DELIVERED');
    return order;
  }

  it('closes an RMA whose goods do not arrive within the receipt timeout', async () => {
    const order = await deliveredOrder(1, { returnReceiptTimeoutMs: 300 });
    const opened = await requestReturn(order, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      reason: 'wrong colour',
      resolution: 'refund',
    });
    const final = await order.result();
    expect(final.returns).toEqual([{ id: opened.id, status: 'CLOSED', resolution: 'refund' }]);
    expect(final.refunds).toEqual([]);
    expect(order.records.returns.get(opened.id)?.status).toBe('CLOSED');
    expect((await harness.env.client.workflow.getHandle(opened.id).result()) as unknown).toEqual({
      received: [],
      expired: true,
    });
  });

  it('takes returns of what shipped before the order was cancelled', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 1 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 3 }], settings: manual });
    await order.waitForStatus('PICKING', 'pick');
    await confirmPick(order, 1);
    await order.waitFor('the wait for the rest', (state) => state.waitingFor === 'stock');
    expect(await order.handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'rest too late' }] })).toEqual({
      status: 'CANCELLED',
    });
    await deliver(order, 1);
    const opened = await requestReturn(order, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      reason: 'no longer needed',
      resolution: 'refund',
    });
    await receive(opened.id, [{ sku: MUG.sku, quantity: 1, condition: 'resellable' }]);
    const final = await order.result();
    expect(final.status).toBe('CANCELLED');
    expect(final.returns).toEqual([{ id: opened.id, status: 'REFUNDED', resolution: 'refund' }]);
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 1, returnedQuantity: 1, cancelledQuantity: 2 });
    expect(order.records.creditedTotal()).toBe(order.records.capturedTotal() - (final.totals?.shipping ?? 0));
    await harness.record('return-after-cancellation', order.id);
  });

  it('refunds a return up to what is still refundable when support already gave money back', async () => {
    const order = await deliveredOrder(2);
    const captured = order.records.capturedTotal();
    // Goodwill: all but 500 of what was charged.
    await order.handle.executeUpdate(refundOrderUpdate, { args: [{ amount: captured - 500, reason: 'late' }] });
    const opened = await requestReturn(order, {
      lines: [{ sku: MUG.sku, quantity: 2 }],
      reason: 'broken',
      resolution: 'refund',
    });
    await receive(opened.id, [{ sku: MUG.sku, quantity: 2, condition: 'damaged' }]);
    const final = await order.result();
    expect(final.returns).toEqual([{ id: opened.id, status: 'REFUNDED', resolution: 'refund' }]);
    expect(final.refunds.map((refund) => refund.amount)).toEqual([captured - 500, 500]);
    expect(order.records.creditedTotal()).toBe(captured);
  });

  it("answers a manual pick confirmation of an exchange's replacement once it ships", async () => {
    const order = await deliveredOrder(1, { returnWindowMs: 60_000 });
    const opened = await requestReturn(order, {
      lines: [{ sku: MUG.sku, quantity: 1 }],
      reason: 'dented',
      resolution: 'exchange',
    });
    await receive(opened.id, [{ sku: MUG.sku, quantity: 1, condition: 'damaged' }]);
    await order.waitFor(
      'the replacement to pick',
      (state) => state.shipments.length === 2 && state.waitingFor === 'pick',
    );
    const started = Date.now();
    expect(await confirmPick(order, 2)).toEqual({ status: 'DELIVERED' });
    expect(Date.now() - started).toBeLessThan(10_000);
    const state = await order.state();
    expect(state.shipments[1]).toMatchObject({ replacement: true, status: 'shipped' });
    expect(state.returns).toEqual([{ id: opened.id, status: 'EXCHANGED', resolution: 'exchange' }]);
    await order.handle.terminate('test over: the return window is a minute long');
  });
});
