import { ActivityFailure, ApplicationFailure, CancellationScope, patched, proxyActivities } from '@temporalio/workflow';
import {
  INVALID_ORDER_REQUEST,
  ORDER_STATE_CONFLICT,
  PAYMENT_PROVIDER_ERROR,
  STEP_RETRY,
  type OrderActivities,
} from '../../contract';
import type { RefundRequest } from '../order/messages';
import { REFUND_HELD_BEFORE_PROVIDER } from './patches';

// The hold (and, for refunds started before it, the credit note) refuses a refund the order's books do not allow,
// and the provider one it will not make, as non-retryable failures.
const steps = proxyActivities<OrderActivities>({ startToCloseTimeout: '30s', retry: STEP_RETRY });

export type RefundWorkflowInput = { orderId: string; refundId: string } & RefundRequest;

export interface RefundMade {
  refundId: string;
  amount: number;
  creditNote: string;
}

/** A refund refused for good, with the failure type the API answers it by (409 or 422), and nothing left behind. */
export interface RefundRefused {
  refused: { type: string; message: string };
}

/** Failures that refuse a refund rather than break it: answered to the client, not failing the workflow. */
const REFUSALS: readonly string[] = [ORDER_STATE_CONFLICT, INVALID_ORDER_REQUEST, PAYMENT_PROVIDER_ERROR];

/**
 * Refund after the order's workflow completed (workflow ID = the refund's ID, see `refundIdFor`): support may refund
 * at any time after capture. The amount and units are held first against what was charged and not yet refunded
 * (under the order's lock, counting refunds in flight), then the provider gives the money back, then the credit note
 * is issued and settles the hold. A refusal (beyond what was charged, or the provider's) leaves no hold, no refund and
 * no credit note, and is the workflow's answer rather than its failure.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundMade | RefundRefused> {
  if (!patched(REFUND_HELD_BEFORE_PROVIDER)) return creditThenRefund(input);
  let held: Awaited<ReturnType<OrderActivities['holdCompletedOrderRefund']>>;
  try {
    held = await steps.holdCompletedOrderRefund(input);
  } catch (error) {
    return refusalOf(error);
  }
  const authorizationId = held.authorizationId;
  if (authorizationId) {
    try {
      await steps.refundPayment({
        orderId: input.orderId,
        refundId: input.refundId,
        authorizationId,
        amount: held.bill.total,
        currency: held.bill.currency,
        reason: input.reason,
      });
    } catch (error) {
      // Retries end only on a final answer (or a cancellation): either way nothing was refunded, so let the hold go.
      await CancellationScope.nonCancellable(() =>
        steps.releaseRefundHold({ refundId: input.refundId, reason: failureMessage(error) }),
      );
      return refusalOf(error);
    }
  }
  const credited = await steps.creditCompletedOrder(input);
  return { refundId: input.refundId, amount: held.bill.total, creditNote: credited.creditNote };
}

/** Refunds started before REFUND_HELD_BEFORE_PROVIDER: the credit note (with its check) first, then the provider. */
async function creditThenRefund(input: RefundWorkflowInput): Promise<RefundMade> {
  const credited = await steps.creditCompletedOrder(input);
  if (credited.authorizationId) {
    await steps.refundPayment({
      orderId: input.orderId,
      refundId: input.refundId,
      authorizationId: credited.authorizationId,
      amount: credited.bill.total,
      currency: credited.bill.currency,
      reason: input.reason,
    });
  }
  return { refundId: input.refundId, amount: credited.bill.total, creditNote: credited.creditNote };
}

/** A step's final refusal as the workflow's answer; anything else (a cancellation, a bug) fails the workflow. */
function refusalOf(error: unknown): RefundRefused {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type && REFUSALS.includes(cause.type))
    return { refused: { type: cause.type, message: cause.message } };
  throw error;
}

function failureMessage(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
