import type { Knex } from 'knex';
import { planAllocation, rankWarehouses, type QuantityLine } from '../domain/allocation';
import { restockWorkflowId, shipmentIdFor } from '../domain/ids';
import { WITH_CARRIER_STATUSES } from '../domain/order';
import { requestRestock } from '../db/backorders';
import { ACTIVE_WAREHOUSES_JSON, toWarehouse } from '../db/catalog';
import { preparedStatement, type Row } from '../db/connection';
import { isInsufficientStock, moveStock, stockJson, stockLevels, stockMovementCtes, toStockLevel } from '../db/stock';
import type { AllocatedShipment, OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

class InsufficientStock extends Error {}

/** An exchange's replacement shipment moves stock but not the order's line quantities. */
export async function isReplacement(db: Knex | Knex.Transaction, shipmentId: string): Promise<boolean> {
  return (await db('shipments').where({ id: shipmentId }).first('purpose'))?.purpose === 'replacement';
}

const MAX_PLANNING_ATTEMPTS = 5;

/**
 * Reservation and release. A reservation belongs to a shipment (`<orderId>-S<n>`); its stock moves with the
 * stock table's CHECK constraints as the guard, which make overselling impossible, and each warehouse's part is
 * one statement: either every line of that shipment is reserved there or none is.
 */
export function createInventoryActivities({
  db,
  restockStarts,
}: ActivityDeps): Pick<OrderActivities, 'allocateStock' | 'releaseReservations' | 'releaseUnknownShipments'> {
  /**
   * Reserves one planned shipment in one statement: the shipment, its lines and reservations, the order lines'
   * reserved units (not for a replacement) and the stock movements, or nothing when a line's stock ran out.
   */
  async function reserveIn(
    orderId: string,
    round: number,
    seq: number,
    warehouse: string,
    lines: readonly QuantityLine[],
    replacement: boolean,
  ): Promise<AllocatedShipment> {
    const id = shipmentIdFor(orderId, seq);
    try {
      await RESERVE_SHIPMENT.run(db, {
        id,
        orderId,
        seq,
        round,
        warehouse,
        purpose: replacement ? 'replacement' : 'order',
        countsOnOrder: !replacement,
        lines: JSON.stringify(lines),
      });
    } catch (error) {
      if (isInsufficientStock(error)) throw new InsufficientStock();
      throw error;
    }
    return { id, warehouse, lines: [...lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)) };
  }

  /**
   * Gives a shipment's reserved stock back. The freed units go to the orders still missing them: a restock run per SKU
   * that one waits for, requested in the same transaction (started right after; the sweeper retries a failed start).
   */
  async function release(orderId: string, id: string): Promise<void> {
    const restocks: string[] = [];
    await db.transaction(async (trx) => {
      const active = await trx('reservations').where({ shipment_id: id, status: 'active' }).orderBy('sku').forUpdate();
      for (const reservation of active) {
        const movementKey = `release:${id}:${reservation.sku}`;
        const moved = await moveStock(trx, {
          warehouse: reservation.warehouse_code,
          sku: reservation.sku,
          reason: 'release',
          onHandDelta: 0,
          reservedDelta: -reservation.quantity,
          orderId,
          reference: id,
          movementKey,
        });
        const restock =
          moved === 'applied' &&
          (await requestRestock(
            trx,
            { workflowId: restockWorkflowId(movementKey), sku: reservation.sku },
            { ifWaiting: true, exceptOrderId: orderId },
          ));
        if (restock) restocks.push(restock.workflowId);
        await trx('reservations')
          .where({ shipment_id: id, sku: reservation.sku })
          .update({ status: 'released', updated_at: trx.fn.now() });
        if (!(await isReplacement(trx, id)))
          await trx('order_lines')
            .where({ order_id: orderId, sku: reservation.sku })
            .decrement('reserved_quantity', reservation.quantity);
      }
      await trx('shipments')
        .where({ id })
        .whereNotIn('status', WITH_CARRIER_STATUSES)
        .update({ status: 'cancelled', updated_at: trx.fn.now() });
    });
    await restockStarts.start(restocks);
  }

  return {
    /**
     * Allocation round `round` of an order: plans shipments for `lines` across warehouses (SPEC section 3,
     * allocation) and reserves them; if another order takes stock meanwhile, plans again with what is left.
     * With `allOrNothing` (policy wait_all) it keeps nothing unless everything is reserved. A retry of the same
     * round continues from the shipments that round already holds.
     */
    async allocateStock(input) {
      const remaining = new Map(input.lines.map((line) => [line.sku, line.quantity]));
      const [inputs] = await ALLOCATION_INPUTS.run(db, {
        orderId: input.orderId,
        skus: JSON.stringify(input.lines.map((line) => line.sku)),
      });
      // What an earlier attempt of this round reserved, then what this one adds: the round's shipments in seq order.
      const ofOrder = inputs.shipments;
      let lastSeq = ofOrder.reduce((last, shipment) => Math.max(last, shipment.seq), 0);
      const shipments: AllocatedShipment[] = ofOrder
        .filter((shipment) => shipment.round === input.round && shipment.status !== 'cancelled')
        .map(({ id, warehouse, lines }) => ({ id, warehouse, lines }));
      for (const shipment of shipments) {
        for (const line of shipment.lines) remaining.set(line.sku, (remaining.get(line.sku) ?? 0) - line.quantity);
      }
      const excluded = new Set(input.excludeWarehouses ?? []);
      const warehouses = rankWarehouses(inputs.warehouses.map(toWarehouse), input.destination)
        .map((warehouse) => warehouse.code)
        .filter((code) => !excluded.has(code));
      for (let attempt = 0; attempt < MAX_PLANNING_ATTEMPTS; attempt++) {
        const wanted = [...remaining]
          .filter(([, quantity]) => quantity > 0)
          .map(([sku, quantity]) => ({ sku, quantity }));
        if (wanted.length === 0) break;
        // Stock as read with the rest at first; after a race for it, as it is now.
        const levels =
          attempt === 0
            ? inputs.stock.map(toStockLevel)
            : await stockLevels(db, { skus: wanted.map((line) => line.sku) });
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
            const shipment = await reserveIn(
              input.orderId,
              input.round,
              lastSeq + 1,
              planned.warehouse,
              planned.lines,
              input.replacement ?? false,
            );
            lastSeq += 1;
            shipments.push(shipment);
            for (const line of shipment.lines) remaining.set(line.sku, remaining.get(line.sku)! - line.quantity);
          } catch (error) {
            if (!(error instanceof InsufficientStock)) throw error;
            raced = true; // another order took this stock since we read it: plan again with what is left
            break;
          }
        }
        if (!raced && plan.unallocated.length > 0) break;
      }
      const unallocated = [...remaining]
        .filter(([, quantity]) => quantity > 0)
        .map(([sku, quantity]) => ({ sku, quantity }));
      if (input.allOrNothing && unallocated.length > 0) {
        for (const shipment of shipments) await release(input.orderId, shipment.id);
        return { shipments: [], unallocated: input.lines };
      }
      return { shipments, unallocated };
    },

    /** Gives a shipment's reserved stock back (cancellation, expiry) to whoever waits for it; safe to repeat. */
    async releaseReservations(input) {
      await release(input.orderId, input.shipmentId);
    },

    /**
     * Releases the order's unshipped shipments that its workflow does not know (`knownShipmentIds`), and answers
     * which. Allocation is a local activity: a worker that dies after it reserved but before its workflow task
     * was recorded leaves reservations the history never heard of, and the retried task may take another path
     * (a cancellation, an expired backorder) that never allocates that round again. Safe to repeat.
     */
    async releaseUnknownShipments(input) {
      const unknown: string[] = await db('shipments')
        .where({ order_id: input.orderId })
        .whereNotIn('id', input.knownShipmentIds)
        .whereNotIn('status', ['cancelled', ...WITH_CARRIER_STATUSES])
        .orderBy('seq')
        .pluck('id');
      for (const id of unknown) await release(input.orderId, id);
      // Its pick list may have been sent by the same lost task (auto mode's pick list steps are local activities too).
      // Every released unknown shipment's, not only this attempt's: an attempt that died after releasing left its
      // shipment cancelled (so not in `unknown` now) and the pick list open.
      await db('pick_lists')
        .where({ order_id: input.orderId, status: 'open' })
        .whereNotIn('shipment_id', input.knownShipmentIds)
        .whereIn('shipment_id', db('shipments').where({ order_id: input.orderId, status: 'cancelled' }).select('id'))
        .update({ status: 'cancelled', updated_at: db.fn.now() });
      return unknown;
    },
  };
}

