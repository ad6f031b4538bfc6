import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { OrderWorkflowLookup } from '../db/invariants';
import { orderWorkflowId } from '../workflows/order/messages';

/**
 * The invariant checks' view of Temporal: is an order's workflow still running, and did any OMS workflow (on
 * `taskQueue`, when given) end otherwise than completing.
 */
export function orderWorkflowLookup(client: Client, scope: { taskQueue?: string } = {}): OrderWorkflowLookup {
  const onQueue = scope.taskQueue ? `TaskQueue = '${scope.taskQueue.replace(/'/g, '')}' AND ` : '';
  return {
    async statusOf(orderId) {
      try {
        return (await client.workflow.getHandle(orderWorkflowId(orderId)).describe()).status.name;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
    async abnormallyClosed() {
      const closed: { workflowId: string; type: string; status: string }[] = [];
      for await (const execution of client.workflow.list({
        query: `${onQueue}ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed'`,
      })) {
        closed.push({ workflowId: execution.workflowId, type: execution.type, status: execution.status.name });
      }
      return closed;
    },
  };
}
