import { proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { RefundRequest } from '../order/messages';

const steps = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['OrderStateConflict', 'InvalidOrderRequest'] },
});

/** A refund of an order whose own workflow has completed: ID `<orderId>/refund-<code>`, also the refund's ID. */
export const completedOrderRefundId = (orderId: string, code: string) => `${orderId}/refund-${code}`;

/**
 * Refund after the order's workflow completed (support may refund at any time after capture): the credit note
 * first (it also holds the amount against what was charged), then the money back through the provider.
 */
export async function refundWorkflow(input: { orderId: string; refundId: string } & RefundRequest): Promise<{ refundId: string; amount: number; creditNote: string }> {
  const credited = await steps.creditCompletedOrder(input);
  if (credited.authorizationId) {
    await steps.refundPayment({ orderId: input.orderId, refundId: input.refundId, authorizationId: credited.authorizationId, amount: credited.bill.total, currency: credited.bill.currency, reason: input.reason });
  }
  return { refundId: input.refundId, amount: credited.bill.total, creditNote: credited.creditNote };
}
