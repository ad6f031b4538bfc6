import { ApplicationFailure } from '@temporalio/common';
import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT, type PricedOrderResult } from '../../contract';
import type { OrderStatus } from '../../domain/order';
import { priceOrder } from '../../domain/pricing';
import { OrderBook, OrderStopped } from '../../workflows/order/order-book';

/** The order's books and rules on their own, without Temporal: what the order workflow decides with. */

const catalog = new Map([
  ['MUG', { sku: 'MUG', unitPrice: 1000, currency: 'USD', taxCode: 'STD' }],
  ['PEN', { sku: 'PEN', unitPrice: 200, currency: 'USD', taxCode: 'STD' }],
]);

function pricedOrder(lines: { sku: string; quantity: number }[]): PricedOrderResult {
  const priced = priceOrder({
    currency: 'USD',
    lines,
    catalog,
    taxRates: [],
    destination: { country: 'US', region: 'NY' },
    shipping: { service: 'ground', amount: 500 },
  });
  const approval = {
    total: priced.totals.total,
    approvalLimit: 1_000_000,
    paymentTerms: 'prepaid' as const,
    creditLimit: 0,
    outstandingReceivables: 0,
    lines: lines.map((line) => ({ ...line, maxOrderQuantity: null })),
  };
  return { valid: true, approval, promisedDeliveryDate: null, ...priced };
}

/** A priced order approved in full: 3 MUG and 5 PEN. */
function approvedBook(): OrderBook {
  const book = new OrderBook('ORD-1');
  book.recordPricing(
    pricedOrder([
      { sku: 'MUG', quantity: 3 },
      { sku: 'PEN', quantity: 5 },
    ]),
  );
  book.approveQuantities(
    new Map([
      ['MUG', 3],
      ['PEN', 5],
    ]),
  );
  return book;
}

/** An approved book (in `status`, when given) whose one shipment, ORD-1-S1 from W1, holds every unit. */
function bookWithOneShipment(status?: OrderStatus): OrderBook {
  const book = approvedBook();
  if (status) book.enterStatus(status, {});
  book.allocated({
    id: 'ORD-1-S1',
    warehouse: 'W1',
    lines: [
      { sku: 'MUG', quantity: 3 },
      { sku: 'PEN', quantity: 5 },
    ],
  });
  return book;
}

/** The failure type a refusal throws (the API answers 409 for a conflict, 422 for an invalid request). */
/** The ApplicationFailure a validator refused with, if any. */
function refused(action: () => unknown): ApplicationFailure | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof ApplicationFailure) return error;
    throw error;
  }
  return undefined;
}
const refusal = (action: () => unknown) => refused(action)?.type ?? undefined;
const refusalMessage = (action: () => unknown) => refused(action)?.message;

/** Allocates, picks in full and ships one shipment of the given lines, billing it as captured. */
function shipAndCapture(book: OrderBook, id: string, lines: { sku: string; quantity: number }[]) {
  book.allocated({ id, warehouse: 'W1', lines });
  const shipment = book.shipmentOf(id);
  book.recordPick(
    shipment,
    lines.map((line) => ({ sku: line.sku, pickedQuantity: line.quantity })),
  );
  shipment.status = 'shipped';
  book.shipped(shipment);
  const bill = book.billFor(shipment);
  shipment.capturedAmount = bill.total;
  shipment.invoiceNumber = `INV-${id}`;
  return { shipment, bill };
}

