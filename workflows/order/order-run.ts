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
  /** Whether the Temporal UI lists SKUs this order waits for (`BackorderedSkus`). */
  showsBackorderedSkus?: boolean;
  /** The hold in effect (steps/holds.ts): true once released, false when it expired while compensating. */
  hold?: Promise<boolean>;
  /** Cancels the step under way that a cancellation may interrupt (steps/payment.ts). */
  interrupt?: () => void;
  /** Set while compensations run: their failures are held by `undo`, not by the steps inside them. */
  compensating?: boolean;
}
