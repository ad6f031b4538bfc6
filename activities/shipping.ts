import { preparedStatement } from '../db/connection';
import { isInsufficientStock, stockMovementCtes } from '../db/stock';
import type { OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

/** Hands a picked shipment to the carrier (stock leaves the warehouse) and records its tracking events. */
export function createShippingActivities({
  db,
  carrier,
}: ActivityDeps): Pick<OrderActivities, 'shipShipment' | 'recordShipmentEvent'> {
  return {
    async shipShipment(input) {
      const rows = await PARCEL.run(db, { shipmentId: input.shipmentId });
      if (!rows[0]) throw new Error(`shipment ${input.shipmentId} does not exist`);
      const booking = await carrier.bookShipment({
        idempotencyKey: `${input.shipmentId}:book`,
        shipmentId: input.shipmentId,
        fromWarehouse: rows[0].warehouse,
        to: input.destination,
        weightGrams: rows[0].grams,
        service: input.service,
      });
      try {
        await HAND_OVER.run(db, {
          orderId: input.orderId,
          shipmentId: input.shipmentId,
          carrier: booking.carrier,
          service: booking.service,
          trackingNumber: booking.trackingNumber,
          labelRef: booking.labelRef,
        });
      } catch (error) {
        if (isInsufficientStock(error))
          throw new Error(`stock in ${rows[0].warehouse} no longer covers the reservations of ${input.shipmentId}`, {
            cause: error,
          });
        throw error;
      }
      return booking;
    },

    /**
     * A carrier tracking event; `delivered` also marks the shipment's units delivered on the order lines.
     * Without `occurredAt` (the auto-mode simulator) the event happened now.
     */
    async recordShipmentEvent(input) {
      await RECORD_SHIPMENT_EVENT.run(db, {
        orderId: input.orderId,
        shipmentId: input.shipmentId,
        status: input.status,
        detail: input.detail ?? null,
        occurredAt: input.occurredAt ?? new Date().toISOString(),
        eventKey: input.eventKey,
      });
    },
  };
}

/** The shipment's warehouse and the parcel's weight. */
const PARCEL = preparedStatement<{ warehouse: string; grams: number }>(
  'shipment-parcel',
  `SELECT s.warehouse_code AS warehouse, coalesce(sum(l.quantity * p.weight_grams), 0)::int AS grams
  FROM shipments s LEFT JOIN shipment_lines l ON l.shipment_id = s.id LEFT JOIN products p ON p.sku = l.sku
  WHERE s.id = :shipmentId GROUP BY s.warehouse_code`,
);

/**
 * The shipment goes to the carrier in one statement: its status and booking, its reservations shipped, the stock
 * leaving the warehouse (`stockMovementCtes`) and the order lines' shipped units (not for an exchange's
 * replacement). Only a shipment not yet handed over changes: a retry after success finds it shipped and does nothing.
 */
const HAND_OVER = preparedStatement(
  'hand-over-shipment',
  `WITH handed AS (
    UPDATE shipments SET status = 'shipped', carrier = :carrier, service = :service, carrier_tracking_number = :trackingNumber,
      label_ref = :labelRef, shipped_at = now(), updated_at = now()
    WHERE id = :shipmentId AND status IN ('allocated', 'picking', 'picked')
    RETURNING id, purpose),
  shipped AS (
    UPDATE reservations SET status = 'shipped', updated_at = now() FROM handed
    WHERE reservations.shipment_id = handed.id AND reservations.status = 'active'
    RETURNING reservations.warehouse_code, reservations.sku, reservations.quantity, handed.purpose),
  movement AS (
    SELECT warehouse_code, sku, 'ship' AS reason, -quantity AS on_hand_delta, -quantity AS reserved_delta,
      CAST(:orderId AS text) AS order_id, CAST(:shipmentId AS text) AS reference, 'ship:' || :shipmentId || ':' || sku AS movement_key
    FROM shipped),
  ${stockMovementCtes('movement')},
  counted AS (
    UPDATE order_lines SET shipped_quantity = order_lines.shipped_quantity + shipped.quantity,
      reserved_quantity = order_lines.reserved_quantity - shipped.quantity
    FROM shipped WHERE shipped.purpose = 'order' AND order_lines.order_id = :orderId AND order_lines.sku = shipped.sku)
  SELECT (SELECT count(*) FROM moved)::int AS moved`,
);

/**
 * A tracking event recorded once per `eventKey`, in one statement. Events may arrive out of order: once delivered,
 * a shipment stays delivered. The first `delivered` also counts the shipment's units delivered on the order lines
 * (not for an exchange's replacement).
 */
const RECORD_SHIPMENT_EVENT = preparedStatement(
  'record-shipment-event',
  `WITH event AS (
    INSERT INTO shipment_events (shipment_id, status, detail, occurred_at, event_key)
    VALUES (:shipmentId, :status, :detail, :occurredAt, :eventKey)
    ON CONFLICT (event_key) DO NOTHING RETURNING id),
  changed AS (
    UPDATE shipments SET status = :status, updated_at = now(),
      delivered_at = CASE WHEN :status = 'delivered' THEN CAST(:occurredAt AS timestamptz) ELSE delivered_at END
    WHERE id = :shipmentId AND status <> 'delivered' AND EXISTS (SELECT 1 FROM event)
    RETURNING purpose, status)
  UPDATE order_lines SET delivered_quantity = order_lines.delivered_quantity + shipment_lines.quantity
  FROM shipment_lines, changed
  WHERE changed.status = 'delivered' AND changed.purpose = 'order'
    AND shipment_lines.shipment_id = :shipmentId AND order_lines.order_id = :orderId AND order_lines.sku = shipment_lines.sku`,
);
