import type { PricedOrderResult } from '../../../contract';
import { formatMoney } from '../../../domain/money';
import { OrderStopped } from '../order-book';
import type { OrderRun } from '../order-run';
import { activities, summary } from '../runtime';

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
  const result = await activities.authorizePayment.executeWithOptions(
    summary(`Authorize ${formatMoney(amount, currency)} on the card`),
    [{ orderId: input.orderId, amount, currency, token: input.payment.token ?? '' }],
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
}

/** After the last shipment (or as a compensation): the part of the authorization that will never be captured is voided. */
export async function releaseUncapturedAmount(run: OrderRun, priced: PricedOrderResult): Promise<void> {
  const { authorization } = run.book.state;
  if (!authorization) return;
  const remainder = run.book.uncapturedAmount();
  if (remainder <= 0 || authorization.voided) return;
  const { currency } = priced.totals;
  await activities.voidAuthorization.executeWithOptions(
    summary(`Void the uncaptured ${formatMoney(remainder, currency)}`),
    [{ orderId: run.input.orderId, authorizationId: authorization.id, amount: remainder, currency }],
  );
  authorization.voided = true;
  await run.runtime.recordEvent({
    type: 'payment',
    message: `Voided the uncaptured ${remainder} ${currency} of the authorization`,
  });
}