describe('the order book', () => {
  it('allocates what was approved, and cancels what the approver took off', () => {
    const book = new OrderBook('ORD-1');
    book.recordPricing(
      pricedOrder([
        { sku: 'MUG', quantity: 3 },
        { sku: 'PEN', quantity: 5 },
      ]),
    );
    book.approveQuantities(
      new Map([
        ['MUG', 1],
        ['PEN', 5],
      ]),
    );
    expect(book.state.lines.map((line) => [line.sku, line.approvedQuantity, line.cancelledQuantity])).toEqual([
      ['MUG', 1, 2],
      ['PEN', 5, 0],
    ]);
    expect(book.openQuantities()).toEqual([
      { sku: 'MUG', quantity: 1 },
      { sku: 'PEN', quantity: 5 },
    ]);
  });

  it('refuses approvals that do not fit the order, and approvals once decided', () => {
    const book = new OrderBook('ORD-1');
    book.recordPricing(pricedOrder([{ sku: 'MUG', quantity: 3 }]));
    expect(refusal(() => book.validateApproval(undefined))).toBe(ORDER_STATE_CONFLICT);
    book.enterStatus('AWAITING_APPROVAL', {});
    expect(refusal(() => book.validateApproval([{ sku: 'MUG', approvedQuantity: 2 }]))).toBeUndefined();
    expect(refusal(() => book.validateApproval([{ sku: 'TEA', approvedQuantity: 1 }]))).toBe(INVALID_ORDER_REQUEST);
    expect(refusal(() => book.validateApproval([{ sku: 'MUG', approvedQuantity: 4 }]))).toBe(INVALID_ORDER_REQUEST);
    book.approvalDecision = { approved: false, reason: 'too much' };
    expect(refusal(() => book.requireAwaitingApproval())).toBe(ORDER_STATE_CONFLICT);
  });

  it('tracks reservations, short picks and shipments on the lines', () => {
    const book = bookWithOneShipment();
    expect(book.openQuantities()).toEqual([]);
    expect(book.lineOf('MUG').reservedQuantity).toBe(3);

    const shipment = book.shipmentOf('ORD-1-S1');
    const shorts = book.recordPick(shipment, [
      { sku: 'MUG', pickedQuantity: 1 },
      { sku: 'PEN', pickedQuantity: 5 },
    ]);
    expect(shorts).toEqual(['2 × MUG']);
    expect(shipment.lines).toEqual([
      { sku: 'MUG', quantity: 1 },
      { sku: 'PEN', quantity: 5 },
    ]);
    expect(book.openQuantities()).toEqual([{ sku: 'MUG', quantity: 2 }]);
    expect(book.shortWarehouses).toEqual(new Set(['W1']));
    expect(book.lineOf('MUG')).toMatchObject({ pickedQuantity: 1, reservedQuantity: 1 });

    shipment.status = 'shipped';
    book.shipped(shipment);
    expect(book.lineOf('MUG')).toMatchObject({ shippedQuantity: 1, reservedQuantity: 0 });
    expect(book.moreToShip()).toBe(true);
    book.cancelUnits([{ sku: 'MUG', quantity: 2 }], 'backorder_expired');
    expect(book.moreToShip()).toBe(false);
    expect(book.lineOf('MUG').cancelledQuantity).toBe(2);
    expect(book.state.reasons).toEqual(['backorder_expired: 2 × MUG']);
  });

  it('refuses pick confirmations for lists that are not open or lines not on them', () => {
    const book = approvedBook();
    book.allocated({ id: 'ORD-1-S1', warehouse: 'W1', lines: [{ sku: 'MUG', quantity: 3 }] });
    const list = 'PL-ORD-1-S1';
    expect(refusal(() => book.validatePickConfirmation(list, [{ sku: 'MUG', pickedQuantity: 2 }]))).toBeUndefined();
    expect(refusal(() => book.validatePickConfirmation('PL-ORD-1-S9', []))).toBe(ORDER_STATE_CONFLICT);
    expect(refusal(() => book.validatePickConfirmation(list, [{ sku: 'PEN', pickedQuantity: 1 }]))).toBe(
      INVALID_ORDER_REQUEST,
    );
    expect(refusal(() => book.validatePickConfirmation(list, [{ sku: 'MUG', pickedQuantity: 4 }]))).toBe(
      INVALID_ORDER_REQUEST,
    );
    expect(refusal(() => book.validatePickConfirmation(list, [{ sku: 'MUG', pickedQuantity: 1.5 }]))).toBe(
      INVALID_ORDER_REQUEST,
    );
    book.pickConfirmations.set(list, [{ sku: 'MUG', pickedQuantity: 3 }]);
    expect(refusal(() => book.validatePickConfirmation(list, []))).toBe(ORDER_STATE_CONFLICT);
  });

  it('allows cancellation until nothing is left to ship', () => {
    const authorizing = approvedBook();
    authorizing.enterStatus('AUTHORIZING', {});
    expect(authorizing.cancellationBlocker()).toBeUndefined();
    const book = bookWithOneShipment('ALLOCATED');
    expect(book.cancellationBlocker()).toBeUndefined();
    book.handingOver.add('ORD-1-S1');
    expect(book.cancellationBlocker()).toMatch(/being handed to the carrier/);
    book.handingOver.delete('ORD-1-S1');
    book.shipmentOf('ORD-1-S1').status = 'shipped';
    book.enterStatus('SHIPPED', {});
    expect(book.cancellationBlocker()).toMatch(/nothing is left to ship/);
    book.enterStatus('CANCELLED', {});
    expect(book.cancellationBlocker()).toBe('order is already CANCELLED');
  });

  it('says why a hold or cancellation comes too late: handing over, every parcel with the carrier, or shipped', () => {
    const book = bookWithOneShipment('PICKING');
    expect(book.cancellationBlocker()).toBeUndefined();
    const holdRefusal = () => refusalMessage(() => book.validateHold('fraud check'));
    expect(holdRefusal()).toBeUndefined();

    book.handingOver.add('ORD-1-S1');
    expect(holdRefusal()).toBe('order is being handed to the carrier: nothing is left to hold');
    book.handingOver.delete('ORD-1-S1');
    // The parcel has left; the order is still PICKING while its payment is captured.
    book.shipmentOf('ORD-1-S1').status = 'shipped';
    expect(holdRefusal()).toBe('every shipment is with the carrier: nothing is left to hold');
    expect(book.cancellationBlocker()).toBe(
      'every shipment is with the carrier: nothing is left to ship, use a return instead',
    );
    book.enterStatus('SHIPPED', {});
    expect(holdRefusal()).toBe('order is SHIPPED: nothing is left to hold');
    expect(book.cancellationBlocker()).toBe('order is SHIPPED: nothing is left to ship, use a return instead');
  });

  it('takes a resume while units are left to allocate, waiting or not', () => {
    const book = approvedBook();
    book.enterStatus('PICKING', {});
    expect(refusal(() => book.requireUnitsToAllocate())).toBeUndefined();
    book.allocated({
      id: 'ORD-1-S1',
      warehouse: 'W1',
      lines: [
        { sku: 'MUG', quantity: 3 },
        { sku: 'PEN', quantity: 5 },
      ],
    });
    expect(refusal(() => book.requireUnitsToAllocate())).toBe(ORDER_STATE_CONFLICT);
    book.state.waitingFor = 'stock';
    expect(refusal(() => book.requireUnitsToAllocate())).toBeUndefined();
  });

  it('takes a hold with a reason until the order has shipped, and a release only while held', () => {
    const book = approvedBook();
    book.enterStatus('PICKING', {});
    book.allocated({
      id: 'ORD-1-S1',
      warehouse: 'W1',
      lines: [
        { sku: 'MUG', quantity: 3 },
        { sku: 'PEN', quantity: 5 },
      ],
    });
    expect(refusal(() => book.validateHold(' '))).toBe(INVALID_ORDER_REQUEST);
    expect(refusal(() => book.validateHold('address check'))).toBeUndefined();
    expect(refusal(() => book.requireOnHold())).toBe(ORDER_STATE_CONFLICT);
    book.enterStatus('ON_HOLD', { holdReason: 'address check', heldFrom: 'PICKING' });
    expect(book.state).toMatchObject({ holdReason: 'address check', heldFrom: 'PICKING' });
    expect(refusal(() => book.validateHold('again'))).toBe(ORDER_STATE_CONFLICT);
    expect(refusal(() => book.requireOnHold())).toBeUndefined();
    // A held order is cancelled as the status it left would be.
    expect(book.cancellationBlocker()).toBeUndefined();
    book.enterStatus('PICKING', {});
    expect(book.state.holdReason).toBeUndefined();
    book.shipmentOf('ORD-1-S1').status = 'shipped';
    book.enterStatus('SHIPPED', {});
    expect(refusal(() => book.validateHold('too late'))).toBe(ORDER_STATE_CONFLICT);
    book.cancelRequest = { reason: 'changed mind' };
    expect(refusal(() => book.validateHold('too late'))).toBe(ORDER_STATE_CONFLICT);
  });

  it("refuses a cancellation or a hold of a delivered order whose exchange's replacement is still picking", () => {
    const book = approvedBook();
    shipAndCapture(book, 'ORD-1-S1', [
      { sku: 'MUG', quantity: 3 },
      { sku: 'PEN', quantity: 5 },
    ]);
    book.enterStatus('DELIVERED', {});
    book.allocatedReplacement({ id: 'ORD-1-S2', warehouse: 'W1', lines: [{ sku: 'MUG', quantity: 1 }] });
    book.shipmentOf('ORD-1-S2').status = 'picking';
    expect(book.cancellationBlocker()).toBe('order is DELIVERED: nothing is left to ship, use a return instead');
    expect(refusal(() => book.validateHold('customer called'))).toBe(ORDER_STATE_CONFLICT);
  });

  it('refuses every request once the order has finished', () => {
    const book = approvedBook();
    const { shipment } = shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 1 }]);
    expect(refusal(() => book.requireWithCarrier(shipment.id))).toBeUndefined();
    book.enterStatus('COMPLETED', {});
    book.closing = true;
    expect(refusal(() => book.requireWithCarrier(shipment.id))).toBe(ORDER_STATE_CONFLICT);
    expect(refusal(() => book.afterSales.refundCharge({ amount: 1 }))).toBe(ORDER_STATE_CONFLICT);
  });

  it('stops the order when a cancellation was asked for', () => {
    const book = approvedBook();
    expect(() => book.stopIfCancelled()).not.toThrow();
    book.cancelRequest = { reason: 'customer changed their mind' };
    expect(() => book.stopIfCancelled()).toThrow(OrderStopped);
  });

  it('bills the shipping once and each unit at its price, together equal to the order', () => {
    const book = approvedBook();
    book.state.authorization = { id: 'auth-1', amount: book.amountToAuthorize() };
    const first = shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 2 }]);
    const second = shipAndCapture(book, 'ORD-1-S2', [
      { sku: 'MUG', quantity: 1 },
      { sku: 'PEN', quantity: 5 },
    ]);
    expect(first.bill.shipping).toBe(500);
    expect(second.bill.shipping).toBe(0);
    expect(first.bill.total + second.bill.total).toBe(book.priced!.totals.total);
    expect(book.uncapturedAmount()).toBe(0);
  });

  it('cancels everything unshipped after compensation', () => {
    const book = approvedBook();
    shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 1 }]);
    book.allocated({ id: 'ORD-1-S2', warehouse: 'W2', lines: [{ sku: 'PEN', quantity: 5 }] });
    book.cancelEverythingUnshipped();
    expect(book.shipmentOf('ORD-1-S2').status).toBe('cancelled');
    expect(book.state.lines.map((line) => [line.sku, line.reservedQuantity, line.cancelledQuantity])).toEqual([
      ['MUG', 0, 2],
      ['PEN', 0, 5],
    ]);
    expect(book.openQuantities()).toEqual([]);
  });
});

