import type { PricedOrderResult } from '../../../contract';
import { toMajorUnits } from '../../../domain/money';
import { riskHoldReason } from '../../../domain/risk';
import { OrderStopped } from '../order-book';
import type { OrderRun } from '../order-run';
import { activities, summary } from '../runtime';
import { OrderTotalKey } from '../search-attributes';
import { step } from './holds';

/**
 * PENDING: the order checked against master data as it is now and priced; an invalid order is rejected with
 * every reason, a risky one held (domain/risk.ts). Undone by giving the promotion use back, unless something has
 * shipped.
 */
export async function validateAndPrice(run: OrderRun): Promise<PricedOrderResult> {
  const { book, runtime } = run;
  const { orderId, settings } = run.input;
  const result = await step(run, 'pricing', () =>
    runtime.quickStep((proxy) =>
      proxy.validateAndPriceOrder.executeWithOptions(summary(`Validate ${orderId} against master data and price it`), [
        { orderId },
      ]),
    ),
  );
  if (!result.valid) throw new OrderStopped('REJECTED', 'invalid', result.reasons);
  // Priced again after an edit: the promotion use is the same one, given back once.
  const firstPricing = book.priced === undefined;
  book.recordPricing(result);
  if (firstPricing) {
    run.compensations.add('give back the promotion use', async () => {
      if (!book.anythingShipped()) {
        await activities.releasePromotion.executeWithOptions(summary('Give the promotion use back'), [{ orderId }]);
      }
    });
  }
  runtime.upsert([{ key: OrderTotalKey, value: toMajorUnits(result.totals.total, result.totals.currency) }]);
  await runtime.recordEvent({
    type: 'priced',
    message: `Priced: total ${result.totals.total} ${result.totals.currency}`,
    detail: { totals: result.totals, promisedDeliveryDate: result.promisedDeliveryDate },
  });
  const rules = runtime.actorsAndRiskHolds ? settings.riskRules : undefined;
  const riskReason =
    rules && result.risk
      ? riskHoldReason({ ...result.risk, total: result.totals.total, currency: result.totals.currency }, rules)
      : undefined;
  // Held before its next step, like support's hold: support releases (or cancels) it.
  if (riskReason) book.holdRequest ??= { reason: riskReason };
  book.stopIfCancelled();
  book.stopIfEdited();
  return result;
}
