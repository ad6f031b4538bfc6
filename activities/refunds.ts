import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { creditNoteSourceKey } from '../domain/ids';
import { billFor, type Bill, type PricedLine } from '../domain/pricing';
import type { Row } from '../db/connection';
import { creditNoteFor } from './invoicing';
import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT, type OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

/**
 * Refunds of an order whose workflow has completed (its return window closed). Every refund has a credit
 * note, so credit notes are the record of what was refunded: the order row is locked while the new one is
 * weighed against what was charged, so concurrent refunds can never exceed it.
 */
export function createRefundActivities({ db }: ActivityDeps): Pick<OrderActivities, 'creditCompletedOrder'> {
  return {
    async creditCompletedOrder(input) {
      const order = await db('orders').where({ id: input.orderId }).first('currency', 'payment_method');
      const authorization = await db('payment_transactions')
        .where({ order_id: input.orderId, kind: 'authorization', status: 'succeeded' })
        .first('provider_reference');
      const authorizationId: string | null = authorization?.provider_reference ?? null;
      // A retry after the credit note committed: answer with it, not with a bill that now counts itself as refunded.
      const issued = await db('invoices')
        .where({ source_key: creditNoteSourceKey(input.refundId) })
        .first();
      if (issued) {
        const bill: Bill = {
          currency: issued.currency,
          lines: issued.lines,
          subtotal: issued.subtotal,
          discount: issued.discount,
          shipping: issued.shipping,
          tax: issued.tax,
          total: issued.total,
        };
        return { bill, creditNote: issued.number, authorizationId };
      }
      const bill = input.lines
        ? await billForLines(db, input.orderId, order.currency, input.lines)
        : {
            currency: order.currency,
            lines: [],
            subtotal: input.amount!,
            discount: 0,
            shipping: 0,
            tax: 0,
            total: input.amount!,
          };
      const creditNote = await creditNoteFor(
        db,
        { orderId: input.orderId, refundId: input.refundId, bill, reason: input.reason },
        async (trx) => {
          await trx('orders').where({ id: input.orderId }).forUpdate().first('id');
          const charged =
            order.payment_method === 'invoice'
              ? await sum(trx, 'invoices', { order_id: input.orderId, kind: 'invoice' }, 'total')
              : await sum(trx, 'payment_transactions', { order_id: input.orderId, kind: 'capture' }, 'amount');
          const refunded = await sum(trx, 'invoices', { order_id: input.orderId, kind: 'credit_note' }, 'total');
          if (charged === 0)
            throw ApplicationFailure.nonRetryable('nothing has been charged on this order', ORDER_STATE_CONFLICT);
          if (bill.total > charged - refunded) {
            throw ApplicationFailure.nonRetryable(
              `a refund of ${bill.total} exceeds the ${charged - refunded} ${order.currency} charged and not yet refunded`,
              ORDER_STATE_CONFLICT,
            );
          }
        },
      );
      return { bill, creditNote: creditNote.number, authorizationId };
    },
  };
}

/** Shipped units at the prices they were billed, after the units already credited. */
async function billForLines(
  db: Knex,
  orderId: string,
  currency: string,
  lines: { sku: string; quantity: number }[],
): Promise<Bill> {
  const orderLines: Row[] = await db('order_lines').where({ order_id: orderId });
  const credited = new Map<string, number>();
  for (const note of await db('invoices').where({ order_id: orderId, kind: 'credit_note' }).pluck('lines')) {
    for (const line of note as { sku: string; quantity: number }[])
      credited.set(line.sku, (credited.get(line.sku) ?? 0) + line.quantity);
  }
  for (const line of lines) {
    const orderLine = orderLines.find((candidate) => candidate.sku === line.sku);
    const left = (orderLine?.shipped_quantity ?? 0) - (credited.get(line.sku) ?? 0);
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
  return billFor({ lines: priced, shipping: { service: '', amount: 0, tax: 0 }, currency }, credited, lines, false);
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
