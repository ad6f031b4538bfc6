import type { CarrierBooking } from '../adapters/carrier/carrier';
import type { Address, ShipmentEventStatus } from '../domain/order';
import { moveStock } from '../db/stock';
import { isReplacement } from './inventory';
import type { ActivityDeps } from './deps';

/** Hands a picked shipment to the carrier (stock leaves the warehouse) and records its tracking events. */
export function createShippingActivities({ db, carrier }: ActivityDeps) {
  return {
    async shipShipment(input: { orderId: string; shipmentId: string; destination: Address; service: string }): Promise<CarrierBooking> {
      const weight = await db('shipment_lines as l')
        .join('products as p', 'p.sku', 'l.sku')
        .where('l.shipment_id', input.shipmentId)
        .sum({ grams: db.raw('l.quantity * p.weight_grams') })
        .first();
      const shipment = await db('shipments').where({ id: input.shipmentId }).first('warehouse_code');
      const booking = await carrier.bookShipment({
        idempotencyKey: `${input.shipmentId}:book`,
        shipmentId: input.shipmentId,
        fromWarehouse: shipment.warehouse_code,
        to: input.destination,
        weightGrams: Number(weight?.grams ?? 0),
        service: input.service,
      });
      await db.transaction(async (trx) => {
        const handedOver = await trx('shipments')
          .where({ id: input.shipmentId })
          .whereIn('status', ['allocated', 'picking', 'picked'])
          .update({
            status: 'shipped',
            carrier: booking.carrier,
            service: booking.service,
            carrier_tracking_number: booking.trackingNumber,
            label_ref: booking.labelRef,
            shipped_at: trx.fn.now(),
            updated_at: trx.fn.now(),
          });
        if (handedOver === 0) return; // shipped by an earlier attempt
        const reservations = await trx('reservations').where({ shipment_id: input.shipmentId, status: 'active' }).orderBy('sku'); // lock order: by SKU
        const countsOnOrder = !(await isReplacement(trx, input.shipmentId));
        for (const reservation of reservations) {
          const moved = await moveStock(trx, {
            warehouse: reservation.warehouse_code,
            sku: reservation.sku,
            reason: 'ship',
            onHandDelta: -reservation.quantity,
            reservedDelta: -reservation.quantity,
            orderId: input.orderId,
            reference: input.shipmentId,
            movementKey: `ship:${input.shipmentId}:${reservation.sku}`,
          });
          if (moved === 'insufficient') throw new Error(`stock for ${reservation.sku} in ${reservation.warehouse_code} no longer covers reservation ${input.shipmentId}`);
          await trx('reservations').where({ shipment_id: input.shipmentId, sku: reservation.sku }).update({ status: 'shipped', updated_at: trx.fn.now() });
          if (!countsOnOrder) continue;
          await trx('order_lines')
            .where({ order_id: input.orderId, sku: reservation.sku })
            .update({ shipped_quantity: trx.raw('shipped_quantity + ?', [reservation.quantity]), reserved_quantity: trx.raw('reserved_quantity - ?', [reservation.quantity]) });
        }
      });
      return booking;
    },

    /**
     * A carrier tracking event; `delivered` also marks the shipment's units delivered on the order lines.
     * Without `occurredAt` (the auto-mode simulator) the event happened now.
     */
    async recordShipmentEvent(input: { orderId: string; shipmentId: string; status: ShipmentEventStatus; occurredAt?: string; detail?: string; eventKey: string }): Promise<void> {
      const occurredAt = input.occurredAt ?? new Date().toISOString();
      await db.transaction(async (trx) => {
        const inserted = await trx('shipment_events')
          .insert({ shipment_id: input.shipmentId, status: input.status, detail: input.detail ?? null, occurred_at: occurredAt, event_key: input.eventKey })
          .onConflict('event_key')
          .ignore()
          .returning('id');
        if (inserted.length === 0) return;
        const delivered = input.status === 'delivered';
        // Events may arrive out of order; once delivered, a shipment stays delivered.
        const changed = await trx('shipments')
          .where({ id: input.shipmentId })
          .whereNot('status', 'delivered')
          .update({ status: input.status, ...(delivered ? { delivered_at: occurredAt } : {}), updated_at: trx.fn.now() });
        if (!delivered || changed === 0 || (await isReplacement(trx, input.shipmentId))) return;
        const lines = await trx('shipment_lines').where({ shipment_id: input.shipmentId });
        for (const line of lines) {
          await trx('order_lines').where({ order_id: input.orderId, sku: line.sku }).increment('delivered_quantity', line.quantity);
        }
      });
    },
  };
}
