import { patched, proxyActivities, sleep } from '@temporalio/workflow';
import { STEP_RETRY, type OrderActivities } from '../../contract';
import { ASK_UNANSWERED_AGAIN } from './patches';

const { resumeBackorders } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: STEP_RETRY,
});

export { restockWorkflowId } from '../../domain/ids';

/** Between offers to orders that did not answer: from `askAgainAfterMs` (default a minute), doubling to 15 minutes. */
const LONGEST_WAIT_MS = 15 * 60_000;
/** Orders still unanswered after this long are left to the next restock of the SKU (or their backorder timeout). */
const ASK_AGAIN_FOR_MS = 24 * 60 * 60_000;

/**
 * After stock arrives or is freed (a receipt, a positive adjustment, released reservations, a restocked return):
 * offers it to the orders still missing units of the SKU, highest priority first, then oldest first (SPEC section 3,
 * backorders). Durable, so a crash mid-way still resumes everyone; an order that could not answer (its workflow task
 * failing for a while) is offered what is left again later.
 */
export async function restockWorkflow(input: {
  sku: string;
  askAgainAfterMs?: number;
}): Promise<{ resumed: string[] }> {
  const resumed: string[] = [];
  let waitMs = input.askAgainAfterMs ?? 60_000;
  for (let waited = 0; ; waited += waitMs, waitMs = Math.min(waitMs * 2, LONGEST_WAIT_MS)) {
    const offer = await resumeBackorders({ sku: input.sku });
    resumed.push(...offer.resumed);
    if (!patched(ASK_UNANSWERED_AGAIN) || !offer.unanswered?.length || waited >= ASK_AGAIN_FOR_MS) return { resumed };
    await sleep(waitMs);
  }
}
