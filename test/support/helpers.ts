import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
export { freePort } from '../../tools/free-port';

/** Reads until `accept` says yes or the time is up; returns the last value read either way. */
export async function eventually<T>(
  read: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/**
 * Waits until a workflow has an Update (admitted): sent and held by Temporal until the workflow's next task. A step
 * that runs inside a workflow task (a local activity) holds the Updates sent meanwhile until it ends.
 */
export async function updateAdmitted(
  client: Pick<Client, 'workflowService' | 'options'>,
  workflowId: string,
  updateId: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.workflowService.pollWorkflowExecutionUpdate({
        namespace: client.options.namespace,
        updateRef: { workflowExecution: { workflowId }, updateId },
        waitPolicy: {
          lifecycleStage:
            temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
              .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED,
        },
      });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no Update ${updateId} admitted by ${workflowId}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