describe('refunds and returns', () => {
  it('refuses refunds before anything is charged, and of more than is charged and not refunded', () => {
    const book = approvedBook();
    book.state.authorization = { id: 'auth-1', amount: book.amountToAuthorize() };
    const { afterSales } = book;
    expect(refusal(() => afterSales.refundCharge({ amount: 100 }))).toBe(ORDER_STATE_CONFLICT);
    const { bill } = shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 1 }]);
    expect(refusal(() => afterSales.refundCharge({}))).toBe(INVALID_ORDER_REQUEST);
    expect(refusal(() => afterSales.refundCharge({ amount: 0 }))).toBe(INVALID_ORDER_REQUEST);
    expect(refusal(() => afterSales.refundCharge({ amount: bill.total + 1 }))).toBe(ORDER_STATE_CONFLICT);
    expect(refusal(() => afterSales.refundCharge({ lines: [{ sku: 'MUG', quantity: 2 }] }))).toBe(ORDER_STATE_CONFLICT);
    expect(refusal(() => afterSales.refundCharge({ lines: [{ sku: 'PEN', quantity: 1 }] }))).toBe(ORDER_STATE_CONFLICT);
    expect(afterSales.refundCharge({ lines: [{ sku: 'MUG', quantity: 1 }] }).total).toBe(1000);
  });

  it('refuses lines that name a SKU twice, a SKU not on the order, or no whole number of units', () => {
    const book = approvedBook();
    book.state.authorization = { id: 'auth-1', amount: book.amountToAuthorize() };
    shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 1 }]);
    const { afterSales } = book;
    const twice = [
      { sku: 'MUG', quantity: 1 },
      { sku: 'MUG', quantity: 1 },
    ];
    expect(refusal(() => afterSales.refundCharge({ lines: twice }))).toBe(INVALID_ORDER_REQUEST);
    expect(refusal(() => afterSales.refundCharge({ lines: [{ sku: 'TEA', quantity: 1 }] }))).toBe(
      INVALID_ORDER_REQUEST,
    );
    expect(refusal(() => afterSales.refundCharge({ lines: [{ sku: 'MUG', quantity: 0 }] }))).toBe(
      INVALID_ORDER_REQUEST,
    );
    expect(refusal(() => afterSales.refundCharge({ lines: [] }))).toBe(INVALID_ORDER_REQUEST);
    afterSales.returnWindowOpen = true;
    const request = { lines: twice, reason: 'broken', resolution: 'refund' as const };
    expect(refusal(() => afterSales.validateReturn(request))).toBe(INVALID_ORDER_REQUEST);
    expect(refusal(() => afterSales.validateReturn({ ...request, lines: [{ sku: 'MUG', quantity: -1 }] }))).toBe(
      INVALID_ORDER_REQUEST,
    );
  });

  it("refunds a return's units not refunded yet, capped at what is still refundable", () => {
    const book = approvedBook();
    book.state.authorization = { id: 'auth-1', amount: book.amountToAuthorize() };
    const { bill } = shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 2 }]);
    const { afterSales } = book;
    expect(afterSales.returnRefund([{ sku: 'MUG', quantity: 2 }])).toEqual({
      charge: expect.objectContaining({ total: 2000 }),
      lines: [{ sku: 'MUG', quantity: 2 }],
    });
    // Support refunded one mug by lines and all but 300 of the rest as an amount.
    const oneMug = afterSales.refundCharge({ lines: [{ sku: 'MUG', quantity: 1 }] });
    afterSales.refundStarted(oneMug, [{ sku: 'MUG', quantity: 1 }]);
    afterSales.refundEnded(oneMug);
    book.state.refunds.push({ id: 'r1', amount: oneMug.total, creditNote: 'CN-1', reason: 'one mug' });
    book.state.refunds.push({
      id: 'r2',
      amount: bill.total - oneMug.total - 300,
      creditNote: 'CN-2',
      reason: 'goodwill',
    });
    expect(afterSales.returnRefund([{ sku: 'MUG', quantity: 2 }])).toEqual({
      charge: expect.objectContaining({ total: 300, lines: [] }),
      lines: [{ sku: 'MUG', quantity: 1 }],
    });
    book.state.refunds.push({ id: 'r3', amount: 300, creditNote: 'CN-3', reason: 'the rest' });
    expect(afterSales.returnRefund([{ sku: 'MUG', quantity: 2 }])).toBeUndefined();
  });

  it('counts received goods of SKUs the order does not have as nothing', () => {
    const book = approvedBook();
    shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 1 }]);
    book.afterSales.returnOpened('ORD-1/return-1', {
      lines: [{ sku: 'MUG', quantity: 1 }],
      reason: 'broken',
      resolution: 'refund',
    });
    const received = book.afterSales.returnReceived('ORD-1/return-1', [
      { sku: 'TEA', quantity: 0 },
      { sku: 'MUG', quantity: 1 },
    ]);
    expect(received).toEqual([{ sku: 'MUG', quantity: 1 }]);
  });

  it('counts a refund under way against what may still be refunded, and gives it back if it fails', () => {
    const book = approvedBook();
    book.state.authorization = { id: 'auth-1', amount: book.amountToAuthorize() };
    const { afterSales } = book;
    shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 1 }]);
    const charge = afterSales.refundCharge({ lines: [{ sku: 'MUG', quantity: 1 }] });
    expect(afterSales.refundStarted(charge, [{ sku: 'MUG', quantity: 1 }])).toBe('ORD-1:refund:1');
    expect(refusal(() => afterSales.refundCharge({ lines: [{ sku: 'MUG', quantity: 1 }] }))).toBe(ORDER_STATE_CONFLICT);
    afterSales.refundFailed([{ sku: 'MUG', quantity: 1 }]);
    afterSales.refundEnded(charge);
    expect(afterSales.refundCharge({ lines: [{ sku: 'MUG', quantity: 1 }] }).total).toBe(1000);
    expect(afterSales.tryRefundCharge([{ sku: 'PEN', quantity: 1 }])).toBeUndefined();
  });

  it('accepts returns only in the return window and of units shipped and not on a return', () => {
    const book = approvedBook();
    shipAndCapture(book, 'ORD-1-S1', [{ sku: 'MUG', quantity: 2 }]);
    const { afterSales } = book;
    const request = { lines: [{ sku: 'MUG', quantity: 2 }], reason: 'broken', resolution: 'refund' as const };
    expect(refusal(() => afterSales.validateReturn(request))).toBe(ORDER_STATE_CONFLICT);
    afterSales.returnWindowOpen = true;
    expect(refusal(() => afterSales.validateReturn(request))).toBeUndefined();
    expect(refusal(() => afterSales.validateReturn({ ...request, lines: [{ sku: 'MUG', quantity: 3 }] }))).toBe(
      ORDER_STATE_CONFLICT,
    );
    afterSales.returnOpened('ORD-1/return-1', request);
    expect(afterSales.openReturns).toBe(1);
    expect(refusal(() => afterSales.validateReturn({ ...request, lines: [{ sku: 'MUG', quantity: 1 }] }))).toBe(
      ORDER_STATE_CONFLICT,
    );
    const received = afterSales.returnReceived('ORD-1/return-1', [
      { sku: 'MUG', quantity: 1 },
      { sku: 'MUG', quantity: 1 },
    ]);
    expect(received).toEqual([{ sku: 'MUG', quantity: 2 }]);
    expect(book.lineOf('MUG').returnedQuantity).toBe(2);
    expect(afterSales.returnOf('ORD-1/return-1').status).toBe('RECEIVED');
  });
});

