import type { Knex } from 'knex';
import { coversAllLines, rankWarehouses } from '../domain/allocation';
import type { Address, OrderLineRequest } from '../domain/order';
import { activeWarehouses } from '../db/catalog';
import { moveStock, stockLevels } from '../db/stock';
import type { ActivityDeps } from './deps';

export interface AllocatedShipment {
  id: string;
  warehouse: string;
  lines: OrderLineRequest[];
}

export const shipmentId = (orderId: string, seq: number) => `${orderId}-S${seq}`;

class InsufficientStock extends Error {}

/**
 * Reservation and release. A reservation belongs to a shipment (`<orderId>-S<n>`); its stock moves through
 * `moveStock`, whose CHECK constraints make overselling impossible, and the whole warehouse attempt is one
 * transaction: either every line is reserved there or none is.
 */
export function createInventoryActivities({ db }: ActivityDeps) {
  async function loadShipment(id: string): Promise<AllocatedShipment | null> {
    const shipment = await db('shipments').where({ id }).first('id', 'warehouse_code', 'status');
    if (!shipment) return null;
    const lines = await db('shipment_lines').where({ shipment_id: id }).orderBy('sku').select('sku', 'quantity');
    return { id, warehouse: shipment.warehouse_code, lines };
  }

  async function reserveIn(trx: Knex.Transaction, orderId: string, seq: number, warehouse: string, lines: readonly OrderLineRequest[]): Promise<void> {
    const id = shipmentId(orderId, seq);
    await trx('shipments').insert({ id, order_id: orderId, seq, warehouse_code: warehouse, status: 'allocated' });
    for (const line of lines) {
      await trx('shipment_lines').insert({ shipment_id: id, sku: line.sku, quantity: line.quantity });
      const result = await moveStock(trx, {
        warehouse,
        sku: line.sku,
        reason: 'reserve',
        onHandDelta: 0,
        reservedDelta: line.quantity,
        orderId,
        reference: id,
        movementKey: `reserve:${id}:${line.sku}`,
      });
      if (result === 'insufficient') throw new InsufficientStock();
      await trx('reservations').insert({ shipment_id: id, sku: line.sku, order_id: orderId, warehouse_code: warehouse, quantity: line.quantity });
      await trx('order_lines').where({ order_id: orderId, sku: line.sku }).increment('reserved_quantity', line.quantity);
    }
  }

  return {
    /**
     * Reserves every line in one warehouse, trying them in ranked order. Returns the shipment, or null when
     * no single warehouse can ship everything now.
     */
    async reserveStock(input: { orderId: string; seq: number; lines: OrderLineRequest[]; destination: Address }): Promise<AllocatedShipment | null> {
      const existing = await loadShipment(shipmentId(input.orderId, input.seq));
      if (existing) return existing;
      const levels = await stockLevels(db, { skus: input.lines.map((line) => line.sku) });
      const candidates = rankWarehouses(await activeWarehouses(db), input.destination).filter((warehouse) =>
        coversAllLines(input.lines, new Map(levels.filter((level) => level.warehouse === warehouse.code).map((level) => [level.sku, level.available]))),
      );
      for (const warehouse of candidates) {
        try {
          await db.transaction((trx) => reserveIn(trx, input.orderId, input.seq, warehouse.code, input.lines));
          return { id: shipmentId(input.orderId, input.seq), warehouse: warehouse.code, lines: input.lines };
        } catch (error) {
          // Another order took the stock since we read it: try the next warehouse.
          if (!(error instanceof InsufficientStock)) throw error;
        }
      }
      return null;
    },

    /** Gives a shipment's reserved stock back (cancellation); safe to repeat. */
    async releaseReservations(input: { orderId: string; shipmentId: string }): Promise<void> {
      await db.transaction(async (trx) => {
        const active = await trx('reservations').where({ shipment_id: input.shipmentId, status: 'active' }).forUpdate();
        for (const reservation of active) {
          await moveStock(trx, {
            warehouse: reservation.warehouse_code,
            sku: reservation.sku,
            reason: 'release',
            onHandDelta: 0,
            reservedDelta: -reservation.quantity,
            orderId: input.orderId,
            reference: input.shipmentId,
            movementKey: `release:${input.shipmentId}:${reservation.sku}`,
          });
          await trx('reservations').where({ shipment_id: input.shipmentId, sku: reservation.sku }).update({ status: 'released', updated_at: trx.fn.now() });
          await trx('order_lines').where({ order_id: input.orderId, sku: reservation.sku }).decrement('reserved_quantity', reservation.quantity);
        }
        await trx('shipments').where({ id: input.shipmentId }).whereNotIn('status', ['shipped', 'in_transit', 'out_for_delivery', 'delivered']).update({ status: 'cancelled', updated_at: trx.fn.now() });
      });
    },
  };
}