/**
 * A shipment reserved whole (see `reserveIn`): the stock movements come from its lines (`stockMovementCtes`), and
 * a line whose stock ran out fails the statement, leaving nothing of the shipment behind.
 */
const RESERVE_SHIPMENT = preparedStatement(
  'reserve-shipment',
  `WITH wanted AS (SELECT * FROM jsonb_to_recordset(CAST(:lines AS jsonb)) AS w(sku text, quantity integer)),
  shipment AS (
    INSERT INTO shipments (id, order_id, seq, allocation_round, warehouse_code, status, purpose)
    VALUES (:id, :orderId, :seq, :round, :warehouse, 'allocated', :purpose) RETURNING id),
  listed AS (INSERT INTO shipment_lines (shipment_id, sku, quantity) SELECT shipment.id, sku, quantity FROM shipment, wanted),
  reserved AS (
    INSERT INTO reservations (shipment_id, sku, order_id, warehouse_code, quantity)
    SELECT shipment.id, sku, :orderId, :warehouse, quantity FROM shipment, wanted),
  counted AS (
    UPDATE order_lines SET reserved_quantity = order_lines.reserved_quantity + wanted.quantity FROM wanted
    WHERE CAST(:countsOnOrder AS boolean) AND order_lines.order_id = :orderId AND order_lines.sku = wanted.sku),
  movement AS (
    SELECT CAST(:warehouse AS text) AS warehouse_code, sku, 'reserve' AS reason, 0 AS on_hand_delta, quantity AS reserved_delta,
      CAST(:orderId AS text) AS order_id, CAST(:id AS text) AS reference, 'reserve:' || :id || ':' || sku AS movement_key
    FROM shipment, wanted),
  ${stockMovementCtes('movement')}
  SELECT (SELECT count(*) FROM moved)::int AS moved`,
);

/**
 * What allocation reads, in one statement: the order's shipments so far (every round, each with its lines, in seq
 * order), the active warehouses and the stock of the SKUs wanted.
 */
const ALLOCATION_INPUTS = preparedStatement<{
  shipments: (AllocatedShipment & { seq: number; round: number; status: string })[];
  warehouses: Row[];
  stock: { sku: string; warehouse_code: string; on_hand: number; reserved: number }[];
}>(
  'allocation-inputs',
  `SELECT
     (SELECT coalesce(json_agg(json_build_object('id', s.id, 'seq', s.seq, 'round', s.allocation_round, 'status', s.status, 'warehouse', s.warehouse_code,
        'lines', (SELECT coalesce(json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity) ORDER BY l.sku), '[]') FROM shipment_lines l WHERE l.shipment_id = s.id))
        ORDER BY s.seq), '[]')
      FROM shipments s WHERE s.order_id = :orderId) AS shipments,
     ${ACTIVE_WAREHOUSES_JSON} AS warehouses,
     ${stockJson('SELECT jsonb_array_elements_text(CAST(:skus AS jsonb))')} AS stock`,
);
