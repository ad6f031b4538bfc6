import { condition, sleep } from '@temporalio/workflow';
import type { CarrierDetail } from '../../../domain/order-events';
import { formatDuration } from '../../../domain/duration';
import { LOST, waitLimits, type CarrierStatus } from '../../../domain/order';
import type { CarrierEventRequest, ShipmentState } from '../messages';
import { isWithCarrier } from '../order-book';
import type { OrderRun } from '../order-run';
import { summary } from '../runtime';

/**
 * Waits until every shipment that left the warehouse is delivered, or for OMS_DELIVERY_TIMEOUT: a shipment still
 * not delivered then is reported lost (the carrier-exception queue lists it) and the order goes on without it.
 */
export async function awaitDeliveries(run: OrderRun): Promise<void> {
  const { settings } = run.input;
  const delivered = () =>
    run.state.shipments
      .filter(isWithCarrier)
      .every((shipment) => shipment.status === 'delivered' || shipment.status === LOST);
  if (!delivered()) {
    run.runtime.waitFor(
      'carrier',
      settings.fulfillmentMode === 'auto'
        ? `Simulated carrier delivers ${formatDuration(settings.carrierDeliveryDelayMs)} after shipment`
        : 'Waiting for carrier delivery events',
    );
    if (!run.runtime.neverStuck) {
      await condition(delivered);
      return;
    }
    const { deliveryTimeoutMs } = waitLimits(settings);
    if (await condition(delivered, deliveryTimeoutMs)) return;
    for (const shipment of run.state.shipments.filter(isWithCarrier)) {
      if (shipment.status === 'delivered' || shipment.status === LOST) continue;
      const detail = `no delivery event within ${formatDuration(deliveryTimeoutMs)}: reported lost`;
      await recordCarrierStatus(run, shipment, { status: LOST, detail }, `${shipment.id}:lost`);
    }
  }
}

/** The message of the DELIVERED status: every shipment delivered, or which were reported lost. */
export function deliveredMessage(run: OrderRun): string {
  const lost = run.state.shipments.filter((shipment) => shipment.status === LOST).map((shipment) => shipment.id);
  return lost.length === 0 ? 'Every shipment is delivered' : `Delivered, except ${lost.join(', ')}: reported lost`;
}

/** Auto mode: the simulated carrier delivers each shipment OMS_CARRIER_DELIVERY_DELAY after it ships. */
export async function simulateDelivery(run: OrderRun, shipment: ShipmentState): Promise<void> {
  const delay = run.input.settings.carrierDeliveryDelayMs;
  // With no delay the carrier delivers at once (orders since 2026-12-07): a timer of zero would cost a workflow task.
  if (delay > 0 || !run.runtime.since2026_12_07) await sleep(delay);
  await applyCarrierEvent(
    run,
    { shipmentId: shipment.id, status: 'delivered', detail: 'simulated carrier' },
    `${shipment.id}:simulated:delivered`,
  );
}

/** A carrier's tracking event: recorded once per `eventKey` on the shipment, and its status taken unless delivered. */
export function applyCarrierEvent(run: OrderRun, event: CarrierEventRequest, eventKey: string): Promise<void> {
  return recordCarrierStatus(run, run.book.shipmentOf(event.shipmentId), event, eventKey);
}

async function recordCarrierStatus(
  run: OrderRun,
  shipment: ShipmentState,
  event: { status: CarrierStatus; at?: string; detail?: string },
  eventKey: string,
): Promise<void> {
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
  const carrierDetail: CarrierDetail = { shipmentId: shipment.id, status: event.status };
  await run.runtime.recordEvent({
    type: event.status === 'exception' ? 'carrier_exception' : 'carrier',
    message: `${shipment.id}: ${status}${event.detail ? ` (${event.detail})` : ''}`,
    detail: { ...carrierDetail },
  });
}
