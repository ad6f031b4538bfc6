import type { AllocatedShipment, PickedLine, PricedOrderResult } from '../../../contract';
import type { ShippedDetail } from '../../../domain/order-events';
import type { ShipmentState } from '../messages';
import { unitsText } from '../order-book';
import type { OrderRun } from '../order-run';
import { activities, summary } from '../runtime';
import { bill } from './billing';
import { simulateDelivery } from './delivery';
import { step, waitUntil } from './holds';

/**
 * One shipment from its reservation to the carrier: the pick list goes to the warehouse (undone by cancelling it),
 * the pick is recorded (a short pick shrinks the shipment and re-allocates the rest), the parcel is handed to the
 * carrier, and the shipment is billed. An exchange's replacement ships the same way, unbilled.
 */
export async function fulfil(
  run: OrderRun,
  priced: PricedOrderResult,
  allocatedShipment: AllocatedShipment,
): Promise<void> {
  const { book, runtime, input } = run;
  const { orderId, settings } = input;
  const shipment = book.shipmentOf(allocatedShipment.id);
  const simulated = settings.fulfillmentMode === 'auto';
  const { pickListId } = await step(run, 'picking', () =>
    runtime.pickListStep(simulated, (proxy, carried) =>
      proxy.createPickList.executeWithOptions(
        summary(
          `Send the pick list of ${shipment.id} to warehouse ${shipment.warehouse}: ${unitsText(shipment.lines)}`,
        ),
        [{ orderId, shipmentId: shipment.id, priority: book.priority ?? input.priority, ...carried }],
      ),
    ),
  );
  shipment.pickListId = pickListId;
  shipment.status = 'picking';
  run.compensations.add(`cancel pick list ${pickListId}`, () =>
    activities.cancelPickList.executeWithOptions(summary(`Cancel pick list ${pickListId}`), [{ pickListId }]),
  );
  const sent = `Pick list ${pickListId} sent to warehouse ${shipment.warehouse}`;
  if (!book.anythingShipped()) await runtime.setStatus('PICKING', sent);
  else await runtime.recordEvent({ type: 'picking', message: sent });
  book.stopIfCancelled();

  let reported: PickedLine[] | undefined;
  if (settings.fulfillmentMode === 'manual') {
    runtime.waitFor('pick', `Waiting for warehouse ${shipment.warehouse} to confirm pick list ${pickListId}`);
    await waitUntil(run, () => book.pickConfirmations.has(pickListId) || book.cancelRequest !== undefined);
    book.stopIfCancelled();
    reported = book.pickConfirmations.get(pickListId);
  }
  const picked = await step(run, 'picking', () =>
    runtime.pickListStep(simulated, (proxy, carried) =>
      proxy.confirmPickList.executeWithOptions(
        summary(
          reported ? `Record the pick staff confirmed for ${pickListId}` : `Simulated warehouse picks ${pickListId}`,
        ),
        [{ orderId, pickListId, lines: reported, ...carried }],
      ),
    ),
  );
  if (!shipment.replacement) await recordPick(run, shipment, picked);
  book.stopIfCancelled();
  if (shipment.lines.length === 0) {
    shipment.status = 'cancelled';
    return;
  }

  book.handingOver.add(shipment.id);
  const booking = await step(run, 'shipping', () =>
    runtime.withTimeline((carried) =>
      activities.shipShipment.executeWithOptions(
        summary(`Hand ${shipment.id} (${unitsText(shipment.lines)}) to the carrier, ${priced.shipping.service}`),
        [
          {
            orderId,
            shipmentId: shipment.id,
            destination: book.shippingAddress ?? input.shippingAddress,
            service: priced.shipping.service,
            ...carried,
          },
        ],
      ),
    ),
  );
  book.handingOver.delete(shipment.id);
  shipment.status = 'shipped';
  shipment.carrier = booking.carrier;
  shipment.carrierTrackingNumber = booking.trackingNumber;
  const carrier = `${shipment.warehouse} with ${booking.carrier}`;
  const shipped: ShippedDetail = {
    shipmentId: shipment.id,
    warehouse: shipment.warehouse,
    carrier: booking.carrier,
    service: booking.service,
    carrierTrackingNumber: booking.trackingNumber,
    replacement: shipment.replacement === true,
  };
  if (shipment.replacement) {
    await runtime.recordEvent({
      type: 'shipped',
      message: `Replacement ${shipment.id} shipped from ${carrier} ${booking.trackingNumber}`,
      detail: { ...shipped },
    });
    if (settings.fulfillmentMode === 'auto') void simulateDelivery(run, shipment);
    return;
  }
  book.shipped(shipment);
  await runtime.recordEvent({
    type: 'shipped',
    message: `${shipment.id} shipped from ${carrier} ${booking.service} ${booking.trackingNumber}`,
    detail: { ...shipped },
  });
  if (book.moreToShip()) {
    if (run.state.status !== 'PARTIALLY_SHIPPED') {
      await runtime.setStatus('PARTIALLY_SHIPPED', `${shipment.id} shipped; other lines still wait`);
    }
  }
  if (settings.fulfillmentMode === 'auto') void simulateDelivery(run, shipment);
  await bill(run, shipment);
}

/** A short pick shrinks the shipment; the missing units go back to be allocated again. */
async function recordPick(run: OrderRun, shipment: ShipmentState, picked: PickedLine[]): Promise<void> {
  const shorts = run.book.recordPick(shipment, picked);
  const units = picked.map((line) => `${line.pickedQuantity} × ${line.sku}`).join(', ');
  const short = shorts.length ? `; short ${shorts.join(', ')}, re-allocated` : '';
  await run.runtime.recordEvent({ type: 'picked', message: `Picked ${shipment.pickListId}: ${units}${short}` });
}
