import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { checkInvariants, type InvariantReport } from '../../db/invariants';
import { orderWorkflowLookup } from '../../temporal/workflow-states';
import { ORDER_TASK_QUEUE } from '../../workflows/order/messages';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** OMS workflows (orders, returns, refunds, restocks) still running, as `id (type)`. */
export async function runningWorkflows(temporal: Client): Promise<string[]> {
  const running: string[] = [];
  try {
    for await (const execution of temporal.workflow.list({
      query: `TaskQueue = '${ORDER_TASK_QUEUE}' AND ExecutionStatus = 'Running'`,
    }))
      running.push(`${execution.workflowId} (${execution.type})`);
  } catch (error) {
    running.push(`(listing failed: ${(error as Error).message})`);
  }
  return running;
}

/**
 * The invariant checks of a settled run: every order terminal, and no OMS workflow failed, timed out or was
 * terminated. Tried a few times, since PostgreSQL may just be coming back from a restart.
 */
export async function checkSettledInvariants(
  db: Db,
  temporal: Client,
  options: { requireSettled: boolean } = { requireSettled: true },
): Promise<InvariantReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await checkInvariants(db, {
        requireSettled: options.requireSettled,
        workflows: orderWorkflowLookup(temporal, { taskQueue: ORDER_TASK_QUEUE }),
        exampleLimit: 10,
      });
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(2_000);
    }
  }
}

/** What an order waits for: its last timeline entry and its workflow's state with its pending activities. */
export async function describeStuckOrder(db: Db, temporal: Client, orderId: string): Promise<string> {
  const last = await db('order_events')
    .where({ order_id: orderId })
    .orderBy('seq', 'desc')
    .first('message')
    .catch(() => undefined);
  const described = await temporal.workflow
    .getHandle(orderId)
    .describe()
    .catch((error: Error) => ({ error }));
  const workflow =
    'error' in described
      ? `describe failed: ${described.error.message}`
      : `workflow ${described.status.name}; pending: ${
          (described.raw.pendingActivities ?? [])
            .map(
              (activity) =>
                `${activity.activityType?.name} attempt ${activity.attempt}${activity.lastFailure?.message ? ` (${activity.lastFailure.message})` : ''}`,
            )
            .join(', ') || 'no activity'
        }`;
  return `last "${(last?.message as string | undefined) ?? '-'}"; ${workflow}`;
}

/** Counts of each value, most frequent first. */
export function tallyObject(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}

/** `A 3, B 1`, most frequent first; `none` for no values. */
export function tally(values: string[]): string {
  return (
    Object.entries(tallyObject(values))
      .map(([value, n]) => `${value} ${n}`)
      .join(', ') || 'none'
  );
}
