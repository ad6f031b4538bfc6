import { ORDER_STATE_CONFLICT } from '../../contract';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type {
  AllocatedShipment,
  AllocationResult,
  AuthorizeResult,
  CarrierBooking,
  OrderActivities,
  PickedLine,
  ReceivedLine,
  ReturnAuthorization,
  ValidatedOrder,
} from '../../contract';
import { planAllocation, rankWarehouses, type QuantityLine, type WarehouseCandidate } from '../../domain/allocation';
import { pickListIdFor, shipmentIdFor } from '../../domain/ids';
import { WITH_CARRIER_STATUSES, type OrderStatus, type ReturnStatus, type CarrierStatus } from '../../domain/order';
import { billFor, priceOrder, type Bill, type TaxRate } from '../../domain/pricing';
import type { OrderProgress } from '../../domain/timeline';
import { orderWorkflowId, resumeBackorderUpdate } from '../../workflows/order/messages';

/**
 * In-memory stand-ins for everything the order's activities touch (PostgreSQL, the payment provider, the carrier),
 * so workflow tests run in seconds. Each `FakeBackend` is one test's world: its catalog, warehouses and stock, and
 * the records of its orders. The fakes keep the real activities' contracts, including the idempotency the workflow
 * counts on (a retried allocation round, pick list, capture, invoice or credit note answers as the first did).
 */

export type ActivityName = keyof OrderActivities;
export type ActivityInput<Name extends ActivityName> = Parameters<OrderActivities[Name]>[0];
/** One activity call as the workflow made it: its name and its input. */
export type ActivityCall = { [Name in ActivityName]: { activity: Name; input: ActivityInput<Name> } }[ActivityName];

/** What `validateAndPriceOrder` prices every order with (the tests work their expected amounts out from these). */
const TAX_RATE_BPS = 1_000;
const SHIPPING_CHARGE = 700;
const SHIPPING_SERVICE = 'ground';
const CURRENCY = 'USD';
const TAX_CODE = 'GENERAL';
const TAX_RATES: TaxRate[] = [{ taxCode: TAX_CODE, country: 'US', region: '*', rateBps: TAX_RATE_BPS }];

export interface FakeProduct {
  sku: string;
  unitPrice: number;
  /** Above this quantity a line needs an approver (SPEC section 3, approval quotas). */
  maxOrderQuantity?: number;
}

export interface FakeBackendOptions {
  products: FakeProduct[];
  warehouses: WarehouseCandidate[];
  stock?: { warehouse: string; sku: string; onHand: number }[];
}

export interface FakeOrderOptions {
  orderId: string;
  lines: QuantityLine[];
  /** The customer's approval limit; orders above it wait for an approver. Unlimited by default. */
  approvalLimit?: number;
  /** A percentage promotion redeemed when the order is priced (and given back if it is cancelled). */
  promotionPercent?: number;
  /** Master data refuses the order: `validateAndPriceOrder` answers invalid with these reasons. */
  invalidReasons?: string[];
  /** The payment provider declines the authorization with this reason. */
  declineReason?: string;
}

export type FakeShipmentStatus = 'allocated' | 'picking' | 'picked' | 'cancelled' | 'shipped' | CarrierStatus;

export interface FakeShipment {
  id: string;
  seq: number;
  round: number;
  warehouse: string;
  lines: QuantityLine[];
  status: FakeShipmentStatus;
  /** Whether its lines still hold reserved stock. */
  reserved: boolean;
  replacement: boolean;
  booking?: CarrierBooking;
}

export interface FakePickList {
  id: string;
  shipmentId: string;
  status: 'open' | 'confirmed' | 'cancelled';
  picked?: PickedLine[];
}

export interface FakeDocument {
  number: string;
  bill: Bill;
  reason?: string;
}

export interface FakeReturn {
  rma: ReturnAuthorization;
  status: ReturnStatus;
  received?: ReceivedLine[];
  refundId?: string;
  creditNote?: string;
  replacementShipmentId?: string;
}

interface StockLevel {
  onHand: number;
  reserved: number;
}

/** One order's records in the fake backend: what its activities did, as the database and providers would hold it. */
export class FakeOrder {
  readonly calls: ActivityCall[] = [];
  /** The read model's timeline, by the workflow's `seq`. */
  readonly timeline = new Map<number, OrderProgress>();
  readonly shipments = new Map<string, FakeShipment>();
  readonly pickLists = new Map<string, FakePickList>();
  authorization?: { id: string; amount: number; voidedAmount?: number };
  /** Captured amounts by shipment ID. */
  readonly captures = new Map<string, number>();
  /** Money given back through the provider, by refund ID. */
  readonly paymentRefunds = new Map<string, number>();
  /** Invoices by shipment ID, credit notes by refund ID. */
  readonly invoices = new Map<string, FakeDocument>();
  readonly creditNotes = new Map<string, FakeDocument>();
  /** Refunds of the completed order held before the provider refunds them, by refund ID. */
  readonly refundHolds = new Map<string, Bill>();
  readonly returns = new Map<string, FakeReturn>();
  /** Carrier events by their key, as recorded once each. */
  readonly carrierEvents = new Map<string, ActivityInput<'recordShipmentEvent'>>();
  promotionRedeemed = false;
  /** Authorizations an edit replaced (the current one is `authorization`). */
  readonly replacedAuthorizations: { id: string; amount: number; voidedAmount?: number }[] = [];
  /** The edits written to the order (`applyOrderEdit`), and the priority and destination they gave it. */
  editsApplied = 0;
  priority = 2;

