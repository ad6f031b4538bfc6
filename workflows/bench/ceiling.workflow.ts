import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { CeilingActivities } from '../../scripts/bench/ceiling-activities';

/** The shape of one order's history, counted from a real order in the same bench run. */
export interface CeilingShape {
  activities: number;
  localActivities: number;
  /** Each timer's duration as the order started it. */
  timerMs: number[];
}

const { noop } = proxyActivities<CeilingActivities>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '10s' });

/**
 * The bench's ceiling (`npm run bench`): as many activities, local activities and timers as an order, doing
 * nothing, so its throughput is what the Temporal server and worker allow on this machine. Activities and local
 * activities alternate one after the other as the order's steps and timeline writes do; the timers come last.
 * Not part of the production bundle: only the bench's own worker runs it.
 */
export async function ceilingWorkflow(shape: CeilingShape): Promise<void> {
  for (let step = 0; step < Math.max(shape.activities, shape.localActivities); step++) {
    if (step < shape.activities) await noop();
    if (step < shape.localActivities) await local.noop();
  }
  for (const ms of shape.timerMs) await sleep(ms);
}
