import { proxyActivities } from '@temporalio/workflow';
import { STEP_RETRY, type OrderActivities } from '../../contract';

const { resumeBackorders } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: STEP_RETRY,
});

export { restockWorkflowId } from '../../domain/ids';

/**
 * After stock arrives or is freed (a receipt, a positive adjustment, released reservations, a restocked return):
 * offers it to the orders still missing units of the SKU, highest priority first, then oldest first (SPEC section 3,
 * backorders). Durable, so a crash mid-way still resumes everyone.
 */
export async function restockWorkflow(input: { sku: string }): Promise<{ resumed: string[] }> {
  return resumeBackorders(input);
}