describe('edits before picking', () => {
  const address = { name: 'A', line1: '1 Main St', city: 'Buffalo', region: 'NY', postalCode: '14201', country: 'US' };
  const message = (action: () => unknown): string | undefined => {
    try {
      action();
    } catch (error) {
      if (error instanceof ApplicationFailure) return `${error.type}: ${error.message}`;
      throw error;
    }
    return undefined;
  };

  it('takes an edit until picking starts, and refuses orders placed before edits', () => {
    const book = approvedBook();
    book.state.status = 'BACKORDERED';
    expect(refusal(() => book.validateEdit({ expedite: true }, true))).toBeUndefined();
    expect(message(() => book.validateEdit({ expedite: true }, false))).toBe(
      `${ORDER_STATE_CONFLICT}: this order was placed before edits were possible`,
    );
    book.allocated({ id: 'S1', warehouse: 'W1', lines: [{ sku: 'MUG', quantity: 3 }] });
    // Reserved but not yet picking (an edit accepted then gives the stock back).
    expect(refusal(() => book.validateEdit({ expedite: true }, true))).toBeUndefined();
    book.shipmentOf('S1').status = 'picking';
    expect(message(() => book.validateEdit({ expedite: true }, true))).toBe(
      `${ORDER_STATE_CONFLICT}: order is BACKORDERED: picking has started, it can no longer be edited`,
    );
  });

  it('refuses edits of finished, shipped or held orders, and while another edit or decision is under way', () => {
    for (const status of ['CANCELLED', 'SHIPPED', 'DELIVERED', 'ON_HOLD'] as const) {
      const book = approvedBook();
      book.state.status = status;
      expect(refusal(() => book.validateEdit({ expedite: true }, true))).toBe(ORDER_STATE_CONFLICT);
    }
    const book = approvedBook();
    book.state.status = 'AWAITING_APPROVAL';
    book.edits = 1;
    expect(message(() => book.validateEdit({ expedite: true }, true))).toBe(
      `${ORDER_STATE_CONFLICT}: an earlier edit is still being applied`,
    );
    // Meanwhile approvals wait for the new price, and a cancellation is taken although nothing is reserved.
    expect(refusal(() => book.requireAwaitingApproval())).toBe(ORDER_STATE_CONFLICT);
    expect(book.cancellationBlocker()).toBeUndefined();
    book.settleEdits();
    expect(refusal(() => book.requireAwaitingApproval())).toBeUndefined();
    book.approvalDecision = { approved: false, reason: 'no' };
    expect(refusal(() => book.validateEdit({ expedite: true }, true))).toBe(ORDER_STATE_CONFLICT);
  });

  it('refuses edits that would stop the order, naming why', () => {
    const book = approvedBook();
    book.state.status = 'AWAITING_APPROVAL';
    const invalidBecause = (request: Parameters<OrderBook['validateEdit']>[0]) =>
      message(() => book.validateEdit(request, true));
    expect(invalidBecause({})).toBe(`${INVALID_ORDER_REQUEST}: give shippingAddress, lines or expedite`);
    expect(invalidBecause({ lines: [] })).toBe(`${INVALID_ORDER_REQUEST}: give at least one line`);
    expect(
      invalidBecause({
        lines: [
          { sku: 'MUG', quantity: 1 },
          { sku: 'MUG', quantity: 1 },
        ],
      }),
    ).toBe(`${INVALID_ORDER_REQUEST}: MUG: listed more than once`);
    expect(invalidBecause({ lines: [{ sku: 'MUG', quantity: 1.5 }] })).toBe(
      `${INVALID_ORDER_REQUEST}: MUG: quantity must be a whole number above 0`,
    );
    expect(invalidBecause({ shippingAddress: { ...address, city: ' ' } })).toBe(
      `${INVALID_ORDER_REQUEST}: shippingAddress lacks city`,
    );
    expect(invalidBecause({ shippingAddress: address, lines: [{ sku: 'PEN', quantity: 2 }] })).toBeUndefined();
  });

  it('gives an edited allocation back: shipment cancelled, nothing left to allocate', () => {
    const book = approvedBook();
    book.allocated({ id: 'S1', warehouse: 'W1', lines: [{ sku: 'MUG', quantity: 3 }] });
    book.releasedForEdit(book.shipmentOf('S1'));
    book.resetForEdit();
    expect(book.shipmentOf('S1').status).toBe('cancelled');
    expect(book.lineOf('MUG').reservedQuantity).toBe(0);
    expect(book.openQuantities()).toEqual([]);
  });
});
