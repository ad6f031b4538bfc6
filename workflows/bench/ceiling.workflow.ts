import {
  CancellationScope,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
// eslint-disable-next-line no-restricted-imports -- the bench's own no-op activities, not the order's
import type { CeilingActivities } from '../../scripts/bench/ceiling-activities';
import { OrderStatusKey } from '../order/search-attributes';

/**
 * One command of an order's workflow task, as its history shows it: a timer that fired is its duration in ms; one
 * the order cancelled (a delivery timeout) is started with its ID and cancelled by the task that cancelled it.
 */
export type CeilingCommand =
  'activity' | 'localActivity' | 'upsert' | number | { startTimer: string; ms: number } | { cancelTimer: string };

/**
 * An order's history as the ceiling replays it: the commands of each workflow task, in order, counted from a
 * real order of the same bench run.
 */
export type CeilingScript = CeilingCommand[][];

const { noop } = proxyActivities<CeilingActivities>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '10s' });

/**
 * The bench's ceiling (`npm run bench`): the commands an order's workflow tasks gave (activities, local
 * activities, search attribute upserts, timers), with no work behind them, so its throughput is what the Temporal
 * server and the worker allow on this machine for an order's shape. Per workflow task, local activities run in
 * turn, activities and timers start together, and the next task's commands wait for all of them. Not in the
 * production bundle: only the bench's own worker runs it.
 */
export async function ceilingWorkflow(script: CeilingScript): Promise<void> {
  const cancellable = new Map<string, CancellationScope>();
  for (const [index, task] of script.entries()) {
    const started: Promise<unknown>[] = [];
    for (const command of task) {
      if (command === 'localActivity') await local.noop();
      else if (command === 'upsert') upsertSearchAttributes([{ key: OrderStatusKey, value: `STEP-${index}` }]);
      else if (command === 'activity') started.push(noop());
      else if (typeof command === 'number') started.push(sleep(command));
      else if ('startTimer' in command) {
        const scope = new CancellationScope();
        cancellable.set(command.startTimer, scope);
        scope.run(() => sleep(command.ms)).catch(() => undefined);
      } else cancellable.get(command.cancelTimer)?.cancel();
    }
    await Promise.all(started);
  }
}
