import type { AllocatedShipment, PickedLine, PricedOrderResult } from '../../contract';
import type { QuantityLine } from '../../domain/allocation';
import { missingAddressFields } from '../../domain/address';
import { applyApproval, type ApprovedLine } from '../../domain/approval';
import { pickListIdFor } from '../../domain/ids';
import {
  NOTHING_LEFT_TO_SHIP,
  WITH_CARRIER_STATUSES,
  isTerminal,
  type CancelReason,
  type Address,
  type OrderStatus,
  type RejectReason,
  type CarrierStatus,
} from '../../domain/order';
import { billFor, type Bill } from '../../domain/pricing';
import type { OrderProgress } from '../../domain/timeline';
import { conflict, invalid } from '../refusals';
import { AfterSales } from './after-sales';
import type { ApproveRequest, EditRequest, OrderState, ShipmentState } from './messages';

/** Thrown inside the workflow to end the order early; compensations run before the final status is written. */
export class OrderStopped extends Error {
  constructor(
    readonly status: 'CANCELLED' | 'REJECTED',
    readonly reason: CancelReason | RejectReason,
    readonly reasons: string[],
  ) {
    super(`${status}: ${reason}`);
  }
}

/** Thrown inside the workflow when an edit was accepted: the order is priced, approved and allocated again. */
export class OrderEdited extends Error {
  constructor() {
    super('edited');
  }
}

export type ApprovalDecision = ({ approved: true } & ApproveRequest) | { approved: false; reason: string };

export function isWithCarrier(shipment: ShipmentState): boolean {
  return WITH_CARRIER_STATUSES.includes(shipment.status);
}

export function unitsText(lines: readonly QuantityLine[]): string {
  return lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
}

/**
 * One order's books as its workflow keeps them: the state the query shows (lines, shipments, refunds, returns),
 * what people have asked of it, and the rules that follow from them (what is left to allocate, what may still be
 * cancelled, refunded or returned). Plain TypeScript without Temporal, so every rule is unit-tested on its own.
 * Refusals throw the failures the API answers 409 or 422 with.
 */
export class OrderBook {
  readonly state: OrderState;
  /** The order as pricing left it: the prices every bill and refund is made from. */
  priced: PricedOrderResult | undefined;

  // What people have asked of the order.
  cancelRequest: { reason: string } | undefined;
  approvalDecision: ApprovalDecision | undefined;
  resumeRequested = false;
  /** Support's hold, until it takes effect (the order stops before its next step) and is released. */
  holdRequest: { reason: string } | undefined;
  releaseRequested = false;
  /** The order has finished and waits only for requests under way: it takes no more. */
  closing = false;
  readonly pickConfirmations = new Map<string, PickedLine[]>();

  // Edits before picking (steps/edits.ts).
  /** The accepted edit the pipeline has not applied yet. */
  editRequest: EditRequest | undefined;
  /** Edits accepted, and how many have taken effect (priced again and waiting for approval or stock, or allocated). */
  edits = 0;
  editsSettled = 0;
  /** Set when the first shipment goes to picking: from then on edits are refused. */
  pickingStarted = false;
  /** The shipping address and priority an edit gave the order (else its input's). */
  shippingAddress: Address | undefined;
  priority: number | undefined;

  // Allocation and shipping.
  /** Approved units not yet on a live shipment, per SKU. */
  private readonly toAllocate = new Map<string, number>();
  allocationRound = 0;
  /** Allocations tried (or given up on, when a backorder expires): a resume waits for the next one. */
  allocationAttempts = 0;
  backorderExpired = false;
  /** Warehouses that came up short on a pick: the shortfall is allocated elsewhere until stock is resumed. */
  readonly shortWarehouses = new Set<string>();
  /** Shipments between the carrier's booking and the order knowing it: no longer cancellable. */
  readonly handingOver = new Set<string>();
  /** The order's shipping charge goes on its first bill only. */
  shippingBilled = false;
  /** Numbers carrier events that carry no time of their own, so each is recorded once and none is merged. */
  carrierEventCount = 0;

  /** Refunds and returns: what may still be refunded or returned, and what is under way. */
  readonly afterSales = new AfterSales(this);

  constructor(orderId: string) {
    this.state = { orderId, status: 'PENDING', reasons: [], lines: [], shipments: [], refunds: [], returns: [] };
  }

