import { condition, sleep } from '@temporalio/workflow';
import { formatDuration } from '../../../domain/duration';
import type { CarrierEventRequest, ShipmentState } from '../messages';
import { isWithCarrier } from '../order-book';
import type { OrderRun } from '../order-run';
import { summary } from '../runtime';

/** Waits until every shipment that left the warehouse is delivered. */
export async function awaitDeliveries(run: OrderRun): Promise<void> {
  const { settings } = run.input;
  const delivered = () =>
    run.state.shipments.filter(isWithCarrier).every((shipment) => shipment.status === 'delivered');
  if (!delivered()) {
    run.runtime.waitFor(
      'carrier',
      settings.fulfillmentMode === 'auto'
        ? `Simulated carrier delivers ${formatDuration(settings.carrierDeliveryDelayMs)} after shipment`
        : 'Waiting for carrier delivery events',
    );
    await condition(delivered);
  }
}

/** Auto mode: the simulated carrier delivers each shipment OMS_CARRIER_DELIVERY_DELAY after it ships. */
export async function simulateDelivery(run: OrderRun, shipment: ShipmentState): Promise<void> {
  await sleep(run.input.settings.carrierDeliveryDelayMs);
  await applyCarrierEvent(
    run,
    { shipmentId: shipment.id, status: 'delivered', detail: 'simulated carrier' },
    `${shipment.id}:simulated:delivered`,
  );
}

/** A carrier's tracking event: recorded once per `eventKey` on the shipment, and its status taken unless delivered. */
export async function applyCarrierEvent(run: OrderRun, event: CarrierEventRequest, eventKey: string): Promise<void> {
  const shipment = run.book.shipmentOf(event.shipmentId);
  const status = event.status.replace(/_/g, ' ');
  const recording = summary(`Carrier: ${shipment.id} ${status}`);
  const shipmentEvent = {
    orderId: run.input.orderId,
    shipmentId: shipment.id,
    status: event.status,
    occurredAt: event.at,
    detail: event.detail,
    eventKey,
  };
  await run.runtime.databaseStep((proxy) => proxy.recordShipmentEvent.executeWithOptions(recording, [shipmentEvent]));
  if (shipment.status === 'delivered') return;
  run.book.carrierReported(shipment, event.status);
  await run.runtime.recordEvent({
    type: event.status === 'exception' ? 'carrier_exception' : 'carrier',
    message: `${shipment.id}: ${status}${event.detail ? ` (${event.detail})` : ''}`,
  });
}