  constructor(
    readonly options: FakeOrderOptions,
    public priced: ValidatedOrder,
  ) {}

  get id(): string {
    return this.options.orderId;
  }

  callsOf<Name extends ActivityName>(activity: Name): ActivityInput<Name>[] {
    return this.calls
      .filter((call): call is Extract<ActivityCall, { activity: Name }> => call.activity === activity)
      .map((call) => call.input);
  }

  /** The activities called, in order, without the read-model writes (and any other names given). */
  steps(...without: ActivityName[]): ActivityName[] {
    const skipped = new Set<ActivityName>(['recordOrderTimeline', 'recordOrderProgress', ...without]);
    return this.calls.map((call) => call.activity).filter((activity) => !skipped.has(activity));
  }

  /** The statuses the timeline went through, in order. */
  statuses(): OrderStatus[] {
    return this.entries().flatMap((entry) => (entry.status ? [entry.status] : []));
  }

  timelineMessages(): string[] {
    return this.entries().map((entry) => entry.message);
  }

  /** The order's status as the read model shows it (the latest status entry). */
  readModelStatus(): OrderStatus | undefined {
    return this.statuses().at(-1);
  }

  capturedTotal(): number {
    return [...this.captures.values()].reduce((total, amount) => total + amount, 0);
  }

  creditedTotal(): number {
    return [...this.creditNotes.values()].reduce((total, note) => total + note.bill.total, 0);
  }

  /** Units handed to a carrier per SKU (not counting an exchange's replacements). */
  shippedUnits(): Map<string, number> {
    const units = new Map<string, number>();
    for (const shipment of this.shipments.values()) {
      if (shipment.replacement || !WITH_CARRIER_STATUSES.includes(shipment.status)) continue;
      for (const line of shipment.lines) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
    }
    return units;
  }

  private entries(): OrderProgress[] {
    return [...this.timeline.values()].sort((a, b) => a.seq - b.seq);
  }
}

/** One test's world: catalog, warehouses, stock and orders, behind the activities. */
export class FakeBackend {
  readonly orders = new Map<string, FakeOrder>();
  /** Every call, including those of no single order (a restock's `resumeBackorders`). */
  readonly calls: ActivityCall[] = [];
  private readonly stockLevels = new Map<string, StockLevel>();
  private readonly products: Map<string, FakeProduct>;
  private readonly warehouses: WarehouseCandidate[];
  private documentNumbers = { INV: 0, CN: 0 };
  /** Damaged returned units written off, per `warehouse/sku` (resellable ones go back on the shelf). */
  readonly writtenOff = new Map<string, number>();

  constructor(
    options: FakeBackendOptions,
    /** The client `resumeBackorders` offers stock with, as the real activity does. */
    private readonly temporal: () => Client,
  ) {
    this.products = new Map(options.products.map((product) => [product.sku, product]));
    this.warehouses = options.warehouses;
    for (const level of options.stock ?? []) this.receiveStock(level.warehouse, level.sku, level.onHand);
  }

  /** Registers an order (as the API would write its record) and prices it for `validateAndPriceOrder`. */
  addOrder(options: FakeOrderOptions): FakeOrder {
    const order = new FakeOrder(options, this.priceFor(options));
    this.orders.set(options.orderId, order);
    return order;
  }

  /** What `validateAndPriceOrder` answers for an order with these options. */
  private priceFor(options: FakeOrderOptions): ValidatedOrder {
    const priced = priceOrder({
      currency: CURRENCY,
      lines: options.lines,
      catalog: new Map(
        options.lines.map(({ sku }) => {
          const product = this.products.get(sku);
          if (!product) throw new Error(`the fake catalog has no ${sku}`);
          return [sku, { sku, unitPrice: product.unitPrice, currency: CURRENCY, taxCode: TAX_CODE }];
        }),
      ),
      taxRates: TAX_RATES,
      destination: { country: 'US', region: 'NY' },
      shipping: { service: SHIPPING_SERVICE, amount: SHIPPING_CHARGE },
      ...(options.promotionPercent ? { promotion: { type: 'percent' as const, value: options.promotionPercent } } : {}),
    });
    const validated: ValidatedOrder = options.invalidReasons
      ? { valid: false, reasons: options.invalidReasons }
      : {
          valid: true,
          approval: {
            total: priced.totals.total,
            approvalLimit: options.approvalLimit ?? Number.MAX_SAFE_INTEGER,
            paymentTerms: 'prepaid',
            creditLimit: Number.MAX_SAFE_INTEGER,
            outstandingReceivables: 0,
            lines: options.lines.map((line) => ({
              ...line,
              maxOrderQuantity: this.products.get(line.sku)?.maxOrderQuantity ?? null,
            })),
          },
          promisedDeliveryDate: '2026-12-10',
          ...priced,
        };
    return validated;
  }

