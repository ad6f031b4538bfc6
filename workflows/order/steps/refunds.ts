import type { QuantityLine } from '../../../domain/allocation';
import { formatMoney } from '../../../domain/money';
import type { Bill } from '../../../domain/pricing';
import type { OrderRun } from '../order-run';
import { activities, summary } from '../runtime';

export interface RefundMade {
  refundId: string;
  amount: number;
  creditNote: string;
}

/**
 * Money back (card) and its credit note. The amount and units count as refunded from the start, so a second
 * refund while this one runs cannot exceed what was charged; they are given back if it fails. Numbered
 * (`<orderId>:refund:<n>`) unless named by the request's Idempotency-Key.
 */
export async function performRefund(
  run: OrderRun,
  charge: Bill,
  reason: string,
  lines?: QuantityLine[],
  namedId?: string,
): Promise<RefundMade> {
  const { runtime, state } = run;
  const { afterSales } = run.book;
  const numberedId = afterSales.refundStarted(charge, lines);
  const refundId = namedId ?? numberedId;
  const amount = formatMoney(charge.total, charge.currency);
  try {
    if (state.authorization) {
      await activities.refundPayment.executeWithOptions(summary(`Refund ${amount} to the card`), [
        {
          orderId: run.input.orderId,
          refundId,
          authorizationId: state.authorization.id,
          amount: charge.total,
          currency: charge.currency,
          reason,
        },
      ]);
    }
    const creditNote = await activities.issueCreditNote.executeWithOptions(summary(`Credit note for ${amount}`), [
      { orderId: run.input.orderId, refundId, bill: charge, reason },
    ]);
    state.refunds.push({ id: refundId, amount: charge.total, creditNote: creditNote.number, reason });
    await runtime.recordEvent({
      type: 'refund',
      message: `Refunded ${charge.total} ${charge.currency} (${reason}); credit note ${creditNote.number}`,
    });
    return { refundId, amount: charge.total, creditNote: creditNote.number };
  } catch (error) {
    afterSales.refundFailed(lines);
    throw error;
  } finally {
    afterSales.refundEnded(charge);
  }
}