  // ---- Status ------------------------------------------------------------------------------------------------

  enterStatus(status: OrderStatus, extra: Partial<OrderProgress>): void {
    this.state.status = status;
    this.state.waitingFor = undefined;
    this.state.holdReason = extra.holdReason;
    this.state.heldFrom = extra.heldFrom;
    if (extra.reasons) this.state.reasons = extra.reasons;
    if (extra.cancelReason) this.state.cancelReason = extra.cancelReason;
    if (extra.rejectReason) this.state.rejectReason = extra.rejectReason;
  }

  /** Refuses every request once the order has finished (its last workflow task may still see Updates). */
  requireOpen(): void {
    if (this.closing) conflict(`order is ${this.state.status} and no longer accepts changes`);
  }

  stopIfCancelled(): void {
    if (this.cancelRequest) throw new OrderStopped('CANCELLED', 'requested', [this.cancelRequest.reason]);
  }

  /**
   * Cancellation is refused once nothing is left to ship (SPEC section 3): shipped or being handed over. An
   * exchange's replacement is not the order's to cancel: it ships for a return, after the order has shipped.
   */
  cancellationBlocker(): string | undefined {
    const { state } = this;
    if (isTerminal(state.status)) return `order is already ${state.status}`;
    // Between an edit and its new allocation nothing is reserved, yet everything is still to ship.
    if (this.editing) return undefined;
    const status = this.statusBeforeHold();
    const stillToShip =
      this.openQuantities().length > 0 ||
      state.shipments.some(
        (shipment) =>
          !shipment.replacement &&
          !isWithCarrier(shipment) &&
          shipment.status !== 'cancelled' &&
          !this.handingOver.has(shipment.id),
      );
    if (status === 'PENDING' || status === 'AWAITING_APPROVAL' || status === 'AUTHORIZING') return undefined;
    if (NOTHING_LEFT_TO_SHIP.includes(status) || !stillToShip) {
      return this.handingOver.size > 0
        ? 'order is being handed to the carrier: use a return once it has shipped'
        : `${this.shippedSubject(status)}: nothing is left to ship, use a return instead`;
    }
    return undefined;
  }

  /** Where the order is in its process: a held order is where it was held. */
  private statusBeforeHold(): OrderStatus {
    return this.state.status === 'ON_HOLD' ? this.state.heldFrom! : this.state.status;
  }

  /**
   * What has shipped, in words: the status once the order says so, and the parcels while it still settles their
   * payment (its status moves on after the capture).
   */
  private shippedSubject(status: OrderStatus): string {
    return NOTHING_LEFT_TO_SHIP.includes(status)
      ? `order is ${this.state.status}`
      : 'every shipment is with the carrier';
  }

  /** Support may hold an order that is not held, not being cancelled, and has something left to ship. */
  validateHold(reason: string): void {
    this.requireOpen();
    if (reason.trim() === '') invalid('give a reason for the hold');
    if (this.state.status === 'ON_HOLD' || this.holdRequest) conflict(`order is already on hold`);
    if (this.cancelRequest) conflict('order is being cancelled');
    if (!this.holdable()) conflict(this.holdBlocker());
  }

  /** Whether a hold can still take effect: something is left to ship (SPEC: any status before SHIPPED). */
  holdable(): boolean {
    return this.cancellationBlocker() === undefined;
  }

  private holdBlocker(): string {
    if (this.handingOver.size > 0) return 'order is being handed to the carrier: nothing is left to hold';
    return `${this.shippedSubject(this.statusBeforeHold())}: nothing is left to hold`;
  }

  requireOnHold(): void {
    this.requireOpen();
    if (this.state.status !== 'ON_HOLD' || this.releaseRequested)
      conflict(`order is ${this.state.status}, not on hold`);
  }

  /**
   * A resume is taken by an order waiting for stock, and by one that still has units to allocate but is busy with
   * others (a shipment still picking): it allocates again as soon as it would wait, so new stock is not missed.
   */
  requireUnitsToAllocate(): void {
    this.requireOpen();
    if (this.state.waitingFor === 'stock') return;
    if (isTerminal(this.state.status) || this.openQuantities().length === 0) {
      conflict(`order is ${this.state.status} and not waiting for stock`);
    }
  }