  /** A goods receipt: units arrive on the shelf of a warehouse. */
  receiveStock(warehouse: string, sku: string, quantity: number): void {
    const level = this.levelOf(warehouse, sku);
    level.onHand += quantity;
  }

  stock(warehouse: string, sku: string): StockLevel {
    return { ...this.levelOf(warehouse, sku) };
  }

  /** Units reserved across every warehouse (nothing may stay reserved for an order that ended). */
  reservedUnits(): number {
    return [...this.stockLevels.values()].reduce((total, level) => total + level.reserved, 0);
  }

  /**
   * Makes the next `times` calls of `activity` fail: `permanent` as an outside system's error that retrying will not
   * cure (non-retryable), `transient` as an outage (retried by Temporal).
   */
  failNext(activity: ActivityName, kind: 'permanent' | 'transient', times = 1): void {
    this.faults.set(activity, { kind, left: times });
  }

  private readonly faults = new Map<ActivityName, { kind: 'permanent' | 'transient'; left: number }>();

  /** Logs the call with its order, then does the work (or fails, as `failNext` asked). */
  async run<Result>(orderId: string, call: ActivityCall, work: (order: FakeOrder) => Result): Promise<Result> {
    this.calls.push(call);
    const order = this.orders.get(orderId);
    if (!order) throw ApplicationFailure.nonRetryable(`the fake backend has no order ${orderId}`, 'FakeMisconfigured');
    order.calls.push(call);
    const fault = this.faults.get(call.activity);
    if (fault && fault.left > 0) {
      fault.left -= 1;
      if (fault.kind === 'permanent') {
        throw ApplicationFailure.nonRetryable(`${call.activity} refused for good (test fault)`, 'FakeProviderError');
      }
      throw ApplicationFailure.retryable(`${call.activity} unreachable (test fault)`, 'FakeOutage');
    }
    return work(order);
  }

  /** The orders with a line of `sku`, in the order they were placed. */
  ordersOf(sku: string): FakeOrder[] {
    return [...this.orders.values()].filter((order) => order.options.lines.some((line) => line.sku === sku));
  }

  orderOfPickList(pickListId: string): string | undefined {
    return [...this.orders.values()].find((order) => order.pickLists.has(pickListId))?.id;
  }

  orderOfRefundHold(refundId: string): string | undefined {
    return [...this.orders.values()].find((order) => order.refundHolds.has(refundId))?.id;
  }

  orderOfReturn(returnId: string): string | undefined {
    return [...this.orders.values()].find((order) => order.returns.has(returnId))?.id;
  }

  // ---- Pricing, payment ---------------------------------------------------------------------------------

  validateAndPriceOrder(order: FakeOrder): ValidatedOrder {
    if (order.priced.valid && order.options.promotionPercent) order.promotionRedeemed = true;
    return order.priced;
  }

  releasePromotion(order: FakeOrder): void {
    order.promotionRedeemed = false;
  }

  authorizePayment(order: FakeOrder, input: ActivityInput<'authorizePayment'>): AuthorizeResult {
    if (order.options.declineReason) return { status: 'declined', reason: order.options.declineReason };
    const edit = input.reauthorizationForEdit;
    if (edit === undefined) {
      order.authorization ??= { id: `AUTH-${input.orderId}`, amount: input.amount };
      return { status: 'authorized', authorizationId: order.authorization.id };
    }
    // An edit's re-authorization is a new one, made once per edit.
    const id = `AUTH-${input.orderId}-E${edit}`;
    if (order.authorization?.id !== id && !order.replacedAuthorizations.some((replaced) => replaced.id === id)) {
      if (order.authorization) order.replacedAuthorizations.push(order.authorization);
      order.authorization = { id, amount: input.amount };
    }
    return { status: 'authorized', authorizationId: id };
  }

  capturePayment(order: FakeOrder, input: ActivityInput<'capturePayment'>): void {
    if (order.captures.has(input.shipmentId)) return;
    const authorization = order.authorization;
    if (!authorization || authorization.id !== input.authorizationId || authorization.voidedAmount !== undefined)
      throw ApplicationFailure.nonRetryable(`no open authorization ${input.authorizationId}`, 'PaymentProviderError');
    if (order.capturedTotal() + input.amount > authorization.amount)
      throw ApplicationFailure.nonRetryable(
        `capture of ${input.amount} exceeds the authorization`,
        'PaymentProviderError',
      );
    order.captures.set(input.shipmentId, input.amount);
  }

