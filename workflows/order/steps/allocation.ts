import { CancellationScope, isCancellation, setCurrentDetails, sleep } from '@temporalio/workflow';
import type { AllocatedShipment, PricedOrderResult } from '../../../contract';
import type { QuantityLine } from '../../../domain/allocation';
import { formatDuration } from '../../../domain/duration';
import type { CancelReason } from '../../../domain/order';
import { OrderStopped, unitsText } from '../order-book';
import type { OrderRun } from '../order-run';
import { RELEASE_UNKNOWN_SHIPMENTS } from '../patches';
import { activities, summary } from '../runtime';
import { BackorderedSkusKey } from '../search-attributes';
import { fulfil } from './fulfilment';
import { step, waitUntil } from './holds';

/**
 * Allocation rounds until every approved unit is shipped or cancelled: reserve what the backorder policy allows,
 * fulfil those shipments, and wait for stock (receipts and support resume a waiting order) for the rest. Nothing
 * shipped at the end cancels the order.
 */
export async function fulfilApprovedQuantities(run: OrderRun, priced: PricedOrderResult): Promise<void> {
  const { book, runtime, input } = run;
  for (;;) {
    const wanted = book.openQuantities();
    if (wanted.length === 0) break;
    book.allocationRound += 1;
    const allocation = {
      orderId: input.orderId,
      round: book.allocationRound,
      lines: wanted,
      destination: book.shippingAddress ?? input.shippingAddress,
      allOrNothing: input.backorderPolicy === 'wait_all',
      excludeWarehouses: [...book.shortWarehouses],
    };
    const reserving = summary(`Reserve ${unitsText(wanted)} (round ${book.allocationRound}, ${input.backorderPolicy})`);
    const result = await step(run, 'allocation', () =>
      runtime.databaseStep((proxy) => proxy.allocateStock.executeWithOptions(reserving, [allocation])),
    );
    book.allocationAttempts += 1;
    for (const shipment of result.shipments) reserved(run, shipment);
    if (result.shipments.length > 0 && !book.anythingShipped()) {
      const where = result.shipments.map((shipment) => `${shipment.warehouse} (${shipment.id})`).join(', ');
      await runtime.setStatus('ALLOCATED', `Reserved in ${where}`);
    }
    book.stopIfCancelled();
    // An edit accepted before this point gives these shipments back (steps/edits.ts); from here they go to picking.
    book.stopIfEdited();
    if (result.shipments.length > 0) {
      book.pickingStarted = true;
      book.settleEdits();
    }
    if (result.unallocated.length > 0 && input.backorderPolicy === 'cancel_unavailable') {
      await cancelUnits(run, result.unallocated, 'unavailable');
    }
    // Every shipment runs to a safe point (shipped and billed, or stopped) before a failure or a
    // cancellation is acted on, so compensation never races a shipment still being handed over.
    const outcomes = await Promise.allSettled(result.shipments.map((shipment) => fulfil(run, priced, shipment)));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    if (book.openQuantities().length > 0 && result.unallocated.length > 0) await awaitStock(run);
  }
  run.backorderTimer?.cancel();
  if (!book.anythingShipped()) {
    const reasons = book.state.reasons.length ? book.state.reasons : ['nothing could be shipped'];
    throw new OrderStopped('CANCELLED', book.backorderExpired ? 'backorder_expired' : 'unavailable', reasons);
  }
  // A wait for stock can end one way in a workflow task that dies (a resume, then a local allocation) and another
  // in its retry (the backorder expired): the dead task's reservations must not outlive the order's need.
  if (run.backorderTimer) await releaseUnknownShipments(run);
}

/** A shipment's stock is reserved; undone by releasing it. */
function reserved(run: OrderRun, shipment: AllocatedShipment): void {
  run.book.allocated(shipment);
  run.compensations.add(`release stock reserved for ${shipment.id}`, () =>
    activities.releaseReservations.executeWithOptions(summary(`Release the stock reserved for ${shipment.id}`), [
      { orderId: run.input.orderId, shipmentId: shipment.id },
    ]),
  );
}

