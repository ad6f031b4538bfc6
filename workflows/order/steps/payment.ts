import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { PricedOrderResult } from '../../../contract';
import { formatMoney } from '../../../domain/money';
import { OrderStopped } from '../order-book';
import type { OrderRun } from '../order-run';
import { REAUTHORIZE_AFTER_INTERRUPT } from '../patches';
import { activities, interruptibleActivities, reaskActivities, summary } from '../runtime';
import { step } from './holds';

/**
 * AUTHORIZING: the card is authorized for the approved total (invoice terms bill each shipment instead); a
 * decline cancels the order. Undone by voiding what nothing has captured.
 */
export async function authorizePayment(run: OrderRun, priced: PricedOrderResult): Promise<void> {
  const { book, runtime, input } = run;
  const { currency } = priced.totals;
  await runtime.setStatus('AUTHORIZING', 'Authorizing payment');
  const amount = book.amountToAuthorize();
  if (input.payment.method === 'invoice') {
    await runtime.recordEvent({ type: 'payment', message: `Invoice terms: ${amount} ${currency} billed per shipment` });
    return;
  }
  // Only an edited order comes here authorized already.
  const authorized = book.state.authorization;
  if (authorized) return reauthorize(run, priced, authorized, amount);
  const authorizing = summary(`Authorize ${formatMoney(amount, currency)} on the card`);
  const request = { orderId: input.orderId, amount, currency, token: input.payment.token ?? '' };
  const result = await step(run, 'payment authorization', () =>
    runtime.neverStuck
      ? interruptible(
          run,
          () =>
            runtime.withTimeline((carried) =>
              interruptibleActivities.authorizePayment.executeWithOptions(authorizing, [{ ...request, ...carried }]),
            ),
          {
            // An attempt may have authorized although its answer never came (a lost response, a worker crash). Asking
            // again under the order's idempotency key returns that authorization (or makes one), so that the
            // cancellation's compensation voids it rather than leaving it held at the provider.
            askAgain: () => reaskActivities.authorizePayment.executeWithOptions(authorizing, [request]),
          },
        )
      : activities.authorizePayment.executeWithOptions(authorizing, [request]),
  );
  if (result.status === 'declined') {
    throw new OrderStopped('CANCELLED', 'payment_declined', [`payment declined: ${result.reason}`]);
  }
  book.state.authorization = { id: result.authorizationId, amount };
  run.compensations.add('void the payment authorization', () => releaseUncapturedAmount(run, priced));
  await runtime.recordEvent({
    type: 'payment',
    message: `Authorized ${amount} ${currency}`,
    detail: { authorizationId: result.authorizationId },
  });
  book.stopIfCancelled();
  book.stopIfEdited();
}

/**
 * After an edit: an authorization that covers the new total stays; a larger total is authorized anew under the
 * edit's own key, and the old authorization is voided once the new one holds the money (a decline cancels the order,
 * and its compensation voids the old one). The order's one compensation voids whichever is current.
 */
async function reauthorize(
  run: OrderRun,
  priced: PricedOrderResult,
  authorized: { id: string; amount: number },
  amount: number,
): Promise<void> {
  const { book, runtime, input } = run;
  const { currency } = priced.totals;
  if (amount <= authorized.amount) {
    await runtime.recordEvent({
      type: 'payment',
      message: `The ${authorized.amount} ${currency} authorized covers the edited total ${amount} ${currency}`,
    });
  } else {
    const edit = book.edits;
    const authorizing = summary(`Authorize ${formatMoney(amount, currency)} on the card for edit ${edit}`);
    const request = {
      orderId: input.orderId,
      amount,
      currency,
      token: input.payment.token ?? '',
      reauthorizationForEdit: edit,
    };
    const result = await step(run, 'payment authorization', () =>
      interruptible(run, () => interruptibleActivities.authorizePayment.executeWithOptions(authorizing, [request]), {
        askAgain: () => reaskActivities.authorizePayment.executeWithOptions(authorizing, [request]),
      }),
    );
    if (result.status === 'declined') {
      throw new OrderStopped('CANCELLED', 'payment_declined', [`payment declined: ${result.reason}`]);
    }
    await step(run, 'voiding the replaced authorization', () =>
      activities.voidAuthorization.executeWithOptions(
        summary(`Void authorization ${authorized.id}, replaced after edit ${edit}`),
        [
          {
            orderId: input.orderId,
            authorizationId: authorized.id,
            amount: authorized.amount,
            currency,
            replacedByEdit: edit,
          },
        ],
      ),
    );
    book.state.authorization = { id: result.authorizationId, amount };
    await runtime.recordEvent({
      type: 'payment',
      message: `Authorized ${amount} ${currency} for the edited order; voided the ${authorized.amount} ${currency} authorized before`,
      detail: { authorizationId: result.authorizationId, replacedAuthorizationId: authorized.id },
    });
  }
  book.stopIfCancelled();
  book.stopIfEdited();
}

/** After the last shipment (or as a compensation): the part of the authorization that will never be captured is voided. */
export async function releaseUncapturedAmount(run: OrderRun, priced: PricedOrderResult): Promise<void> {
  const { authorization } = run.book.state;
  if (!authorization) return;
  const remainder = run.book.uncapturedAmount();
  if (remainder <= 0 || authorization.voided) return;
  const { currency } = priced.totals;
  await step(run, 'voiding the authorization', () =>
    activities.voidAuthorization.executeWithOptions(
      summary(`Void the uncaptured ${formatMoney(remainder, currency)}`),
      [{ orderId: run.input.orderId, authorizationId: authorization.id, amount: remainder, currency }],
    ),
  );
  authorization.voided = true;
  await run.runtime.recordEvent({
    type: 'payment',
    message: `Voided the uncaptured ${remainder} ${currency} of the authorization`,
  });
}

/**
 * Runs a step that a cancellation may interrupt: an authorization retrying through a provider outage must not hold
 * the cancellation up until the outage ends. The activity is cancelled between attempts at once, and during one
 * when the attempt ends: an attempt that succeeded still counts, and compensation voids what it authorized.
 */
async function interruptible<Result>(
  run: OrderRun,
  call: () => Promise<Result>,
  options: { askAgain: () => Promise<Result> },
): Promise<Result> {
  const scope = new CancellationScope();
  let interrupted = false;
  run.interrupt = () => {
    interrupted = true;
    scope.cancel();
  };
  try {
    return await scope.run(call);
  } catch (error) {
    // Interrupted between attempts: a cancellation; during one: that attempt's own failure, which Temporal reports
    // instead. Either way an earlier attempt's outcome at the provider may be unknown.
    const askAgain = interrupted && (!isCancellation(error) || run.runtime.hasPatch(REAUTHORIZE_AFTER_INTERRUPT));
    if (!askAgain) {
      if (isCancellation(error)) run.book.stopIfCancelled();
      throw error;
    }
    try {
      return await options.askAgain();
    } catch {
      // The provider is still unreachable: the cancellation goes on; an authorization it made expires unused.
      run.book.stopIfCancelled();
      throw error;
    }
  } finally {
    run.interrupt = undefined;
  }
}
