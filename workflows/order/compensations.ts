import type { OrderRun } from './order-run';
import { releaseUnknownShipments } from './steps/allocation';

interface Compensation {
  description: string;
  undo: () => Promise<void>;
}

/**
 * What undoes the steps an order has taken, added by each step as it succeeds (beside the step, in `steps/`).
 * The policy: when an order stops (cancelled, rejected, payment declined), every undo runs, newest first, each
 * noted on the timeline as it completes. An undo is an activity retried until it succeeds; one that fails for good
 * stops the compensation there and fails the order's workflow.
 */
export class Compensations {
  private readonly undos: Compensation[] = [];

  add(description: string, undo: () => Promise<void>): void {
    this.undos.push({ description, undo });
  }

  newestFirst(): Compensation[] {
    return [...this.undos].reverse();
  }
}

/** Undoes what the order did, then cancels what has not shipped (see `Compensations` for the policy). */
export async function compensate(run: OrderRun): Promise<void> {
  for (const compensation of run.compensations.newestFirst()) {
    await compensation.undo();
    await run.runtime.recordEvent({ type: 'compensated', message: `Compensation: ${compensation.description}` });
  }
  await releaseUnknownShipments(run);
  run.book.cancelEverythingUnshipped();
}
