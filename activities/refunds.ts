import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { unitsBySku } from '../domain/allocation';
import { creditNoteSourceKey } from '../domain/ids';
import { billFor, type Bill, type PricedLine } from '../domain/pricing';
import type { Row } from '../db/connection';
import { refundFacts } from '../domain/order-events';
import { emitOutboundFacts } from '../db/outbound';
import { issueCreditNoteIn } from './invoicing';
import {
  INVALID_ORDER_REQUEST,
  ORDER_STATE_CONFLICT,
  type CompletedOrderRefund,
  type OrderActivities,
} from '../contract';
import type { ActivityDeps } from './deps';

/**
 * Refunds of an order whose workflow has completed (its return window closed). A refund is held first
 * (`refund_holds`), under the order row's lock, against what was charged minus what is refunded: credit notes
 * issued (every refund has one) and holds still in flight, in money and in units. So concurrent refunds, of an
 * amount or of the same units, can never together exceed what was charged. The provider refunds, then the credit
 * note settles the hold; a refusal releases it.
 */
export function createRefundActivities({
  db,
}: ActivityDeps): Pick<OrderActivities, 'holdCompletedOrderRefund' | 'releaseRefundHold' | 'creditCompletedOrder'> {
  return {
    async holdCompletedOrderRefund(input) {
      const authorizationId = await authorizationOf(db, input.orderId);
      const bill = await db.transaction(async (trx) => {
        const order = await lockOrder(trx, input.orderId);
        const hold = await trx('refund_holds').where({ refund_id: input.refundId }).first('status', 'bill');
        // A retry: the hold this refund made (or the credit note that settled it) stands.
        if (hold && hold.status !== 'released') return hold.bill as Bill;
        const held = await refundableBill(trx, input, order);
        await trx('refund_holds')
          .insert({
            refund_id: input.refundId,
            order_id: input.orderId,
            amount: held.total,
            bill: JSON.stringify(held),
          })
          .onConflict('refund_id')
          .merge({
            amount: held.total,
            bill: JSON.stringify(held),
            status: 'held',
            release_reason: null,
            updated_at: trx.fn.now(),
          });
        return held;
      });
      return { bill, authorizationId };
    },

    async releaseRefundHold(input) {
      await db('refund_holds')
        .where({ refund_id: input.refundId, status: 'held' })
        .update({ status: 'released', release_reason: input.reason.slice(0, 1000), updated_at: db.fn.now() });
    },

    async creditCompletedOrder(input) {
      const authorizationId = await authorizationOf(db, input.orderId);
      // A retry after the credit note committed: answer with it, not with a bill that now counts itself as refunded.
      const issued = await creditNoteOf(db, input.refundId);
      if (issued) return { bill: billOfDocument(issued), creditNote: issued.number, authorizationId };
      return db.transaction(async (trx) => {
        const order = await lockOrder(trx, input.orderId);
        const raced = await creditNoteOf(trx, input.refundId);
        if (raced) return { bill: billOfDocument(raced), creditNote: raced.number, authorizationId };
        const hold = await trx('refund_holds').where({ refund_id: input.refundId }).first('status', 'bill');
        let bill: Bill;
        if (hold && hold.status !== 'released') {
          // Held before the provider refunded it: the credit note carries the held bill and settles the hold.
          bill = hold.bill as Bill;
          await trx('refund_holds')
            .where({ refund_id: input.refundId })
            .update({ status: 'credited', updated_at: trx.fn.now() });
        } else {
          // A refund started before holds: its credit note is its hold, checked here as it always was.
          bill = await refundableBill(trx, input, order);
        }
        const creditNote = await issueCreditNoteIn(trx, {
          orderId: input.orderId,
          refundId: input.refundId,
          bill,
          reason: input.reason,
        });
        const refund = {
          refundId: input.refundId,
          amount: bill.total,
          currency: bill.currency,
          creditNote: creditNote.number,
          reason: input.reason,
        };
        await emitOutboundFacts(trx, input.orderId, refundFacts(`refund:${input.refundId}`, refund));
        return { bill, creditNote: creditNote.number, authorizationId };
      });
    },
  };
}

interface LockedOrder {
  currency: string;
  payment_method: 'card' | 'invoice';
}

/** Locks the order's row: refunds of one order are weighed one at a time. */
async function lockOrder(trx: Knex.Transaction, orderId: string): Promise<LockedOrder> {
  const order = await trx('orders').where({ id: orderId }).forUpdate().first('currency', 'payment_method');
  if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, INVALID_ORDER_REQUEST);
  return order;
}

async function authorizationOf(db: Knex, orderId: string): Promise<string | null> {
  const authorization = await db('payment_transactions')
    .where({ order_id: orderId, kind: 'authorization', status: 'succeeded' })
    // An edit may have replaced the first authorization: the captures are on the last one.
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first('provider_reference');
  return authorization?.provider_reference ?? null;
}

