import { ActivityFailure, ApplicationFailure, condition, isCancellation } from '@temporalio/workflow';
import { formatDuration } from '../../../domain/duration';
import { waitLimits } from '../../../domain/order';
import { OrderStopped } from '../order-book';
import type { OrderRun } from '../order-run';

/**
 * Holds (SPEC section 3, "Holds" and "Never stuck"). An order goes ON_HOLD when support asks (it stops before its
 * next step, never inside one, or at once while it waits) or when a step fails for good: a payment, carrier or
 * tax error that retrying will not cure. Released, it goes on where it stopped and a failed step is tried again;
 * cancelled, it is compensated; not released within OMS_HOLD_TIMEOUT, it is cancelled (`hold_expired`).
 *
 * The retry policy: an activity is retried until it succeeds while its failures are retryable (outages of the
 * database, the provider, the carrier). A non-retryable failure (the activity says retrying will not cure it) holds
 * the order with the step and the failure as its reason. Orders started before holds existed (`neverStuck` off)
 * run each step bare, as they always did.
 */

/** Runs one step of the order: after any hold support asked for, and held (then tried again) if it fails for good. */
export function step<Result>(run: OrderRun, what: string, call: () => Promise<Result>): Promise<Result> {
  return run.runtime.neverStuck && !run.compensating ? stepOrHold(run, what, call) : call();
}

/**
 * Runs a step that comes after the order shipped (a return's refund): held if it fails for good, and given up
 * (undefined, noted on the timeline) if the hold expires, since a shipped order cannot be cancelled. Only for orders
 * with holds (`neverStuck`).
 */
export function stepAfterShipping<Result>(
  run: OrderRun,
  what: string,
  call: () => Promise<Result>,
): Promise<{ result: Result } | undefined> {
  return tryOrHold(run, what, call);
}

async function stepOrHold<Result>(run: OrderRun, what: string, call: () => Promise<Result>): Promise<Result> {
  for (;;) {
    await holdPoint(run);
    try {
      return await call();
    } catch (error) {
      const failure = permanentFailure(error);
      if (failure === undefined) throw error;
      await holdFor(run, `${what} failed: ${failure}`);
    }
  }
}

/** Undoes one thing during compensation: a failure for good holds the order; if the hold expires, it is left undone. */
export function undo(run: OrderRun, what: string, call: () => Promise<void>): Promise<void> {
  // Orders started before holds existed await the undo itself, as they always did (replay sees the same steps).
  if (!run.runtime.neverStuck) return call();
  return tryOrHold(run, `compensation (${what})`, call).then(() => undefined);
}

/** Holds the order while `call` fails for good; gives up (undefined, noted on the timeline) when the hold expires. */
async function tryOrHold<Result>(
  run: OrderRun,
  what: string,
  call: () => Promise<Result>,
): Promise<{ result: Result } | undefined> {
  for (;;) {
    try {
      return { result: await call() };
    } catch (error) {
      const failure = permanentFailure(error);
      if (failure === undefined) throw error;
      const released = await holdFor(run, `${what} failed: ${failure}`, { givesUp: true });
      if (!released) {
        await run.runtime.recordEvent({
          type: 'step_abandoned',
          message: `Left undone after the hold expired: ${what} (${failure})`,
        });
        return undefined;
      }
    }
  }
}

/**
 * Waits until `done`, or until `timeoutMs` passes (false), holding the order meanwhile whenever support asks; the
 * wait's own limit keeps running while it is held.
 */
export function waitUntil(run: OrderRun, done: () => boolean, timeoutMs: number): Promise<boolean>;
export function waitUntil(run: OrderRun, done: () => boolean): Promise<void>;
export function waitUntil(run: OrderRun, done: () => boolean, timeoutMs?: number): Promise<boolean | void> {
  if (!run.runtime.neverStuck) return timeoutMs === undefined ? condition(done) : condition(done, timeoutMs);
  return waitOrHold(run, done, timeoutMs);
}

async function waitOrHold(run: OrderRun, done: () => boolean, timeoutMs?: number): Promise<boolean> {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const wakes = () => done() || run.book.holdRequest !== undefined || run.hold !== undefined;
  for (;;) {
    const woken =
      deadline === undefined
        ? (await condition(wakes), true)
        : await condition(wakes, Math.max(1, deadline - Date.now()));
    if (done()) return true;
    if (!woken) return false;
    const waiting = run.runtime.currentWait();
    await holdPoint(run);
    if (waiting) run.runtime.waitFor(waiting.what, waiting.details);
  }
}

/** Holds the order here if support asked for a hold (or another coroutine of the order is holding it). */
function holdPoint(run: OrderRun): Promise<unknown> {
  if (run.hold) return run.hold;
  if (run.book.holdRequest) return holdFor(run, run.book.holdRequest.reason);
  return Promise.resolve();
}

/**
 * Puts the order ON_HOLD with `reason` until support releases it (true) or the hold expires: the order is then
 * cancelled (`hold_expired`), or, with `givesUp` (compensating, or after it shipped), the hold ends (false). A
 * cancellation while held stops the order. Every coroutine of the order that reaches a hold point meanwhile waits
 * on the same hold.
 */
function holdFor(run: OrderRun, reason: string, options: { givesUp?: boolean } = {}): Promise<boolean> {
  run.hold ??= holdUntilReleased(run, reason, options).finally(() => (run.hold = undefined));
  return run.hold;
}

async function holdUntilReleased(run: OrderRun, reason: string, options: { givesUp?: boolean }): Promise<boolean> {
  const { book, runtime, state } = run;
  const { holdTimeoutMs } = waitLimits(run.input.settings);
  await runtime.setStatus('ON_HOLD', `On hold: ${reason}`, { holdReason: reason, heldFrom: state.status });
  const ending = options.givesUp ? 'left undone' : 'cancelled';
  runtime.waitFor('release', `On hold (${reason}); ${ending} unless released within ${formatDuration(holdTimeoutMs)}`);
  const stop = () => book.cancelRequest !== undefined && !options.givesUp;
  const released = await condition(() => book.releaseRequested || stop(), holdTimeoutMs);
  book.holdRequest = undefined;
  book.releaseRequested = false;
  if (!options.givesUp) {
    book.stopIfCancelled();
    if (!released) {
      throw new OrderStopped('CANCELLED', 'hold_expired', [
        `not released within ${formatDuration(holdTimeoutMs)}: ${reason}`,
      ]);
    }
  }
  // Back to where it stopped, or to where another shipment of the order moved it meanwhile (see setStatus).
  await runtime.setStatus(state.heldFrom!, released ? `Released from hold (${reason})` : `Hold expired (${reason})`, {
    release: true,
  });
  return released;
}

/**
 * The message of a failure retrying will not cure (an activity's non-retryable failure), else undefined. An activity's
 * failure comes wrapped in an `ActivityFailure`; a local activity's comes bare (SDK 1.24), so a database step that
 * failed for good failed the whole workflow instead of holding the order.
 */
export function permanentFailure(error: unknown): string | undefined {
  if (isCancellation(error)) return undefined;
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && cause.nonRetryable) return cause.message;
  return undefined;
}