  requireWithCarrier(shipmentId: string): void {
    this.requireOpen();
    const shipment = this.findShipment(shipmentId);
    if (!shipment || !isWithCarrier(shipment)) conflict(`shipment ${shipmentId} is not with a carrier`);
  }

  // ---- Pricing and approval ----------------------------------------------------------------------------------

  recordPricing(result: PricedOrderResult): void {
    this.priced = result;
    this.state.totals = result.totals;
    this.state.promisedDeliveryDate = result.promisedDeliveryDate;
    this.state.lines = result.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      approvedQuantity: 0,
      reservedQuantity: 0,
      pickedQuantity: 0,
      shippedQuantity: 0,
      deliveredQuantity: 0,
      returnedQuantity: 0,
      cancelledQuantity: 0,
    }));
  }

  requireAwaitingApproval(): void {
    this.requireOpen();
    if (this.state.status !== 'AWAITING_APPROVAL' || this.approvalDecision) {
      conflict(`order is ${this.state.status}, not awaiting approval`);
    }
    if (this.editing) conflict('order is being edited: decide once it is priced again');
  }

  // ---- Edits -------------------------------------------------------------------------------------------------

  /** Whether an accepted edit has not yet taken effect. */
  get editing(): boolean {
    return this.editsSettled < this.edits;
  }

  /**
   * Refuses an edit the order cannot take (SPEC section 3, Edits): once picking started, shipped or finished (409),
   * while held, being cancelled, approved or edited (409), or one that would stop the order (422: no field, no
   * line, a SKU twice, a quantity that is not a whole number above 0, an incomplete address).
   */
  validateEdit(request: EditRequest, editsEnabled: boolean): void {
    this.requireOpen();
    if (!editsEnabled) conflict('this order was placed before edits were possible');
    const { status } = this.state;
    if (isTerminal(status) || NOTHING_LEFT_TO_SHIP.includes(status))
      conflict(`order is ${status}: it can no longer be edited`);
    if (
      this.pickingStarted ||
      this.state.shipments.some((shipment) => !['allocated', 'cancelled'].includes(shipment.status))
    ) {
      conflict(`order is ${status}: picking has started, it can no longer be edited`);
    }
    if (status === 'ON_HOLD' || this.holdRequest) conflict('order is on hold: release it before editing');
    if (this.cancelRequest) conflict('order is being cancelled');
    if (this.editing) conflict('an earlier edit is still being applied');
    if (status === 'AWAITING_APPROVAL' && this.approvalDecision) conflict('order is being approved or rejected');
    const { lines, shippingAddress, expedite } = request;
    if (lines === undefined && shippingAddress === undefined && expedite === undefined) {
      invalid('give shippingAddress, lines or expedite');
    }
    if (lines) {
      if (lines.length === 0) invalid('give at least one line');
      const seen = new Set<string>();
      for (const line of lines) {
        if (seen.has(line.sku)) invalid(`${line.sku}: listed more than once`);
        seen.add(line.sku);
        if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
          invalid(`${line.sku}: quantity must be a whole number above 0`);
        }
      }
    }
    const missing = shippingAddress ? missingAddressFields(shippingAddress) : [];
    if (missing.length > 0) invalid(`shippingAddress lacks ${missing.join(', ')}`);
  }

  /** Where the pipeline can be interrupted by an accepted edit: it starts again from pricing. */
  stopIfEdited(): void {
    if (this.editRequest) throw new OrderEdited();
  }

  /** The edits accepted so far have taken effect: the order waits (approval, stock) or has its new allocation. */
  settleEdits(): void {
    this.editsSettled = this.edits;
  }

  /** Before an edit is applied: what approval and allocation decided for the old lines no longer holds. */
  resetForEdit(): void {
    this.toAllocate.clear();
    this.approvalDecision = undefined;
    this.resumeRequested = false;
    this.backorderExpired = false;
    this.shortWarehouses.clear();
  }

  /** A shipment an edit gave back before it was picked: cancelled, its units no longer reserved. */
  releasedForEdit(shipment: ShipmentState): void {
    shipment.status = 'cancelled';
    for (const line of shipment.lines) {
      if (this.hasLine(line.sku)) this.lineOf(line.sku).reservedQuantity -= line.quantity;
    }
  }

  /** Refuses an approval that does not fit the order's lines (unknown SKU, more than ordered, zero of everything). */
  validateApproval(lines: ApprovedLine[] | undefined): void {
    this.requireAwaitingApproval();
    const result = applyApproval(this.state.lines, lines);
    if (!result.ok) invalid(result.errors.join('; '));
  }

  /** The approved quantity per SKU becomes what is allocated; the rest of each line is cancelled. */
  approveQuantities(approved: ReadonlyMap<string, number>): void {
    for (const line of this.state.lines) {
      line.approvedQuantity = approved.get(line.sku) ?? 0;
      line.cancelledQuantity = line.quantity - line.approvedQuantity;
      if (line.approvedQuantity > 0) this.toAllocate.set(line.sku, line.approvedQuantity);
    }
  }

  // ---- Allocation, picking, shipping -------------------------------------------------------------------------

  openQuantities(): QuantityLine[] {
    return [...this.toAllocate].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));
  }

  anythingShipped(): boolean {
    return this.state.shipments.some(isWithCarrier);
  }

  allocated(shipment: AllocatedShipment): void {
    this.state.shipments.push({
      id: shipment.id,
      warehouse: shipment.warehouse,
      lines: shipment.lines.map((line) => ({ ...line })),
      status: 'allocated',
    });
    for (const line of shipment.lines) {
      this.lineOf(line.sku).reservedQuantity += line.quantity;
      this.toAllocate.set(line.sku, (this.toAllocate.get(line.sku) ?? 0) - line.quantity);
    }
  }

  allocatedReplacement(shipment: AllocatedShipment): void {
    this.state.shipments.push({
      id: shipment.id,
      warehouse: shipment.warehouse,
      lines: shipment.lines.map((line) => ({ ...line })),
      status: 'allocated',
      replacement: true,
    });
  }

  /** A short pick shrinks the shipment; the missing units go back to be allocated again. Returns the shortfalls. */
  recordPick(shipment: ShipmentState, picked: readonly PickedLine[]): string[] {
    const shorts: string[] = [];
    for (const line of picked) {
      const planned = shipment.lines.find((candidate) => candidate.sku === line.sku)!;
      const short = planned.quantity - line.pickedQuantity;
      this.lineOf(line.sku).pickedQuantity += line.pickedQuantity;
      if (short > 0) {
        shorts.push(`${short} × ${line.sku}`);
        this.shortWarehouses.add(shipment.warehouse);
        this.lineOf(line.sku).reservedQuantity -= short;
        this.toAllocate.set(line.sku, (this.toAllocate.get(line.sku) ?? 0) + short);
        planned.quantity = line.pickedQuantity;
      }
    }
    shipment.lines = shipment.lines.filter((line) => line.quantity > 0);
    return shorts;
  }

  /** Refuses a pick confirmation for a pick list that is not open, or with lines that do not fit it. */
  validatePickConfirmation(pickListId: string, lines: readonly PickedLine[]): void {
    this.requireOpen();
    // Staff may confirm as soon as the pick list is listed, even before the workflow has heard it was created.
    const shipment = this.shipmentOfPickList(pickListId);
    const open = shipment?.status === 'allocated' || shipment?.status === 'picking';
    if (!shipment || !open || this.pickConfirmations.has(pickListId)) {
      conflict(`pick list ${pickListId} is not open for picking`);
    }
    for (const line of lines) {
      const planned = shipment.lines.find((candidate) => candidate.sku === line.sku);
      if (!planned) invalid(`${line.sku} is not on pick list ${pickListId}`);
      if (!Number.isInteger(line.pickedQuantity) || line.pickedQuantity < 0 || line.pickedQuantity > planned.quantity) {
        invalid(`${line.sku}: pickedQuantity must be a whole number from 0 to ${planned.quantity}`);
      }
    }
  }

  /** The shipment's units left the warehouse: they count as shipped, no longer reserved. */
  shipped(shipment: ShipmentState): void {
    for (const line of shipment.lines) {
      this.lineOf(line.sku).shippedQuantity += line.quantity;
      this.lineOf(line.sku).reservedQuantity -= line.quantity;
    }
  }

  /** A carrier's status for a shipment; a delivery counts the units as delivered on the order's lines. */
  carrierReported(shipment: ShipmentState, status: CarrierStatus): void {
    shipment.status = status;
    if (status === 'delivered' && !shipment.replacement) {
      for (const line of shipment.lines) this.lineOf(line.sku).deliveredQuantity += line.quantity;
    }
  }

  /** Whether more of the order is still to ship: units to allocate, or shipments not yet handed over. */
  moreToShip(): boolean {
    return (
      this.openQuantities().length > 0 ||
      this.state.shipments.some((other) => other.status === 'allocated' || other.status === 'picking')
    );
  }

  /** Units that will never ship (unavailable, expired backorder): cancelled on their lines. */
  cancelUnits(lines: readonly QuantityLine[], reason: CancelReason): void {
    for (const line of lines) {
      this.lineOf(line.sku).cancelledQuantity += line.quantity;
      this.toAllocate.set(line.sku, (this.toAllocate.get(line.sku) ?? 0) - line.quantity);
    }
    this.state.reasons = [`${reason}: ${unitsText(lines)}`];
  }

  /** After compensation: what has not shipped is cancelled, on the shipments and on the lines. */
  cancelEverythingUnshipped(): void {
    for (const shipment of this.state.shipments) if (!isWithCarrier(shipment)) shipment.status = 'cancelled';
    for (const line of this.state.lines) {
      line.reservedQuantity = 0;
      line.cancelledQuantity = line.quantity - line.shippedQuantity;
    }
    this.toAllocate.clear();
  }

  // ---- Billing -----------------------------------------------------------------------------------------------

  /** What one shipment costs: its units after what earlier bills charged, with the shipping on the first bill. */
  billFor(shipment: ShipmentState): Bill {
    const priced = this.priced!;
    const billedBefore = new Map<string, number>();
    for (const other of this.state.shipments) {
      if (other.invoiceNumber) {
        for (const line of other.lines) billedBefore.set(line.sku, (billedBefore.get(line.sku) ?? 0) + line.quantity);
      }
    }
    const charge = billFor(
      { ...priced, currency: priced.totals.currency },
      billedBefore,
      shipment.lines,
      !this.shippingBilled,
    );
    this.shippingBilled = true;
    return charge;
  }

  /** What the card is authorized for: the approved units at their prices, with shipping. */
  amountToAuthorize(): number {
    const priced = this.priced!;
    const approvedUnits = this.state.lines.map((line) => ({ sku: line.sku, quantity: line.approvedQuantity }));
    return billFor({ ...priced, currency: priced.totals.currency }, new Map(), approvedUnits, true).total;
  }

  /** The part of the card authorization that nothing has captured. */
  uncapturedAmount(): number {
    const authorization = this.state.authorization;
    if (!authorization) return 0;
    const captured = this.state.shipments.reduce((total, shipment) => total + (shipment.capturedAmount ?? 0), 0);
    return authorization.amount - captured;
  }

  /**
   * Refuses lines of units (refunds, returns) that name a SKU twice or one the order does not have, or a quantity
   * that is not a whole number above 0: applied, they would count the same unit twice or stop the order.
   */
  validateUnitLines(lines: readonly QuantityLine[]): void {
    if (lines.length === 0) invalid('give at least one line');
    const seen = new Set<string>();
    for (const line of lines) {
      if (seen.has(line.sku)) invalid(`${line.sku}: listed more than once`);
      seen.add(line.sku);
      if (!this.hasLine(line.sku)) invalid(`${line.sku} is not a line of this order`);
      if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
        invalid(`${line.sku}: quantity must be a whole number above 0`);
      }
    }
  }

  // ---- Lookups -----------------------------------------------------------------------------------------------

  hasLine(sku: string): boolean {
    return this.state.lines.some((candidate) => candidate.sku === sku);
  }

  lineOf(sku: string) {
    const line = this.state.lines.find((candidate) => candidate.sku === sku);
    if (!line) throw new Error(`order ${this.state.orderId} has no line ${sku}`);
    return line;
  }

  shipmentOf(id: string): ShipmentState {
    const shipment = this.state.shipments.find((candidate) => candidate.id === id);
    if (!shipment) throw new Error(`order ${this.state.orderId} has no shipment ${id}`);
    return shipment;
  }

  shipmentOfPickList(pickListId: string): ShipmentState | undefined {
    return this.state.shipments.find((candidate) => pickListIdFor(candidate.id) === pickListId);
  }

  findShipment(id: string): ShipmentState | undefined {
    return this.state.shipments.find((candidate) => candidate.id === id);
  }
}