const creditNoteOf = (db: Knex, refundId: string): Promise<Row | undefined> =>
  db('invoices')
    .where({ source_key: creditNoteSourceKey(refundId) })
    .first();

const billOfDocument = (document: Row): Bill => ({
  currency: document.currency,
  lines: document.lines,
  subtotal: document.subtotal,
  discount: document.discount,
  shipping: document.shipping,
  tax: document.tax,
  total: document.total,
});

/**
 * What a refund gives back, once the order is locked: shipped units at the prices they were billed (after the units
 * already refunded or held), or an amount; refused beyond what was charged and not yet refunded or held.
 */
async function refundableBill(trx: Knex.Transaction, refund: CompletedOrderRefund, order: LockedOrder): Promise<Bill> {
  const refunded = await refundedSoFar(trx, refund.orderId, refund.refundId);
  const charged =
    order.payment_method === 'invoice'
      ? await sum(trx, 'invoices', { order_id: refund.orderId, kind: 'invoice' }, 'total')
      : await sum(trx, 'payment_transactions', { order_id: refund.orderId, kind: 'capture' }, 'amount');
  if (charged === 0)
    throw ApplicationFailure.nonRetryable('nothing has been charged on this order', ORDER_STATE_CONFLICT);
  const bill = refund.lines
    ? await billForLines(trx, refund.orderId, order.currency, refund.lines, refunded.units)
    : amountBill(order.currency, refund.amount!);
  if (bill.total > charged - refunded.amount) {
    throw ApplicationFailure.nonRetryable(
      `a refund of ${bill.total} exceeds the ${charged - refunded.amount} ${order.currency} charged and not yet refunded`,
      ORDER_STATE_CONFLICT,
    );
  }
  if (bill.total <= 0) throw ApplicationFailure.nonRetryable('a refund must be more than 0', INVALID_ORDER_REQUEST);
  return bill;
}

/** An amount off the order as a whole: a goodwill adjustment without a tax breakdown. */
const amountBill = (currency: string, amount: number): Bill => ({
  currency,
  lines: [],
  subtotal: amount,
  discount: 0,
  shipping: 0,
  tax: 0,
  total: amount,
});

/**
 * Money and units refunded so far: credit notes issued (every refund has one) and holds still in flight (other than
 * `exceptRefundId`'s own), whose bills name the units they hold.
 */
async function refundedSoFar(
  trx: Knex.Transaction,
  orderId: string,
  exceptRefundId: string,
): Promise<{ amount: number; units: Map<string, number> }> {
  const [creditNotes, holds] = await Promise.all([
    trx('invoices').where({ order_id: orderId, kind: 'credit_note' }).select('total', 'lines'),
    trx('refund_holds')
      .where({ order_id: orderId, status: 'held' })
      .whereNot({ refund_id: exceptRefundId })
      .select('amount', 'bill'),
  ]);
  const bills: { total: number; lines: { sku: string; quantity: number }[] }[] = [
    ...creditNotes.map((note: Row) => ({ total: Number(note.total), lines: note.lines })),
    ...holds.map((hold: Row) => ({ total: Number(hold.amount), lines: (hold.bill as Bill).lines })),
  ];
  const units = unitsBySku(bills.flatMap((bill) => bill.lines));
  return { amount: bills.reduce((total, bill) => total + bill.total, 0), units };
}

/** Shipped units at the prices they were billed, after the units already refunded (`refundedUnits`). */
async function billForLines(
  trx: Knex.Transaction,
  orderId: string,
  currency: string,
  lines: { sku: string; quantity: number }[],
  refundedUnits: Map<string, number>,
): Promise<Bill> {
  const orderLines: Row[] = await trx('order_lines').where({ order_id: orderId });
  for (const line of lines) {
    const orderLine = orderLines.find((candidate) => candidate.sku === line.sku);
    const left = (orderLine?.shipped_quantity ?? 0) - (refundedUnits.get(line.sku) ?? 0);
    if (line.quantity > left)
      throw ApplicationFailure.nonRetryable(
        `${line.sku}: ${line.quantity} to refund but only ${left} shipped and not refunded`,
        ORDER_STATE_CONFLICT,
      );
  }
  const priced: PricedLine[] = orderLines.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: line.unit_price,
    taxCode: line.tax_code,
    taxRateBps: line.tax_rate_bps,
    subtotal: line.subtotal,
    discount: line.discount,
    tax: line.tax,
    total: line.total,
  }));
  if (priced.length === 0) throw ApplicationFailure.nonRetryable('order has no lines', INVALID_ORDER_REQUEST);
  return billFor(
    { lines: priced, shipping: { service: '', amount: 0, tax: 0 }, currency },
    refundedUnits,
    lines,
    false,
  );
}

async function sum(
  trx: Knex.Transaction,
  table: string,
  where: Record<string, unknown>,
  column: string,
): Promise<number> {
  const row = await trx(table).where(where).sum({ total: column }).first();
  return Number(row?.total ?? 0);
}
