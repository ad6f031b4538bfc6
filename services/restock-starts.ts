import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  countFailedRestockStart,
  forgetRestock,
  overdueRestocks,
  pendingRestocks,
  type RestockRun,
} from '../db/backorders';
import type { Db } from '../db/connection';
import { errorSummary, type Logger } from '../observability/logger';

export type { RestockRun } from '../db/backorders';

export interface RestockStarts {
  /**
   * Starts the runs whose requests (`requestRestock`, db/backorders.ts) are committed and still pending. Never throws:
   * a start that fails stays requested for the sweeper.
   */
  start(workflowIds: readonly string[]): Promise<void>;
  /** Starts every run requested more than `olderThanMs` ago and not started yet; answers how many started. */
  sweep(olderThanMs?: number): Promise<number>;
  /** Sweeps every `intervalMs` until stopped. */
  runSweeper(intervalMs?: number): { stop(): Promise<void> };
}

/**
 * Starting restock runs apart from the stock movements that call for them (a transactional outbox, as
 * services/order-starts.ts is for orders): the movement and the run's start request commit together, so a receipt
 * whose restock start fails (Temporal unreachable, the process stopped in between) still answers 2xx and the sweeper
 * starts the run later. A run's workflow ID names its movement and a second start is refused, so starting it twice
 * (the caller and the sweeper, or two processes) is harmless.
 */
export function createRestockStarts(deps: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}): RestockStarts {
  async function startOne(run: RestockRun): Promise<boolean> {
    try {
      await deps.temporal.workflow.start('restockWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: run.workflowId,
        args: [{ sku: run.sku }],
        // One run per movement, ever: a request found again after its run finished starts nothing.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
        deps.logger.warn(
          { workflowId: run.workflowId, sku: run.sku, err: errorSummary(error) },
          'restock run not started yet; the sweeper retries',
        );
        await countFailedRestockStart(deps.db, run.workflowId, error).catch(() => undefined);
        return false;
      }
    }
    // A request left behind (this delete failed) only makes the sweeper try a start that Temporal refuses.
    await forgetRestock(deps.db, run.workflowId).catch(() => undefined);
    return true;
  }

  async function startAll(runs: readonly RestockRun[]): Promise<number> {
    const started = await Promise.all(runs.map(startOne));
    return started.filter(Boolean).length;
  }

  const starts: RestockStarts = {
    async start(workflowIds) {
      try {
        await startAll(await pendingRestocks(deps.db, workflowIds));
      } catch (error) {
        deps.logger.warn({ err: errorSummary(error) }, 'restock runs not started yet; the sweeper retries');
      }
    },
    async sweep(olderThanMs = 10_000) {
      return startAll(await overdueRestocks(deps.db, olderThanMs));
    },
    runSweeper(intervalMs = 5_000) {
      let sweeping: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        sweeping = sweeping
          .then(() => starts.sweep())
          .catch((error: unknown) => deps.logger.warn({ err: errorSummary(error) }, 'sweeping restock runs failed'));
      }, intervalMs);
      timer.unref();
      return {
        async stop() {
          clearInterval(timer);
          await sweeping;
        },
      };
    },
  };
  return starts;
}