  voidAuthorization(order: FakeOrder, input: ActivityInput<'voidAuthorization'>): void {
    const authorization = [order.authorization, ...order.replacedAuthorizations].find(
      (candidate) => candidate?.id === input.authorizationId,
    );
    if (!authorization) throw ApplicationFailure.nonRetryable('nothing authorized', 'PaymentProviderError');
    authorization.voidedAmount ??= input.amount;
  }

  /** Writes an edit to the order once per edit number: the lines it is priced and restocked by, its priority. */
  applyOrderEdit(order: FakeOrder, input: ActivityInput<'applyOrderEdit'>): { priority: number } {
    if (input.edit <= order.editsApplied) return { priority: order.priority };
    order.editsApplied = input.edit;
    if (input.expedite !== undefined) order.priority = input.expedite ? 1 : 2;
    if (input.lines) {
      order.options.lines = input.lines.map((line) => ({ ...line }));
      order.priced = this.priceFor(order.options);
    }
    return { priority: order.priority };
  }

  refundPayment(order: FakeOrder, input: ActivityInput<'refundPayment'>): void {
    if (order.paymentRefunds.has(input.refundId)) return;
    const refunded = [...order.paymentRefunds.values()].reduce((total, amount) => total + amount, 0);
    if (refunded + input.amount > order.capturedTotal())
      throw ApplicationFailure.nonRetryable(
        `refund of ${input.amount} exceeds what was captured`,
        'PaymentProviderError',
      );
    order.paymentRefunds.set(input.refundId, input.amount);
  }

  // ---- Stock --------------------------------------------------------------------------------------------

  /** The real `allocateStock`'s contract, with the pure planning rule of `domain/allocation.ts`. */
  allocateStock(order: FakeOrder, input: ActivityInput<'allocateStock'>): AllocationResult {
    const remaining = new Map(input.lines.map((line) => [line.sku, line.quantity]));
    // A retry of the same round continues from the shipments that round already holds.
    const shipments: AllocatedShipment[] = [...order.shipments.values()]
      .filter((shipment) => shipment.round === input.round && shipment.status !== 'cancelled')
      .map(({ id, warehouse, lines }) => ({ id, warehouse, lines: lines.map((line) => ({ ...line })) }));
    for (const shipment of shipments)
      for (const line of shipment.lines) remaining.set(line.sku, (remaining.get(line.sku) ?? 0) - line.quantity);
    const excluded = new Set(input.excludeWarehouses ?? []);
    const ranked = rankWarehouses(this.warehouses, input.destination)
      .map((warehouse) => warehouse.code)
      .filter((code) => !excluded.has(code));
    const wanted = openLines(remaining);
    const availability = new Map(
      ranked.map((warehouse) => [
        warehouse,
        new Map(
          wanted.map(({ sku }) => [sku, this.levelOf(warehouse, sku).onHand - this.levelOf(warehouse, sku).reserved]),
        ),
      ]),
    );
    const plan = planAllocation(wanted, ranked, availability);
    if (!(input.allOrNothing && plan.unallocated.length > 0)) {
      for (const planned of plan.shipments) {
        const shipment = this.reserve(order, input.round, planned.warehouse, planned.lines, input.replacement ?? false);
        shipments.push(shipment);
        for (const line of shipment.lines) remaining.set(line.sku, remaining.get(line.sku)! - line.quantity);
      }
    }
    const unallocated = openLines(remaining);
    if (input.allOrNothing && unallocated.length > 0) {
      for (const shipment of shipments) this.release(order, shipment.id);
      return { shipments: [], unallocated: input.lines };
    }
    return { shipments, unallocated };
  }

  releaseReservations(order: FakeOrder, input: ActivityInput<'releaseReservations'>): void {
    this.release(order, input.shipmentId);
  }

  releaseUnknownShipments(order: FakeOrder, input: ActivityInput<'releaseUnknownShipments'>): string[] {
    const known = new Set(input.knownShipmentIds);
    const unknown = [...order.shipments.values()]
      .filter((shipment) => !known.has(shipment.id) && shipment.status !== 'cancelled' && !isWithCarrier(shipment))
      .sort((a, b) => a.seq - b.seq)
      .map((shipment) => shipment.id);
    for (const id of unknown) this.release(order, id);
    return unknown;
  }

  // ---- Picking, shipping --------------------------------------------------------------------------------

  createPickList(order: FakeOrder, input: ActivityInput<'createPickList'>): { pickListId: string; wave: string } {
    const shipment = this.shipmentOf(order, input.shipmentId);
    const id = pickListIdFor(shipment.id);
    if (!order.pickLists.has(id)) {
      order.pickLists.set(id, { id, shipmentId: shipment.id, status: 'open' });
      if (shipment.status === 'allocated') shipment.status = 'picking';
    }
    return { pickListId: id, wave: `W-${shipment.warehouse}-FAKE` };
  }