/** Waits for a receipt or support to resume allocation, or for OMS_BACKORDER_TIMEOUT to cancel what is missing. */
async function awaitStock(run: OrderRun): Promise<void> {
  const { book, runtime, state } = run;
  const { backorderTimeoutMs } = run.input.settings;
  const skus = book.openQuantities().map((line) => line.sku);
  run.runtime.upsert([{ key: BackorderedSkusKey, value: skus }]);
  run.showsBackorderedSkus = true;
  if (!book.anythingShipped()) {
    if (state.status !== 'BACKORDERED') {
      await runtime.setStatus('BACKORDERED', `Waiting for stock of ${skus.join(', ')}`, { detail: { skus } });
    }
  } else if (state.status !== 'PARTIALLY_SHIPPED') {
    await runtime.setStatus('PARTIALLY_SHIPPED', `Shipped what was available; waiting for ${skus.join(', ')}`, {
      detail: { skus },
    });
  }
  if (!run.backorderTimer) {
    run.backorderTimer = new CancellationScope();
    run.backorderTimer
      .run(() => sleep(backorderTimeoutMs))
      .then(
        () => (book.backorderExpired = true),
        (error) => {
          if (!isCancellation(error)) throw error;
        },
      );
  }
  runtime.waitFor(
    'stock',
    `Waiting for stock of ${skus.join(', ')}; cancelled after ${formatDuration(backorderTimeoutMs)}`,
  );
  // An edit takes effect once the order waits for stock again; another edit starts it over.
  book.settleEdits();
  await waitUntil(
    run,
    () =>
      book.resumeRequested ||
      book.backorderExpired ||
      book.cancelRequest !== undefined ||
      book.editRequest !== undefined,
  );
  state.waitingFor = undefined;
  setCurrentDetails(
    book.backorderExpired ? 'Backorder expired: cancelling what is missing' : `Allocating ${skus.join(', ')} again`,
  );
  book.resumeRequested = false;
  book.shortWarehouses.clear();
  book.stopIfCancelled();
  book.stopIfEdited();
  run.runtime.upsert([{ key: BackorderedSkusKey, value: [] }]);
  run.showsBackorderedSkus = false;
  if (book.backorderExpired) {
    await cancelUnits(run, book.openQuantities(), 'backorder_expired');
    book.allocationAttempts += 1;
  }
}

/** Units that will never ship (unavailable, expired backorder): cancelled on their lines. */
async function cancelUnits(run: OrderRun, lines: readonly QuantityLine[], reason: CancelReason): Promise<void> {
  if (lines.length === 0) return;
  run.book.cancelUnits(lines, reason);
  const text = unitsText(lines);
  await run.runtime.recordEvent({
    type: 'lines_cancelled',
    message: `Cancelled ${text} (${reason})`,
    cancelledUnits: Object.fromEntries(lines.map((line) => [line.sku, line.quantity])),
  });
}

/**
 * Stock that a local allocation reserved in a workflow task that never got recorded (its worker died) goes back:
 * the retried task may have taken another path and not know those shipments. Orders started before this
 * replay without it.
 */
export async function releaseUnknownShipments(run: OrderRun): Promise<void> {
  if (!run.runtime.hasPatch(RELEASE_UNKNOWN_SHIPMENTS)) return;
  const knownShipmentIds = run.state.shipments.map((shipment) => shipment.id);
  const released = await activities.releaseUnknownShipments.executeWithOptions(
    summary('Release stock held by shipments this order does not know'),
    [{ orderId: run.input.orderId, knownShipmentIds }],
  );
  if (released.length > 0) {
    await run.runtime.recordEvent({
      type: 'compensated',
      message: `Released ${released.join(', ')}: reserved by an allocation whose result was lost`,
    });
  }
}

/** An order that stops while it waits for stock no longer waits for those SKUs (`BackorderedSkus` in the Temporal UI). */
export function stopShowingBackorderedSkus(run: OrderRun): void {
  if (!run.showsBackorderedSkus) return;
  run.runtime.upsert([{ key: BackorderedSkusKey, value: [] }]);
  run.showsBackorderedSkus = false;
}
