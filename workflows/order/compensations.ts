import type { OrderRun } from './order-run';
import { releaseUnknownShipments, stopShowingBackorderedSkus } from './steps/allocation';
import { undo } from './steps/holds';

interface Compensation {
  description: string;
  undo: () => Promise<void>;
}

/**
 * What undoes the steps an order has taken, added by each step as it succeeds (beside the step, in `steps/`).
 * The policy: when an order stops (cancelled, rejected, payment declined), every undo runs, newest first, each
 * noted on the timeline as it completes. An undo is an activity retried until it succeeds; one that fails for good
 * holds the order (support releases it to try again), and is left undone, noted on the timeline, if the hold
 * expires: the order is never left half-compensated without a word. (Orders started before holds existed stop
 * at such an undo, their workflow failing.)
 */
export class Compensations {
  private readonly undos: Compensation[] = [];

  add(description: string, undo: () => Promise<void>): void {
    this.undos.push({ description, undo });
  }

  /** Forgets an undo whose step was undone already (an edit released the stock it reserved). */
  drop(description: string): void {
    const index = this.undos.findIndex((undo) => undo.description === description);
    if (index >= 0) this.undos.splice(index, 1);
  }

  newestFirst(): Compensation[] {
    return [...this.undos].reverse();
  }
}

/** Undoes what the order did, then cancels what has not shipped (see `Compensations` for the policy). */
export async function compensate(run: OrderRun): Promise<void> {
  run.compensating = true;
  if (run.runtime.neverStuck) stopShowingBackorderedSkus(run);
  for (const compensation of run.compensations.newestFirst()) {
    await undo(run, compensation.description, compensation.undo);
    await run.runtime.recordEvent({ type: 'compensated', message: `Compensation: ${compensation.description}` });
  }
  await undo(run, 'release stock of unknown shipments', () => releaseUnknownShipments(run));
  run.book.cancelEverythingUnshipped();
  run.compensating = false;
}
