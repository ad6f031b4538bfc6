import { proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { RefundRequest } from '../order/messages';

const steps = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: ['OrderStateConflict', 'InvalidOrderRequest'],
  },
});

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