  /**
   * Lines not listed count as picked in full; a short pick shrinks the shipment and takes the missing units off
   * the shelf (they are not there). Confirming again answers with what was recorded the first time.
   */
  confirmPickList(order: FakeOrder, input: ActivityInput<'confirmPickList'>): PickedLine[] {
    const list = order.pickLists.get(input.pickListId);
    if (!list) throw new Error(`no pick list ${input.pickListId}`);
    if (list.status !== 'open') return list.picked ?? [];
    const shipment = this.shipmentOf(order, list.shipmentId);
    const reported = new Map((input.lines ?? []).map((line) => [line.sku, line.pickedQuantity]));
    const picked: PickedLine[] = [];
    for (const line of [...shipment.lines].sort(bySku)) {
      const pickedQuantity = Math.min(line.quantity, reported.get(line.sku) ?? line.quantity);
      const short = line.quantity - pickedQuantity;
      const level = this.levelOf(shipment.warehouse, line.sku);
      level.reserved -= short;
      level.onHand -= short;
      line.quantity = pickedQuantity;
      picked.push({ sku: line.sku, pickedQuantity });
    }
    shipment.lines = shipment.lines.filter((line) => line.quantity > 0);
    shipment.status = shipment.lines.length > 0 ? 'picked' : 'cancelled';
    if (shipment.lines.length === 0) shipment.reserved = false;
    list.status = 'confirmed';
    list.picked = picked;
    return picked;
  }

  cancelPickList(order: FakeOrder, input: ActivityInput<'cancelPickList'>): void {
    const list = order.pickLists.get(input.pickListId);
    if (list?.status === 'open') list.status = 'cancelled';
  }

  shipShipment(order: FakeOrder, input: ActivityInput<'shipShipment'>): CarrierBooking {
    const shipment = this.shipmentOf(order, input.shipmentId);
    shipment.booking ??= {
      carrier: 'FAKEPOST',
      service: input.service,
      trackingNumber: `FP-${shipment.id}`,
      labelRef: `fake://labels/${shipment.id}.pdf`,
    };
    if (['allocated', 'picking', 'picked'].includes(shipment.status)) {
      for (const line of shipment.lines) {
        const level = this.levelOf(shipment.warehouse, line.sku);
        level.onHand -= line.quantity;
        level.reserved -= line.quantity;
      }
      shipment.reserved = false;
      shipment.status = 'shipped';
    }
    return shipment.booking;
  }

  /** Recorded once per event key; once delivered, a shipment stays delivered. */
  recordShipmentEvent(order: FakeOrder, input: ActivityInput<'recordShipmentEvent'>): void {
    if (order.carrierEvents.has(input.eventKey)) return;
    order.carrierEvents.set(input.eventKey, input);
    const shipment = this.shipmentOf(order, input.shipmentId);
    if (shipment.status !== 'delivered') shipment.status = input.status;
  }

  // ---- Invoicing, refunds, returns ----------------------------------------------------------------------

  issueInvoice(order: FakeOrder, input: ActivityInput<'issueInvoice'>): { number: string; total: number } {
    const invoice = order.invoices.get(input.shipmentId) ?? { number: this.nextNumber('INV'), bill: input.bill };
    order.invoices.set(input.shipmentId, invoice);
    return { number: invoice.number, total: invoice.bill.total };
  }

  issueCreditNote(order: FakeOrder, input: ActivityInput<'issueCreditNote'>): { number: string; total: number } {
    const note = order.creditNotes.get(input.refundId) ?? {
      number: this.nextNumber('CN'),
      bill: input.bill,
      reason: input.reason,
    };
    order.creditNotes.set(input.refundId, note);
    return { number: note.number, total: note.bill.total };
  }

  /** A refund after the order's workflow completed: weighed against what was charged, then credited once. */
  /** A completed order's refund, held against what was charged and not yet credited or held (as the real one). */
  holdCompletedOrderRefund(
    order: FakeOrder,
    input: ActivityInput<'holdCompletedOrderRefund'>,
  ): { bill: Bill; authorizationId: string | null } {
    const authorizationId = order.authorization?.id ?? null;
    const held = order.refundHolds.get(input.refundId) ?? this.completedRefundBill(order, input);
    order.refundHolds.set(input.refundId, held);
    return { bill: held, authorizationId };
  }

  releaseRefundHold(order: FakeOrder, input: ActivityInput<'releaseRefundHold'>): void {
    order.refundHolds.delete(input.refundId);
  }

