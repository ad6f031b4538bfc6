import { proxyActivities } from '@temporalio/workflow';
import { STEP_RETRY, type OrderActivities } from '../../contract';
import type { RefundRequest } from '../order/messages';

// The credit note step refuses a refund the order's books do not allow, as a non-retryable failure.
const steps = proxyActivities<OrderActivities>({ startToCloseTimeout: '30s', retry: STEP_RETRY });

/**
 * Refund after the order's workflow completed (workflow ID = the refund's ID, see `refundIdFor`) (support may refund at any time after capture): the credit note
 * first (it also holds the amount against what was charged), then the money back through the provider.
 */
export async function refundWorkflow(
  input: { orderId: string; refundId: string } & RefundRequest,
): Promise<{ refundId: string; amount: number; creditNote: string }> {
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
