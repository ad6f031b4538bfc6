import { proxyActivities } from '@temporalio/workflow';
import { STEP_RETRY, type OrderActivities } from '../../contract';

const { resumeBackorders } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: STEP_RETRY,
});

/** Workflow ID of the restock run that follows one stock receipt (one per ledger movement). */
export const restockWorkflowId = (movementKey: string) => `restock/${movementKey}`;

/**
 * After a stock receipt: offers the new stock to the orders waiting for the SKU, highest priority first,
 * then oldest first (SPEC section 3, backorders). Durable, so a crash mid-way still resumes everyone.
 */
export async function restockWorkflow(input: { sku: string }): Promise<{ resumed: string[] }> {
  return resumeBackorders(input);
}