  creditCompletedOrder(
    order: FakeOrder,
    input: ActivityInput<'creditCompletedOrder'>,
  ): { bill: Bill; creditNote: string; authorizationId: string | null } {
    const authorizationId = order.authorization?.id ?? null;
    const issued = order.creditNotes.get(input.refundId);
    if (issued) return { bill: issued.bill, creditNote: issued.number, authorizationId };
    const bill = order.refundHolds.get(input.refundId) ?? this.completedRefundBill(order, input);
    order.refundHolds.delete(input.refundId);
    const note = this.issueCreditNote(order, {
      orderId: input.orderId,
      refundId: input.refundId,
      bill,
      reason: input.reason,
    });
    return { bill, creditNote: note.number, authorizationId };
  }

  /** What a completed order's refund gives back; refused beyond what was charged and not yet credited or held. */
  private completedRefundBill(order: FakeOrder, input: ActivityInput<'creditCompletedOrder'>): Bill {
    if (!order.priced.valid) throw ApplicationFailure.nonRetryable('order was never priced', ORDER_STATE_CONFLICT);
    const credited = new Map<string, number>();
    const bills = [...[...order.creditNotes.values()].map((note) => note.bill), ...order.refundHolds.values()];
    for (const bill of bills)
      for (const line of bill.lines) credited.set(line.sku, (credited.get(line.sku) ?? 0) + line.quantity);
    let bill: Bill;
    if (input.lines) {
      const shipped = order.shippedUnits();
      for (const line of input.lines) {
        const left = (shipped.get(line.sku) ?? 0) - (credited.get(line.sku) ?? 0);
        if (line.quantity > left)
          throw ApplicationFailure.nonRetryable(
            `${line.sku}: only ${left} shipped and not refunded`,
            ORDER_STATE_CONFLICT,
          );
      }
      // Units at the prices they were billed, after those already credited; shipping is not refunded by lines.
      bill = billFor(
        { lines: order.priced.lines, shipping: { service: '', amount: 0, tax: 0 }, currency: CURRENCY },
        credited,
        input.lines,
        false,
      );
    } else {
      const amount = input.amount ?? 0;
      bill = { currency: CURRENCY, lines: [], subtotal: amount, discount: 0, shipping: 0, tax: 0, total: amount };
    }
    const charged = order.authorization
      ? order.capturedTotal()
      : [...order.invoices.values()].reduce((total, invoice) => total + invoice.bill.total, 0);
    const held = [...order.refundHolds.values()].reduce((total, hold) => total + hold.total, 0);
    if (bill.total > charged - order.creditedTotal() - held)
      throw ApplicationFailure.nonRetryable(`a refund of ${bill.total} exceeds what was charged`, ORDER_STATE_CONFLICT);
    return bill;
  }

  recordReturn(order: FakeOrder, input: ActivityInput<'recordReturn'>): void {
    if (!order.returns.has(input.returnId))
      order.returns.set(input.returnId, { rma: input, status: 'AWAITING_RECEIPT' });
  }

  /** Resellable units go back on the shelf of the warehouse that shipped them; damaged ones are written off. */
  receiveReturnGoods(order: FakeOrder, input: ActivityInput<'receiveReturnGoods'>): void {
    const record = order.returns.get(input.returnId);
    if (!record) throw new Error(`no return ${input.returnId}`);
    if (record.status !== 'AWAITING_RECEIPT') return;
    record.status = 'RECEIVED';
    record.received = input.lines;
    for (const line of input.lines) {
      if (line.quantity === 0) continue;
      const origin = [...order.shipments.values()]
        .filter((shipment) => isWithCarrier(shipment) && shipment.lines.some((shipped) => shipped.sku === line.sku))
        .sort((a, b) => a.seq - b.seq)[0];
      // The real activity fails the same way (retried forever) on a SKU that never shipped.
      if (!origin) throw new Error(`${line.sku} was never shipped on ${input.orderId}`);
      if (line.condition === 'resellable') this.levelOf(origin.warehouse, line.sku).onHand += line.quantity;
      else {
        const key = `${origin.warehouse}/${line.sku}`;
        this.writtenOff.set(key, (this.writtenOff.get(key) ?? 0) + line.quantity);
      }
    }
  }

  settleReturn(order: FakeOrder, input: ActivityInput<'settleReturn'>): void {
    const record = order.returns.get(input.returnId);
    if (!record) throw new Error(`no return ${input.returnId}`);
    record.status = input.status;
    record.refundId = input.refundId;
    record.creditNote = input.creditNote;
    record.replacementShipmentId = input.replacementShipmentId;
  }

  // ---- Read model, backorders ---------------------------------------------------------------------------

  /** Timeline entries by `seq`: a retried entry replaces the one at its seq. */
  recordOrderTimeline(order: FakeOrder, entries: OrderProgress[]): void {
    for (const entry of entries) order.timeline.set(entry.seq, entry);
  }

