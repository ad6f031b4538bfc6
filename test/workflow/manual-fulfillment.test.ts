import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT } from '../../contract';
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  carrierEventUpdate,
  confirmPickUpdate,
  resumeBackorderUpdate,
  type ConfirmPickRequest,
} from '../../workflows/order/messages';
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
 * Manual mode: warehouse staff confirm each pick list (a short pick is re-allocated elsewhere or backordered) and
 * carriers report their events; the order waits for both.
 */
describe('order workflow: manual picking and carrier events', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await startWorkflowHarness('manual');
  });
  afterAll(() => harness?.close());

  const manual = { fulfillmentMode: 'manual' } as const;

  function confirmPick(order: TestOrder, request: ConfirmPickRequest) {
    return order.handle.executeUpdate(confirmPickUpdate, { args: [request] });
  }

  /** Waits until shipment `seq` of the order has its pick list open and the order waits for it. */
  async function awaitPickList(order: TestOrder, seq: number): Promise<string> {
    const shipmentId = `${order.id}-S${seq}`;
    await order.waitFor(
      `pick list of ${shipmentId}`,
      (state) =>
        state.waitingFor === 'pick' &&
        state.shipments.some((shipment) => shipment.id === shipmentId && shipment.status === 'picking'),
    );
    return `PL-${shipmentId}`;
  }

  async function deliver(order: TestOrder, ...shipmentIds: string[]): Promise<void> {
    for (const shipmentId of shipmentIds)
      await order.handle.executeUpdate(carrierEventUpdate, { args: [{ shipmentId, status: 'delivered' }] });
  }

  it('re-allocates a short pick to another warehouse and ships it from there', async () => {
    // EAST's records show spare mugs, but its shelf came up short: the shortfall goes to WEST.
    const backend = harness.backend({
      stock: [
        { warehouse: EAST, sku: MUG.sku, onHand: 6 },
        { warehouse: WEST, sku: MUG.sku, onHand: 4 },
      ],
    });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 4 }], settings: manual });
    const firstList = await awaitPickList(order, 1);

    // Staff can only confirm what is on an open pick list, within its quantities, once.
    expect(await refusal(confirmPick(order, { pickListId: 'PL-unknown', lines: [] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'pick list PL-unknown is not open for picking',
    });
    expect(
      await refusal(confirmPick(order, { pickListId: firstList, lines: [{ sku: TEE.sku, pickedQuantity: 1 }] })),
    ).toEqual({ type: INVALID_ORDER_REQUEST, message: `TEE is not on pick list ${firstList}` });
    expect(
      await refusal(confirmPick(order, { pickListId: firstList, lines: [{ sku: MUG.sku, pickedQuantity: 5 }] })),
    ).toEqual({ type: INVALID_ORDER_REQUEST, message: 'MUG: pickedQuantity must be a whole number from 0 to 4' });

    expect(await confirmPick(order, { pickListId: firstList, lines: [{ sku: MUG.sku, pickedQuantity: 3 }] })).toEqual({
      status: 'PARTIALLY_SHIPPED',
    });
    expect(
      await refusal(confirmPick(order, { pickListId: firstList, lines: [{ sku: MUG.sku, pickedQuantity: 3 }] })),
    ).toEqual({ type: ORDER_STATE_CONFLICT, message: `pick list ${firstList} is not open for picking` });
    const secondList = await awaitPickList(order, 2);
    await confirmPick(order, { pickListId: secondList, lines: [{ sku: MUG.sku, pickedQuantity: 1 }] });
    await order.waitForStatus('SHIPPED', 'carrier');
    await deliver(order, `${order.id}-S1`, `${order.id}-S2`);
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(order.records.callsOf('allocateStock')).toMatchObject([
      { round: 1, lines: [{ sku: MUG.sku, quantity: 4 }], excludeWarehouses: [] },
      { round: 2, lines: [{ sku: MUG.sku, quantity: 1 }], excludeWarehouses: [EAST] },
    ]);
    expect(final.shipments.map(({ warehouse, lines, status }) => ({ warehouse, lines, status }))).toEqual([
      { warehouse: EAST, lines: [{ sku: MUG.sku, quantity: 3 }], status: 'delivered' },
      { warehouse: WEST, lines: [{ sku: MUG.sku, quantity: 1 }], status: 'delivered' },
    ]);
    expect(lineOf(final, MUG.sku)).toMatchObject({ pickedQuantity: 4, shippedQuantity: 4, deliveredQuantity: 4 });
    expect(order.records.timelineMessages()).toContain(`Picked ${firstList}: 3 × MUG; short 1 × MUG, re-allocated`);
    // The missing unit was not on EAST's shelf: it is gone from its stock.
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 2, reserved: 0 });
    expect(backend.stock(WEST, MUG.sku)).toEqual({ onHand: 3, reserved: 0 });
    expect(order.records.capturedTotal()).toBe(final.totals?.total);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'PARTIALLY_SHIPPED',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    await harness.record('short-pick', order.id);
  });

  it('backorders a short pick no other warehouse can cover, and ships it once stock is resumed', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 6 }] });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 4 }], settings: manual });
    const firstList = await awaitPickList(order, 1);
    await confirmPick(order, { pickListId: firstList, lines: [{ sku: MUG.sku, pickedQuantity: 2 }] });
    const waiting = await order.waitForStatus('PARTIALLY_SHIPPED', 'stock');
    expect(lineOf(waiting, MUG.sku)).toMatchObject({ pickedQuantity: 2, shippedQuantity: 2, reservedQuantity: 0 });

    // The warehouse that came up short is skipped until stock is resumed; then its spare mugs are taken.
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 2, reserved: 0 });
    await order.handle.executeUpdate(resumeBackorderUpdate, { args: [{}] });
    const secondList = await awaitPickList(order, 2);
    await confirmPick(order, { pickListId: secondList, lines: [] });
    await order.waitForStatus('SHIPPED', 'carrier');
    await deliver(order, `${order.id}-S1`, `${order.id}-S2`);
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(order.records.callsOf('allocateStock')).toMatchObject([
      { round: 1, lines: [{ sku: MUG.sku, quantity: 4 }], excludeWarehouses: [] },
      { round: 2, lines: [{ sku: MUG.sku, quantity: 2 }], excludeWarehouses: [EAST] },
      { round: 3, lines: [{ sku: MUG.sku, quantity: 2 }], excludeWarehouses: [] },
    ]);
    expect(final.shipments.map(({ warehouse, lines }) => ({ warehouse, lines }))).toEqual([
      { warehouse: EAST, lines: [{ sku: MUG.sku, quantity: 2 }] },
      { warehouse: EAST, lines: [{ sku: MUG.sku, quantity: 2 }] },
    ]);
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 4, deliveredQuantity: 4, cancelledQuantity: 0 });
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 0, reserved: 0 });
    await harness.record('short-pick-backordered', order.id);
  });

  it('drops a shipment of which nothing was picked and allocates its units again', async () => {
    const backend = harness.backend({
      stock: [
        { warehouse: EAST, sku: MUG.sku, onHand: 2 },
        { warehouse: WEST, sku: MUG.sku, onHand: 2 },
      ],
    });
    const order = await harness.startOrder(backend, { lines: [{ sku: MUG.sku, quantity: 2 }], settings: manual });
    const firstList = await awaitPickList(order, 1);
    await confirmPick(order, { pickListId: firstList, lines: [{ sku: MUG.sku, pickedQuantity: 0 }] });
    const secondList = await awaitPickList(order, 2);
    await confirmPick(order, { pickListId: secondList, lines: [{ sku: MUG.sku, pickedQuantity: 2 }] });
    await order.waitForStatus('SHIPPED', 'carrier');
    await deliver(order, `${order.id}-S2`);
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(final.shipments.map(({ warehouse, lines, status }) => ({ warehouse, lines, status }))).toEqual([
      { warehouse: EAST, lines: [], status: 'cancelled' },
      { warehouse: WEST, lines: [{ sku: MUG.sku, quantity: 2 }], status: 'delivered' },
    ]);
    // Only the shipment that went out is billed.
    expect([...order.records.invoices.keys()]).toEqual([`${order.id}-S2`]);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    expect(backend.stock(EAST, MUG.sku)).toEqual({ onHand: 0, reserved: 0 });
    await harness.record('pick-nothing', order.id);
  });

  it('takes carrier events to DELIVERED, an exception on the way; refuses cancellation once shipped', async () => {
    const backend = harness.backend({ stock: [{ warehouse: EAST, sku: MUG.sku, onHand: 2 }] });
    // A return window long enough for a late carrier event to find the order still running.
    const order = await harness.startOrder(backend, {
      lines: [{ sku: MUG.sku, quantity: 2 }],
      settings: { ...manual, returnWindowMs: 1_000 },
    });
    const pickList = await awaitPickList(order, 1);
    const shipmentId = `${order.id}-S1`;
    // Before it ships, a shipment takes no carrier events.
    expect(
      await refusal(order.handle.executeUpdate(carrierEventUpdate, { args: [{ shipmentId, status: 'in_transit' }] })),
    ).toEqual({ type: ORDER_STATE_CONFLICT, message: `shipment ${shipmentId} is not with a carrier` });
    await confirmPick(order, { pickListId: pickList, lines: [{ sku: MUG.sku, pickedQuantity: 2 }] });
    await order.waitForStatus('SHIPPED', 'carrier');

    expect(await refusal(order.handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'too late' }] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is SHIPPED: nothing is left to ship, use a return instead',
    });
    expect(await refusal(order.handle.executeUpdate(approveOrderUpdate, { args: [{}] }))).toEqual({
      type: ORDER_STATE_CONFLICT,
      message: 'order is SHIPPED, not awaiting approval',
    });
    const event = (
      status: 'in_transit' | 'exception' | 'out_for_delivery' | 'delivered',
      at?: string,
      detail?: string,
    ) => order.handle.executeUpdate(carrierEventUpdate, { args: [{ shipmentId, status, at, detail }] });
    expect(await event('in_transit', '2026-12-06T10:00:00.000Z')).toEqual({ status: 'SHIPPED' });
    await event('exception', undefined, 'address unreadable');
    expect((await order.state()).shipments[0].status).toBe('exception');
    await event('out_for_delivery');
    await event('delivered', '2026-12-06T15:00:00.000Z');
    // A late event is recorded but does not undo the delivery.
    await event('in_transit');
    const final = await order.result();

    expect(final.status).toBe('COMPLETED');
    expect(final.shipments[0].status).toBe('delivered');
    expect(lineOf(final, MUG.sku)).toMatchObject({ shippedQuantity: 2, deliveredQuantity: 2 });
    expect(order.records.callsOf('recordShipmentEvent').map(({ status, eventKey }) => [status, eventKey])).toEqual([
      ['in_transit', `${shipmentId}:in_transit:2026-12-06T10:00:00.000Z`],
      ['exception', `${shipmentId}:exception:untimed-2`],
      ['out_for_delivery', `${shipmentId}:out_for_delivery:untimed-3`],
      ['delivered', `${shipmentId}:delivered:2026-12-06T15:00:00.000Z`],
      ['in_transit', `${shipmentId}:in_transit:untimed-5`],
    ]);
    expect(order.records.timelineMessages()).toEqual(
      expect.arrayContaining([`${shipmentId}: exception (address unreadable)`, `${shipmentId}: delivered`]),
    );
    expect(
      order.records.timelineMessages().filter((message) => message.startsWith(`${shipmentId}: in transit`)),
    ).toHaveLength(1);
    expect(order.records.statuses()).toEqual([
      'AUTHORIZING',
      'ALLOCATED',
      'PICKING',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    await harness.record('manual-carrier', order.id);
  });
});
