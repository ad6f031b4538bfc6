import type { PricedOrderResult } from '../../../contract';
import type { EditRequest } from '../messages';
import { OrderEdited, unitsText } from '../order-book';
import type { OrderRun } from '../order-run';
import { activities, summary } from '../runtime';
import { OrderPriorityKey } from '../search-attributes';
import { fulfilApprovedQuantities, stopShowingBackorderedSkus } from './allocation';
import { obtainApproval } from './approval';
import { step } from './holds';
import { authorizePayment } from './payment';
import { validateAndPrice } from './pricing';

/**
 * The pipeline up to the last shipment, for orders that take edits (SPEC section 3, Edits). An edit accepted before
 * picking interrupts it where it waits or between steps (`stopIfEdited`): the edit is applied and the order is
 * priced, approved, authorized and allocated again. Returns the pricing the order ships with.
 */
export async function priceApproveAndFulfil(run: OrderRun): Promise<PricedOrderResult> {
  for (;;) {
    try {
      const priced = await validateAndPrice(run);
      await obtainApproval(run, priced);
      await authorizePayment(run, priced);
      await fulfilApprovedQuantities(run, priced);
      return priced;
    } catch (error) {
      if (!(error instanceof OrderEdited)) throw error;
      await applyEdit(run);
    }
  }
}

/**
 * Applies the accepted edit before the order is priced again: the stock the earlier allocation reserved goes back
 * (nothing was picked), the backorder wait ends, and the new lines, address and expedite are written to the order,
 * which pricing reads. The authorization stays until the new total is known (steps/payment.ts).
 */
async function applyEdit(run: OrderRun): Promise<void> {
  const { book, runtime, state } = run;
  const { orderId } = run.input;
  const request = book.editRequest!;
  book.editRequest = undefined;
  const edit = book.edits;
  for (const shipment of state.shipments.filter((candidate) => candidate.status === 'allocated')) {
    await step(run, 'allocation', () =>
      activities.releaseReservations.executeWithOptions(
        summary(`Release the stock reserved for ${shipment.id}: edit ${edit} changes the order`),
        [{ orderId, shipmentId: shipment.id }],
      ),
    );
    book.releasedForEdit(shipment);
    // Released once here, never again by a later cancellation.
    run.compensations.drop(`release stock reserved for ${shipment.id}`);
  }
  run.backorderTimer?.cancel();
  run.backorderTimer = undefined;
  stopShowingBackorderedSkus(run);
  book.resetForEdit();
  const { priority } = await step(run, 'edit', () =>
    runtime.databaseStep((proxy) =>
      proxy.applyOrderEdit.executeWithOptions(summary(`Write edit ${edit} to ${orderId}: ${describeEdit(request)}`), [
        { orderId, edit, ...request },
      ]),
    ),
  );
  if (request.shippingAddress) book.shippingAddress = request.shippingAddress;
  if (priority !== (book.priority ?? run.input.priority)) {
    book.priority = priority;
    runtime.upsert([{ key: OrderPriorityKey, value: priority }]);
  }
  await runtime.recordEvent({
    type: 'edited',
    message: `Edited: ${describeEdit(request)}`,
    detail: { edit, ...request, priority },
  });
}

/** What an edit changes, for the timeline (the address by its city, no personal data in Temporal summaries). */
export function describeEdit(request: EditRequest): string {
  const changes: string[] = [];
  if (request.lines) changes.push(`lines ${unitsText(request.lines)}`);
  if (request.shippingAddress) {
    const { city, region, country } = request.shippingAddress;
    changes.push(`shipping address in ${[city, region, country].join(', ')}`);
  }
  if (request.expedite !== undefined) changes.push(request.expedite ? 'expedited' : 'not expedited');
  return changes.join('; ');
}