  /**
   * Offers a SKU's stock to the waiting orders that want it, in the order they were placed, each taking what it
   * can before the next is asked, as the real activity does through the order's Update.
   */
  async resumeBackorders(input: ActivityInput<'resumeBackorders'>): Promise<{ resumed: string[] }> {
    this.calls.push({ activity: 'resumeBackorders', input });
    const waiting = this.ordersOf(input.sku).filter((order) =>
      ['BACKORDERED', 'PARTIALLY_SHIPPED'].includes(order.readModelStatus() ?? ''),
    );
    const resumed: string[] = [];
    for (const order of waiting) {
      const available = this.warehouses.reduce(
        (total, warehouse) =>
          total + this.levelOf(warehouse.code, input.sku).onHand - this.levelOf(warehouse.code, input.sku).reserved,
        0,
      );
      if (available <= 0) break;
      try {
        await this.temporal()
          .workflow.getHandle(orderWorkflowId(order.id))
          .executeUpdate(resumeBackorderUpdate, { args: [{}] });
        resumed.push(order.id);
      } catch (error) {
        if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      }
    }
    return { resumed };
  }

  // ---- Internals ----------------------------------------------------------------------------------------

  private reserve(
    order: FakeOrder,
    round: number,
    warehouse: string,
    lines: readonly QuantityLine[],
    replacement: boolean,
  ): AllocatedShipment {
    const seq = [...order.shipments.values()].reduce((last, shipment) => Math.max(last, shipment.seq), 0) + 1;
    const sorted = [...lines].sort(bySku).map((line) => ({ ...line }));
    for (const line of sorted) this.levelOf(warehouse, line.sku).reserved += line.quantity;
    const id = shipmentIdFor(order.id, seq);
    order.shipments.set(id, {
      id,
      seq,
      round,
      warehouse,
      lines: sorted,
      status: 'allocated',
      reserved: true,
      replacement,
    });
    return { id, warehouse, lines: sorted.map((line) => ({ ...line })) };
  }

  /** Gives a shipment's reserved stock back and cancels it unless it is with a carrier; safe to repeat. */
  private release(order: FakeOrder, shipmentId: string): void {
    const shipment = this.shipmentOf(order, shipmentId);
    if (shipment.reserved) {
      for (const line of shipment.lines) this.levelOf(shipment.warehouse, line.sku).reserved -= line.quantity;
      shipment.reserved = false;
    }
    if (!isWithCarrier(shipment)) shipment.status = 'cancelled';
  }

  private shipmentOf(order: FakeOrder, shipmentId: string): FakeShipment {
    const shipment = order.shipments.get(shipmentId);
    if (!shipment) throw new Error(`shipment ${shipmentId} does not exist`);
    return shipment;
  }

  private levelOf(warehouse: string, sku: string): StockLevel {
    const key = `${warehouse}/${sku}`;
    let level = this.stockLevels.get(key);
    if (!level) {
      level = { onHand: 0, reserved: 0 };
      this.stockLevels.set(key, level);
    }
    return level;
  }

  private nextNumber(series: 'INV' | 'CN'): string {
    this.documentNumbers[series] += 1;
    return `${series}-TEST-${String(this.documentNumbers[series]).padStart(6, '0')}`;
  }
}

/**
 * The worker's activities: each call is routed to the backend that holds its order (each test registers its own),
 * logged there, and answered by the fake.
 */
