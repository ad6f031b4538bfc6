import type { Knex } from 'knex';
import { planAllocation, rankWarehouses, type QuantityLine } from '../domain/allocation';
import { shipmentIdFor } from '../domain/ids';
import { WITH_CARRIER_STATUSES, type Address } from '../domain/order';
import { activeWarehouses } from '../db/catalog';
import { moveStock, stockLevels } from '../db/stock';
import type { ActivityDeps } from './deps';

export interface AllocatedShipment {
  id: string;
  warehouse: string;
  lines: QuantityLine[];
}

export interface AllocationResult {
  shipments: AllocatedShipment[];
  unallocated: QuantityLine[];
}


class InsufficientStock extends Error {}

/** An exchange's replacement shipment moves stock but not the order's line quantities. */
export async function isReplacement(db: Knex | Knex.Transaction, shipmentId: string): Promise<boolean> {
  return (await db('shipments').where({ id: shipmentId }).first('purpose'))?.purpose === 'replacement';
}

const MAX_PLANNING_ATTEMPTS = 5;

/**
 * Reservation and release. A reservation belongs to a shipment (`<orderId>-S<n>`); its stock moves through
 * `moveStock`, whose CHECK constraints make overselling impossible, and each warehouse's part is one
 * transaction: either every line of that shipment is reserved there or none is.
 */
