import type { QuantityLine } from '../../../domain/allocation';
import type { RefundDetail } from '../../../domain/order-events';
import { formatMoney } from '../../../domain/money';
import type { Bill } from '../../../domain/pricing';
import type { OrderRun } from '../order-run';
import { activities, summary } from '../runtime';
import { stepAfterShipping } from './holds';

export interface RefundMade {
  refundId: string;
  amount: number;
  creditNote: string;
}

/**
 * Money back (card) and its credit note. The amount and units count as refunded from the start, so a second
 * refund while this one runs cannot exceed what was charged; they are given back if it fails. Numbered
 * (`<orderId>:refund:<n>`) unless named by the request's Idempotency-Key. A refund support asked for fails with
 * the step's failure (the request is answered with it); a return's refund (`afterShipping`) holds the order when a
 * step fails for good, and fails with `RefundAbandoned` if that hold expires.
 */
export async function performRefund(
  run: OrderRun,
  charge: Bill,
  reason: string,
  options: { lines?: QuantityLine[]; namedId?: string; afterShipping?: boolean } = {},
): Promise<RefundMade> {
  const { runtime, state } = run;
  const { afterSales } = run.book;
  const { lines } = options;
  const numberedId = afterSales.refundStarted(charge, lines);
  const refundId = options.namedId ?? numberedId;
  const amount = formatMoney(charge.total, charge.currency);
  const attempt = <Result>(what: string, call: () => Promise<Result>): Promise<Result> =>
    options.afterShipping && runtime.neverStuck ? orAbandoned(stepAfterShipping(run, what, call), what) : call();
  try {
    if (state.authorization) {
      const refunding = {
        orderId: run.input.orderId,
        refundId,
        authorizationId: state.authorization.id,
        amount: charge.total,
        currency: charge.currency,
        reason,
      };
      await attempt('refund to the card', () =>
        activities.refundPayment.executeWithOptions(summary(`Refund ${amount} to the card`), [refunding]),
      );
    }
    const creditNote = await attempt('credit note', () =>
      activities.issueCreditNote.executeWithOptions(summary(`Credit note for ${amount}`), [
        { orderId: run.input.orderId, refundId, bill: charge, reason },
      ]),
    );
    state.refunds.push({ id: refundId, amount: charge.total, creditNote: creditNote.number, reason });
    const refunded: RefundDetail = {
      refundId,
      amount: charge.total,
      currency: charge.currency,
      creditNote: creditNote.number,
      reason,
    };
    await runtime.recordEvent({
      type: 'refund',
      message: `Refunded ${charge.total} ${charge.currency} (${reason}); credit note ${creditNote.number}`,
      detail: { ...refunded },
    });
    return { refundId, amount: charge.total, creditNote: creditNote.number };
  } catch (error) {
    afterSales.refundFailed(lines);
    throw error;
  } finally {
    afterSales.refundEnded(charge);
  }
}

/** A return's refund that failed for good and whose hold expired: the return is closed without it. */
export class RefundAbandoned extends Error {}

async function orAbandoned<Result>(attempt: Promise<{ result: Result } | undefined>, what: string): Promise<Result> {
  const done = await attempt;
  if (!done) throw new RefundAbandoned(`${what} was left undone`);
  return done.result;
}