export function createFakeActivities(backends: () => Iterable<FakeBackend>): OrderActivities {
  function backendOf(holds: (backend: FakeBackend) => boolean, what: string): FakeBackend {
    for (const backend of backends()) if (holds(backend)) return backend;
    throw ApplicationFailure.nonRetryable(`no fake backend holds ${what}`, 'FakeMisconfigured');
  }
  function onOrder<Result>(
    orderId: string,
    call: ActivityCall,
    work: (backend: FakeBackend, order: FakeOrder) => Result,
  ): Promise<Result> {
    const backend = backendOf((candidate) => candidate.orders.has(orderId), `order ${orderId}`);
    return backend.run(orderId, call, (order) => work(backend, order));
  }
  /** The order a pick list or a return belongs to, found in whichever backend holds it. */
  function orderHolding(find: (backend: FakeBackend) => string | undefined, what: string): string {
    for (const backend of backends()) {
      const orderId = find(backend);
      if (orderId) return orderId;
    }
    throw ApplicationFailure.nonRetryable(`no fake backend holds ${what}`, 'FakeMisconfigured');
  }

  return {
    validateAndPriceOrder: (input) =>
      onOrder(input.orderId, { activity: 'validateAndPriceOrder', input }, (backend, order) =>
        backend.validateAndPriceOrder(order),
      ),
    releasePromotion: (input) =>
      onOrder(input.orderId, { activity: 'releasePromotion', input }, (backend, order) =>
        backend.releasePromotion(order),
      ),
    authorizePayment: (input) =>
      onOrder(input.orderId, { activity: 'authorizePayment', input }, (backend, order) =>
        backend.authorizePayment(order, input),
      ),
    capturePayment: (input) =>
      onOrder(input.orderId, { activity: 'capturePayment', input }, (backend, order) =>
        backend.capturePayment(order, input),
      ),
    applyOrderEdit: (input) =>
      onOrder(input.orderId, { activity: 'applyOrderEdit', input }, (backend, order) =>
        backend.applyOrderEdit(order, input),
      ),
    voidAuthorization: (input) =>
      onOrder(input.orderId, { activity: 'voidAuthorization', input }, (backend, order) =>
        backend.voidAuthorization(order, input),
      ),
    refundPayment: (input) =>
      onOrder(input.orderId, { activity: 'refundPayment', input }, (backend, order) =>
        backend.refundPayment(order, input),
      ),
    allocateStock: (input) =>
      onOrder(input.orderId, { activity: 'allocateStock', input }, (backend, order) =>
        backend.allocateStock(order, input),
      ),
    releaseReservations: (input) =>
      onOrder(input.orderId, { activity: 'releaseReservations', input }, (backend, order) =>
        backend.releaseReservations(order, input),
      ),
    releaseUnknownShipments: (input) =>
      onOrder(input.orderId, { activity: 'releaseUnknownShipments', input }, (backend, order) =>
        backend.releaseUnknownShipments(order, input),
      ),
    createPickList: (input) =>
      onOrder(input.orderId, { activity: 'createPickList', input }, (backend, order) =>
        backend.createPickList(order, input),
      ),
    confirmPickList: (input) =>
      onOrder(input.orderId, { activity: 'confirmPickList', input }, (backend, order) =>
        backend.confirmPickList(order, input),
      ),
    cancelPickList: (input) =>
      onOrder(
        orderHolding((backend) => backend.orderOfPickList(input.pickListId), `pick list ${input.pickListId}`),
        { activity: 'cancelPickList', input },
        (backend, order) => backend.cancelPickList(order, input),
      ),
    shipShipment: (input) =>
      onOrder(input.orderId, { activity: 'shipShipment', input }, (backend, order) =>
        backend.shipShipment(order, input),
      ),
    recordShipmentEvent: (input) =>
      onOrder(input.orderId, { activity: 'recordShipmentEvent', input }, (backend, order) =>
        backend.recordShipmentEvent(order, input),
      ),
    issueInvoice: (input) =>
      onOrder(input.orderId, { activity: 'issueInvoice', input }, (backend, order) =>
        backend.issueInvoice(order, input),
      ),
    issueCreditNote: (input) =>
      onOrder(input.orderId, { activity: 'issueCreditNote', input }, (backend, order) =>
        backend.issueCreditNote(order, input),
      ),
    holdCompletedOrderRefund: (input) =>
      onOrder(input.orderId, { activity: 'holdCompletedOrderRefund', input }, (backend, order) =>
        backend.holdCompletedOrderRefund(order, input),
      ),
    releaseRefundHold: (input) =>
      onOrder(
        orderHolding((backend) => backend.orderOfRefundHold(input.refundId), `refund ${input.refundId}`),
        { activity: 'releaseRefundHold', input },
        (backend, order) => backend.releaseRefundHold(order, input),
      ),
    creditCompletedOrder: (input) =>
      onOrder(input.orderId, { activity: 'creditCompletedOrder', input }, (backend, order) =>
        backend.creditCompletedOrder(order, input),
      ),
    recordReturn: (input) =>
      onOrder(input.orderId, { activity: 'recordReturn', input }, (backend, order) =>
        backend.recordReturn(order, input),
      ),
    receiveReturnGoods: (input) =>
      onOrder(input.orderId, { activity: 'receiveReturnGoods', input }, (backend, order) =>
        backend.receiveReturnGoods(order, input),
      ),
    settleReturn: (input) =>
      onOrder(
        orderHolding((backend) => backend.orderOfReturn(input.returnId), `return ${input.returnId}`),
        { activity: 'settleReturn', input },
        (backend, order) => backend.settleReturn(order, input),
      ),
    recordOrderTimeline: async (entries) => {
      if (entries.length === 0) return;
      await onOrder(entries[0].orderId, { activity: 'recordOrderTimeline', input: entries }, (backend, order) =>
        backend.recordOrderTimeline(order, entries),
      );
    },
    recordOrderProgress: (progress) =>
      onOrder(progress.orderId, { activity: 'recordOrderProgress', input: progress }, (backend, order) =>
        backend.recordOrderTimeline(order, [progress]),
      ),
    // A restock offers stock in every backend: only orders still waiting for the SKU are asked.
    resumeBackorders: async (input) => {
      const resumed: string[] = [];
      for (const backend of backends()) resumed.push(...(await backend.resumeBackorders(input)).resumed);
      return { resumed };
    },
  };
}

function openLines(remaining: ReadonlyMap<string, number>): QuantityLine[] {
  return [...remaining].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));
}

function isWithCarrier(shipment: FakeShipment): boolean {
  return WITH_CARRIER_STATUSES.includes(shipment.status);
}

function bySku(a: QuantityLine, b: QuantityLine): number {
  return a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0;
}