export function createInventoryActivities({ db }: ActivityDeps) {
  async function shipmentsOfRound(orderId: string, round: number): Promise<AllocatedShipment[]> {
    const rows = await db('shipments').where({ order_id: orderId, allocation_round: round }).whereNot('status', 'cancelled').orderBy('seq');
    if (rows.length === 0) return []; // a round's first attempt: nothing to read lines of
    const lines = await db('shipment_lines').whereIn('shipment_id', rows.map((row: { id: string }) => row.id)).orderBy('sku');
    return rows.map((row: { id: string; warehouse_code: string }) => ({
      id: row.id,
      warehouse: row.warehouse_code,
      lines: lines.filter((line: { shipment_id: string }) => line.shipment_id === row.id).map((line: QuantityLine) => ({ sku: line.sku, quantity: line.quantity })),
    }));
  }

  async function reserveIn(trx: Knex.Transaction, orderId: string, round: number, warehouse: string, lines: readonly QuantityLine[], replacement: boolean): Promise<AllocatedShipment> {
    const [{ next }] = await trx('shipments').where({ order_id: orderId }).select(trx.raw('coalesce(max(seq), 0) + 1 AS next'));
    const id = shipmentIdFor(orderId, next);
    await trx('shipments').insert({ id, order_id: orderId, seq: next, allocation_round: round, warehouse_code: warehouse, status: 'allocated', purpose: replacement ? 'replacement' : 'order' });
    // Stock rows are locked in SKU order, as every other movement does, so two allocations never deadlock.
    for (const line of [...lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))) {
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
      if (!replacement) await trx('order_lines').where({ order_id: orderId, sku: line.sku }).increment('reserved_quantity', line.quantity);
    }
    return { id, warehouse, lines: lines.map((line) => ({ ...line })) };
  }

  async function release(orderId: string, id: string): Promise<void> {
    await db.transaction(async (trx) => {
      const active = await trx('reservations').where({ shipment_id: id, status: 'active' }).orderBy('sku').forUpdate();
      for (const reservation of active) {
        await moveStock(trx, {
          warehouse: reservation.warehouse_code,
          sku: reservation.sku,
          reason: 'release',
          onHandDelta: 0,
          reservedDelta: -reservation.quantity,
          orderId,
          reference: id,
          movementKey: `release:${id}:${reservation.sku}`,
        });
        await trx('reservations').where({ shipment_id: id, sku: reservation.sku }).update({ status: 'released', updated_at: trx.fn.now() });
        if (!(await isReplacement(trx, id))) await trx('order_lines').where({ order_id: orderId, sku: reservation.sku }).decrement('reserved_quantity', reservation.quantity);
      }
      await trx('shipments').where({ id }).whereNotIn('status', WITH_CARRIER_STATUSES).update({ status: 'cancelled', updated_at: trx.fn.now() });
    });
  }

  return {
    /**
     * Allocation round `round` of an order: plans shipments for `lines` across warehouses (SPEC section 3,
     * allocation) and reserves them; if another order takes stock meanwhile, plans again with what is left.
     * With `allOrNothing` (policy wait_all) it keeps nothing unless everything is reserved. A retry of the same
     * round continues from the shipments that round already holds.
     */
    async allocateStock(input: {
      orderId: string;
      round: number;
      lines: QuantityLine[];
      destination: Address;
      allOrNothing: boolean;
      /** Warehouses not to use this round (they just came up short on a pick). */
      excludeWarehouses?: string[];
      /** An exchange's replacement: reserves stock without counting toward the order's line quantities. */
      replacement?: boolean;
    }): Promise<AllocationResult> {
      const remaining = new Map(input.lines.map((line) => [line.sku, line.quantity]));
      // What an earlier attempt of this round reserved, then what this one adds: the round's shipments in seq order.
      const shipments = await shipmentsOfRound(input.orderId, input.round);
      for (const shipment of shipments) {
        for (const line of shipment.lines) remaining.set(line.sku, (remaining.get(line.sku) ?? 0) - line.quantity);
      }
      const excluded = new Set(input.excludeWarehouses ?? []);
      const warehouses = rankWarehouses(await activeWarehouses(db), input.destination)
        .map((warehouse) => warehouse.code)
        .filter((code) => !excluded.has(code));
      for (let attempt = 0; attempt < MAX_PLANNING_ATTEMPTS; attempt++) {
        const wanted = [...remaining].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));
        if (wanted.length === 0) break;
        const levels = await stockLevels(db, { skus: wanted.map((line) => line.sku) });
        const availability = new Map<string, Map<string, number>>();
        for (const level of levels) {
          if (!availability.has(level.warehouse)) availability.set(level.warehouse, new Map());
          availability.get(level.warehouse)!.set(level.sku, level.available);
        }
        const plan = planAllocation(wanted, warehouses, availability);
        if (plan.shipments.length === 0) break;
        if (input.allOrNothing && plan.unallocated.length > 0) break; // not everything is there: reserve nothing
        let raced = false;
        for (const planned of plan.shipments) {
          try {
            const shipment = await db.transaction((trx) => reserveIn(trx, input.orderId, input.round, planned.warehouse, planned.lines, input.replacement ?? false));
            shipments.push({ ...shipment, lines: [...shipment.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)) });
            for (const line of shipment.lines) remaining.set(line.sku, remaining.get(line.sku)! - line.quantity);
          } catch (error) {
            if (!(error instanceof InsufficientStock)) throw error;
            raced = true; // another order took this stock since we read it: plan again with what is left
            break;
          }
        }
        if (!raced && plan.unallocated.length > 0) break;
      }
      const unallocated = [...remaining].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));
      if (input.allOrNothing && unallocated.length > 0) {
        for (const shipment of shipments) await release(input.orderId, shipment.id);
        return { shipments: [], unallocated: input.lines };
      }
      return { shipments, unallocated };
    },

    /** Gives a shipment's reserved stock back (cancellation, expiry); safe to repeat. */
    async releaseReservations(input: { orderId: string; shipmentId: string }): Promise<void> {
      await release(input.orderId, input.shipmentId);
    },

    /**
     * Releases the order's unshipped shipments that its workflow does not know (`knownShipmentIds`), and answers
     * which. Allocation is a local activity: a worker that dies after it reserved but before its workflow task
     * was recorded leaves reservations the history never heard of, and the retried task may take another path
     * (a cancellation, an expired backorder) that never allocates that round again. Safe to repeat.
     */
    async releaseUnknownShipments(input: { orderId: string; knownShipmentIds: string[] }): Promise<string[]> {
      const unknown: string[] = await db('shipments')
        .where({ order_id: input.orderId })
        .whereNotIn('id', input.knownShipmentIds)
        .whereNotIn('status', ['cancelled', ...WITH_CARRIER_STATUSES])
        .orderBy('seq')
        .pluck('id');
      for (const id of unknown) await release(input.orderId, id);
      return unknown;
    },
  };
}
