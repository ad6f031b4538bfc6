import type { CancellationScope } from '@temporalio/workflow';
import type { Compensations } from './compensations';
import type { OrderState, OrderWorkflowInput } from './messages';
import type { OrderBook } from './order-book';
import type { OrderRuntime } from './runtime';

/** What every step of one order works with: its input, its books, the Temporal mechanics and what undoes it. */
export interface OrderRun {
  readonly input: OrderWorkflowInput;
  readonly book: OrderBook;
  readonly state: OrderState;
  readonly runtime: OrderRuntime;
  readonly compensations: Compensations;
  /** Bills are made one at a time, so each knows what was billed before (see `bill`). */
  billing: Promise<unknown>;
  /** Started by the first wait for stock: when it fires, what is still missing is cancelled. */
  backorderTimer?: CancellationScope;
}
