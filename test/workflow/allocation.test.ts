import { ORDER_STATE_CONFLICT } from '../../contract';
import { carrierEventUpdate, confirmPickUpdate, resumeBackorderUpdate } from '../../workflows/order/messages';
import { BackorderedSkusKey } from '../../workflows/order/search-attributes';
import type { restockWorkflow } from '../../workflows/restock/restock.workflow';
import {
  EAST,
  MUG,
  TEE,
  WEST,
  lineOf,
  refusal,
  startWorkflowHarness,
  type TestOrder,
  type WorkflowHarness,
} from './harness';

/**
 * Allocation across warehouses and the three backorder policies (SPEC section 3): ship what is there and wait
 * for the rest (ship_available), wait until everything can ship at once (wait_all), or cancel what is missing
 * (cancel_unavailable); a wait ends when stock is resumed or the backorder timeout cancels what is missing.
 */
describe('order workflow: allocation and backorders', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness('allocation');
  });
  afterAll(() => harness?.close());

  async function backorderedSkus(order: TestOrder): Promise<string[] | undefined> {
    return (await order.handle.describe()).typedSearchAttributes.get(BackorderedSkusKey);
  }

  it('splits an order across warehouses when none has everything; shipping is billed once', async () => {
    const backend = harness.backend({
      stock: [
        { warehouse: EAST, sku: MUG.sku, onHand: 5 },
        { warehouse: WEST, sku: TEE.sku, onHand: 5 },
      ],
    });
    const order = await harness.startOrder(backend, {
      lines: [
        { sku: MUG.sku, quantity: 2 },
        { sku: TEE.sku, quantity: 3 },
      ],
    });

    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    // Each warehouse completes one line: the one supplying more units ships first.
    expect(final.shipments.map(({ id, warehouse, lines, status }) => ({ id, warehouse, lines, status }))).toEqual([
      { id: `${order.id}-S1`, warehouse: WEST, lines: [{ sku: TEE.sku, quantity: 3 }], status: 'delivered' },
      { id: `${order.id}-S2`, warehouse: EAST, lines: [{ sku: MUG.sku, quantity: 2 }], status: 'delivered' },
    ]);
    // 2 mugs 27.50 and 3 tees 66.00 with tax, 7.00 shipping on whichever shipment was billed first.
    const bills = [...order.records.invoices.values()].map((invoice) => invoice.bill);
    expect(bills.map((bill) => bill.shipping).sort()).toEqual([0, 700]);
    expect(bills.reduce((total, bill) => total + bill.total, 0)).toBe(10_050);
    expect(order.records.capturedTotal()).toBe(10_050);
    expect(final.totals?.total).toBe(10_050);
    expect(order.records.callsOf('voidAuthorization')).toEqual([]);
    // Each shipment's pick list sets PICKING until one has shipped, so PICKING may be recorded once per shipment.
    // The two shipments run side by side: when both ship in one workflow task, PARTIALLY_SHIPPED is never current.
    const statuses = order.records.statuses().filter((status, index, all) => status !== all[index - 1]);
    expect(statuses.filter((status) => status !== 'PARTIALLY_SHIPPED')).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    expect(statuses.indexOf('PARTIALLY_SHIPPED')).toBeLessThan(statuses.indexOf('SHIPPED'));
  });

  it('ship_available: ships what is there, waits PARTIALLY_SHIPPED, and ships the rest once stock is resumed', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 2 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 5 }] });
    const waiting = await order.waitForStatus('PARTIALLY_SHIPPED', 'stock');
    expect(lineOf(waiting, MUG.sku)).toMatchObject({ shippedQuantity: 2, reservedQuantity: 0 });
    expect(await backorderedSkus(order)).toEqual([MUG.sku]);

    backend.receiveStock(WEST, MUG.sku, 3);
    expect(await order.handle.executeUpdate(resumeBackorderUpdate, { args: [{}] })).toEqual({
      status: 'PARTIALLY_SHIPPED',
    });
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    // An empty list clears the attribute.
    expect(await backorderedSkus(order)).toBeUndefined();
    expect(order.records.callsOf('allocateStock')).toMatchObject([
      { round: 1, lines: [{ sku: MUG.sku, quantity: 5 }], allOrNothing: false, excludeWarehouses: [] },
      { round: 2, lines: [{ sku: MUG.sku, quantity: 3 }], allOrNothing: false, excludeWarehouses: [] },
    ]);
    expect(final.shipments.map(({ warehouse, lines }) => ({ warehouse, lines }))).toEqual([
      { warehouse: EAST, lines: [{ sku: MUG.sku, quantity: 2 }] },
      { warehouse: WEST, lines: [{ sku: MUG.sku, quantity: 3 }] },
    ]);
    // Each shipment pays for its own units; the first also carries the shipping.
    expect([...order.records.invoices.values()].map((invoice) => [invoice.number, invoice.bill.total])).toEqual([
      ['INV-TEST-000001', 3450],
      ['INV-TEST-000002', 4125],
    ]);
    expect(order.records.authorization).toEqual({ id: `AUTH-${order.id}`, amount: 7575 });
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 5, deliveredQuantity: 5, cancelledQuantity: 0 });
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'PARTIALLY_SHIPPED',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    await harness.record('backorder-partial-resumed', order.id);
  });

  it('ship_available: cancels what is still missing when the backorder expires, and voids its part of the payment', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 2 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 5 }],
      settings: { backorderTimeoutMs: 300 },
    });

    const final = await order.result();

    expect(final).toMatchObject({ status: 'COMPLETED', reasons: ['backorder_expired: 3 × MUG'] });
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 2, deliveredQuantity: 2, cancelledQuantity: 3 });
    expect(order.records.timelineMessages()).toContain('Cancelled 3 × MUG (backorder_expired)');
    expect(order.records.capturedTotal()).toBe(3450);
    expect(order.records.authorization).toEqual({ id: `AUTH-${order.id}`, amount: 7575, voidedAmount: 4125 });
    expect(order.records.callsOf('allocateStock')).toHaveLength(1);
    // Only shipments the order knows may hold stock once it stops waiting.
    expect(order.records.callsOf('releaseUnknownShipments')).toEqual([
      { orderId: order.id, knownShipmentIds: [`${order.id}-S1`] },
    ]);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'PARTIALLY_SHIPPED',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    await harness.record('backorder-expired-partial', order.id);
  });

  it('ship_available: cancels the order when its backorder expires with nothing shipped', async () => {
    const backend = harness.backend();
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 3 }],
      promotionPercent: 10,
      settings: { backorderTimeoutMs: 300 },
    });
    const final = await order.result();

    expect(final).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'backorder_expired',
      reasons: ['backorder_expired: 3 × MUG'],
    });
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 0, cancelledQuantity: 3 });
    expect(order.records.steps()).toEqual([
      'validateAndPriceOrder',
      'authorizePayment',
      'allocateStock',
      'voidAuthorization',
      'releasePromotion',
      'releaseUnknownShipments',
    ]);
    expect(order.records.promotionRedeemed).toBe(false);
    expect(order.records.statuses()).toEqual(['AUTHORIZING', 'BACKORDERED', 'CANCELLED']);
    await harness.record('backorder-expired', order.id);
  });

  it('wait_all: reserves nothing until every line can ship, then ships them together once resumed', async () => {
    const backend = harness.backend({
      stock: [
        { warehouse: EAST, sku: MUG.sku, onHand: 5 },
        { warehouse: EAST, sku: TEE.sku, onHand: 1 },
      ],
    });
    const order = await harness.startOrder(backend, {
      lines: [
        { sku: MUG.sku, quantity: 2 },
        { sku: TEE.sku, quantity: 3 },
      ],
      backorderPolicy: 'wait_all',
    });
    const waiting = await order.waitForStatus('BACKORDERED', 'stock');
    expect(waiting.shipments).toEqual([]);
    expect(backend.reservedUnits()).toBe(0);
    expect(await backorderedSkus(order)).toEqual([MUG.sku, TEE.sku]);
    expect(await order.currentDetails()).toBe('Waiting for stock of MUG, TEE; cancelled after 1m');

    backend.receiveStock(EAST, TEE.sku, 2);
    await order.handle.executeUpdate(resumeBackorderUpdate, { args: [{}] });
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    const wanted = [
      { sku: MUG.sku, quantity: 2 },
      { sku: TEE.sku, quantity: 3 },
    ];
    expect(order.records.callsOf('allocateStock')).toMatchObject([
      { round: 1, lines: wanted, allOrNothing: true },
      { round: 2, lines: wanted, allOrNothing: true },
    ]);
    expect(final.shipments.map(({ warehouse, lines }) => ({ warehouse, lines }))).toEqual([
      { warehouse: EAST, lines: wanted },
    ]);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'BACKORDERED',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    await harness.record('wait-all', order.id);
  });

  it('wait_all: cancels the whole order when its backorder expires', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: TEE.sku, onHand: 1 }] });
    const order = await harness.startOrder(backend, {
      lines: [
        { sku: MUG.sku, quantity: 2 },
        { sku: TEE.sku, quantity: 3 },
      ],
      backorderPolicy: 'wait_all',
      settings: { backorderTimeoutMs: 300 },
    });

    const final = await order.result();

    expect(final).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'backorder_expired',
      reasons: ['backorder_expired: 2 × MUG, 3 × TEE'],
      shipments: [],
    });
    expect(order.records.steps()).toEqual([
      'validateAndPriceOrder',
      'authorizePayment',
      'allocateStock',
      'voidAuthorization',
      'releasePromotion',
      'releaseUnknownShipments',
    ]);
    expect(backend.stock(EAST, TEE.sku)).toEqual({ onHand: 1, reserved: 0 });
    await harness.record('wait-all-expired', order.id);
  });

  it('cancel_unavailable: ships what is there and cancels the rest at once; there is no backorder to resume', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 2 }] });
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 5 }],
      backorderPolicy: 'cancel_unavailable',
      settings: { fulfillmentMode: 'manual' },
    });
    const picking = await order.waitForStatus('PICKING', 'pick');
    expect(picking.reasons).toEqual(['unavailable: 3 × MUG']);
    expect(lineOf(picking, MUG.sku)).toMatchObject({ reservedQuantity: 2, cancelledQuantity: 3 });
    expect(await refusal(order.handle.executeUpdate(resumeBackorderUpdate, { args: [{}] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is PICKING and not waiting for stock',
    });

    const shipmentId = `${order.id}-S1`;
    await order.handle.executeUpdate(confirmPickUpdate, {
      args: [{ pickListId: `PL-${shipmentId}`, lines: [{ sku: MUG.sku, pickedQuantity: 2 }] }],
    });
    await order.waitForStatus('SHIPPED', 'carrier');
    await order.handle.executeUpdate(carrierEventUpdate, { args: [{ shipmentId, status: 'delivered' }] });
    const final = await order.result();

    expect(final).toMatchObject({ status: 'COMPLETED', reasons: ['unavailable: 3 × MUG'] });
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 2, deliveredQuantity: 2, cancelledQuantity: 3 });
    expect(order.records.authorization).toEqual({ id: `AUTH-${order.id}`, amount: 7575, voidedAmount: 4125 });
    expect(order.records.callsOf('releaseUnknownShipments')).toEqual([]);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    await harness.record('cancel-unavailable', order.id);
  });

  it('cancel_unavailable: cancels the order when nothing is available', async () => {
    const backend = harness.backend();
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 3 }],
      backorderPolicy: 'cancel_unavailable',
    });

    const final = await order.result();

    expect(final).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'unavailable',
      reasons: ['unavailable: 3 × MUG'],
    });
    expect(order.records.statuses()).toEqual(['AUTHORIZING', 'CANCELLED']);
    expect(order.records.steps()).toEqual([
      'validateAndPriceOrder',
      'authorizePayment',
      'allocateStock',
      'voidAuthorization',
      'releasePromotion',
      'releaseUnknownShipments',
    ]);
    await harness.record('cancel-unavailable-nothing', order.id);
  });

  it('a restock offers new stock to the backordered order, which resumes and ships', async () => {
    const backend = harness.backend();
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 4 }] });
    await order.waitForStatus('BACKORDERED', 'stock');

    backend.receiveStock(WEST, MUG.sku, 4);
    const restock = await harness.env.client.workflow.execute<typeof restockWorkflow>('restockWorkflow', {
      taskQueue: harness.taskQueue,
      workflowId: `restock/${order.id}`,
      args: [{ sku: MUG.sku }],
    });
    const final = await order.result();

    expect(restock).toEqual({ resumed: [order.id] });
    expect(final.status).toBe('COMPLETED');
    expect(final.shipments).toMatchObject([{ warehouse: WEST, lines: [{ sku: MUG.sku, quantity: 4 }] }]);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'BACKORDERED',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
  });
});
