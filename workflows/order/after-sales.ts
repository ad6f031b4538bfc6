import type { QuantityLine } from '../../domain/allocation';
import { billFor, type Bill } from '../../domain/pricing';
import { conflict, invalid } from '../refusals';
import type { RefundRequest, ReturnRequest } from './messages';
import type { OrderBook } from './order-book';

/**
 * Refunds and returns of one order (SPEC section 3): what may still be refunded or returned, and what is under
 * way. Part of the order's books (`OrderBook.afterSales`), plain TypeScript like them.
 */
export class AfterSales {
  /** Units refunded per SKU, and money promised to refunds still running: both count before they finish. */
  private readonly refundedUnits = new Map<string, number>();
  private refundCount = 0;
  private pendingRefundAmount = 0;
  /** Units on returns per SKU (requested), returns not yet settled, and whether returns are accepted now. */
  private readonly unitsOnReturns = new Map<string, number>();
  openReturns = 0;
  returnWindowOpen = false;

  constructor(private readonly book: OrderBook) {}

  // ---- Refunds -----------------------------------------------------------------------------------------------

  /**
   * What a refund request gives back, or why it cannot be given (SPEC section 3, refunds): an amount, or units
   * of shipped lines at the prices they were billed; never more than was charged and not yet refunded.
   */
  refundCharge(request: Pick<RefundRequest, 'amount' | 'lines'>): Bill {
    this.book.requireOpen();
    const { state, priced } = this.book;
    if (!priced) conflict('nothing has been charged yet');
    const currency = priced.totals.currency;
    if (this.charged() === 0) conflict('nothing has been charged yet: cancel the order instead');
    if ((request.amount === undefined) === (request.lines === undefined))
      invalid('give either an amount or lines to refund');
    let charge: Bill;
    if (request.lines) {
      this.book.validateUnitLines(request.lines);
      for (const line of request.lines) {
        const shipped = state.lines.find((candidate) => candidate.sku === line.sku)?.shippedQuantity ?? 0;
        const left = shipped - (this.refundedUnits.get(line.sku) ?? 0);
        if (line.quantity > left)
          conflict(`${line.sku}: ${line.quantity} to refund but only ${left} shipped and not refunded`);
      }
      charge = billFor({ ...priced, currency }, this.refundedUnits, request.lines, false);
    } else {
      // An amount off the order as a whole: a goodwill adjustment without a tax breakdown.
      const amount = request.amount!;
      charge = { currency, lines: [], subtotal: amount, discount: 0, shipping: 0, tax: 0, total: amount };
    }
    const refundable = this.refundable();
    if (charge.total > refundable) {
      conflict(`a refund of ${charge.total} exceeds the ${refundable} ${currency} charged and not yet refunded`);
    }
    if (charge.total <= 0) invalid('a refund must be more than 0');
    return charge;
  }

  /** Captured (card) or invoiced (net30) so far. */
  private charged(): number {
    const { state } = this.book;
    return state.shipments.reduce(
      (total, shipment) =>
        total + (state.authorization ? (shipment.capturedAmount ?? 0) : (shipment.invoiceTotal ?? 0)),
      0,
    );
  }

  /** Charged and neither refunded nor promised to a refund under way. */
  private refundable(): number {
    const refunded = this.book.state.refunds.reduce((total, refund) => total + refund.amount, 0);
    return this.charged() - refunded - this.pendingRefundAmount;
  }

  /**
   * What returned units are refunded: those not refunded yet, at the prices they were billed, capped at what is
   * still refundable (support may have refunded an amount already); undefined when nothing is owed.
   */
  returnRefund(lines: readonly QuantityLine[]): { charge: Bill; lines: QuantityLine[] } | undefined {
    const { priced, state } = this.book;
    if (!priced) return undefined;
    const owed = lines
      .map((line) => {
        const shipped = state.lines.find((candidate) => candidate.sku === line.sku)?.shippedQuantity ?? 0;
        return { sku: line.sku, quantity: Math.min(line.quantity, shipped - (this.refundedUnits.get(line.sku) ?? 0)) };
      })
      .filter((line) => line.quantity > 0);
    const refundable = this.refundable();
    if (owed.length === 0 || refundable <= 0) return undefined;
    const currency = priced.totals.currency;
    const billed = billFor({ ...priced, currency }, this.refundedUnits, owed, false);
    if (billed.total <= refundable) return { charge: billed, lines: owed };
    const rest = { currency, lines: [], subtotal: refundable, discount: 0, shipping: 0, tax: 0, total: refundable };
    return { charge: rest, lines: owed };
  }

  /** The refund for returned units, or undefined when nothing is owed (already refunded by support). */
  tryRefundCharge(lines: QuantityLine[]): Bill | undefined {
    try {
      return this.refundCharge({ lines });
    } catch {
      return undefined;
    }
  }

  /** A refund under way: its units and amount count as refunded from the start. */
  refundStarted(charge: Bill, lines: readonly QuantityLine[] | undefined): string {
    this.refundCount += 1;
    for (const line of lines ?? [])
      this.refundedUnits.set(line.sku, (this.refundedUnits.get(line.sku) ?? 0) + line.quantity);
    this.pendingRefundAmount += charge.total;
    return `${this.book.state.orderId}:refund:${this.refundCount}`;
  }

  /** A refund that failed gives its units back. */
  refundFailed(lines: readonly QuantityLine[] | undefined): void {
    for (const line of lines ?? []) this.refundedUnits.set(line.sku, this.refundedUnits.get(line.sku)! - line.quantity);
  }

  /** A refund that ended, either way: its amount is no longer pending. */
  refundEnded(charge: Bill): void {
    this.pendingRefundAmount -= charge.total;
  }

  // ---- Returns -----------------------------------------------------------------------------------------------

  /** Refuses a return outside the return window or of more units than shipped and not already on a return. */
  validateReturn(request: ReturnRequest): void {
    if (!this.returnWindowOpen) {
      conflict(`order is ${this.book.state.status}: returns are accepted during the return window after delivery`);
    }
    this.book.validateUnitLines(request.lines);
    for (const line of request.lines) {
      const shipped = this.book.state.lines.find((candidate) => candidate.sku === line.sku)?.shippedQuantity ?? 0;
      const returnable = shipped - (this.unitsOnReturns.get(line.sku) ?? 0);
      if (line.quantity > returnable) {
        conflict(`${line.sku}: ${line.quantity} to return but ${returnable} shipped and not already on a return`);
      }
    }
  }

  returnOpened(id: string, request: ReturnRequest): void {
    for (const line of request.lines) {
      this.unitsOnReturns.set(line.sku, (this.unitsOnReturns.get(line.sku) ?? 0) + line.quantity);
    }
    this.book.state.returns.push({ id, status: 'AWAITING_RECEIPT', resolution: request.resolution });
    this.openReturns += 1;
  }

  /**
   * The goods of a return are in: counted as returned on their lines; returns the units per SKU received. What is
   * not a line of the order counts for nothing (the return workflow refuses it; a receipt it accepted before that
   * must not stop the order).
   */
  returnReceived(id: string, received: readonly QuantityLine[]): QuantityLine[] {
    this.returnOf(id).status = 'RECEIVED';
    const units = new Map<string, number>();
    for (const line of received) {
      if (this.book.hasLine(line.sku)) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
    }
    for (const [sku, quantity] of units) this.book.lineOf(sku).returnedQuantity += quantity;
    return [...units].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));
  }

  returnOf(id: string) {
    return this.book.state.returns.find((candidate) => candidate.id === id)!;
  }
}
