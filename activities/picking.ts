import { preparedStatement } from '../db/connection';
import { moveStock } from '../db/stock';
import { isReplacement } from './inventory';
import { pickListIdFor } from '../domain/ids';
import type { OrderActivities, PickedLine } from '../contract';
import type { ActivityDeps } from './deps';

/** Pick lists of one warehouse created in the same UTC hour form a wave, `W-<warehouse>-<yyyymmddhh>`: this is its hour. */
const waveHourOf = (at: Date) => at.toISOString().slice(0, 13).replace(/[-T]/g, '');

/** Warehouse picking: one pick list per shipment, confirmed by warehouse staff or the auto-mode simulator. */
export function createPickingActivities({
  db,
}: ActivityDeps): Pick<OrderActivities, 'createPickList' | 'confirmPickList' | 'cancelPickList'> {
  return {
    async createPickList(input) {
      const id = pickListIdFor(input.shipmentId);
      const rows = await CREATE_PICK_LIST.run(db, {
        id,
        orderId: input.orderId,
        shipmentId: input.shipmentId,
        priority: input.priority,
        waveHour: waveHourOf(new Date()),
      });
      if (rows[0]) return { pickListId: id, wave: rows[0].wave };
      // A concurrent attempt created it after this statement's snapshot was taken: read what it wrote.
      const created = await db('pick_lists').where({ id }).first('wave');
      if (!created) throw new Error(`shipment ${input.shipmentId} does not exist: no pick list for it`);
      return { pickListId: id, wave: created.wave };
    },

    /**
     * Records what was picked; lines not listed count as picked in full (the auto-mode simulator lists none).
     * A short pick means the stock is not on the shelf: the shipment shrinks to what was picked, the missing
     * units leave the reservation and on-hand stock (ledger: release, adjustment), and the order re-allocates
     * them. Only an open pick list is confirmed; confirming again returns what was recorded the first time.
     */
    async confirmPickList(input) {
      // Nothing reported (the auto-mode simulator): everything picked in full, in one statement.
      if (!input.lines?.length) {
        return CONFIRM_FULL_PICK.run(db, { orderId: input.orderId, pickListId: input.pickListId });
      }
      return db.transaction(async (trx) => {
        const [confirmed] = await trx('pick_lists')
          .where({ id: input.pickListId, status: 'open' })
          .update({ status: 'confirmed', confirmed_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning(['shipment_id', 'warehouse_code']);
        const lines = await trx('pick_list_lines').where({ pick_list_id: input.pickListId }).orderBy('sku');
        if (!confirmed)
          return lines.map((line: { sku: string; picked_quantity: number }) => ({
            sku: line.sku,
            pickedQuantity: line.picked_quantity,
          }));

        const reported = new Map((input.lines ?? []).map((line) => [line.sku, line.pickedQuantity]));
        const countsOnOrder = !(await isReplacement(trx, confirmed.shipment_id));
        const picked: PickedLine[] = [];
        for (const line of lines) {
          const pickedQuantity = Math.min(line.quantity, reported.get(line.sku) ?? line.quantity);
          const short = line.quantity - pickedQuantity;
          await trx('pick_list_lines')
            .where({ pick_list_id: input.pickListId, sku: line.sku })
            .update({ picked_quantity: pickedQuantity });
          if (countsOnOrder)
            await trx('order_lines')
              .where({ order_id: input.orderId, sku: line.sku })
              .increment('picked_quantity', pickedQuantity);
          picked.push({ sku: line.sku, pickedQuantity });
          if (short === 0) continue;
          const movement = {
            warehouse: confirmed.warehouse_code,
            sku: line.sku,
            orderId: input.orderId,
            reference: `short pick ${input.pickListId}`,
          };
          await moveStock(trx, {
            ...movement,
            reason: 'release',
            onHandDelta: 0,
            reservedDelta: -short,
            movementKey: `short-release:${input.pickListId}:${line.sku}`,
          });
          await moveStock(trx, {
            ...movement,
            reason: 'adjustment',
            onHandDelta: -short,
            reservedDelta: 0,
            movementKey: `short-adjust:${input.pickListId}:${line.sku}`,
          });
          if (countsOnOrder)
            await trx('order_lines')
              .where({ order_id: input.orderId, sku: line.sku })
              .decrement('reserved_quantity', short);
          if (pickedQuantity === 0) {
            await trx('shipment_lines').where({ shipment_id: confirmed.shipment_id, sku: line.sku }).delete();
            await trx('reservations')
              .where({ shipment_id: confirmed.shipment_id, sku: line.sku })
              .update({ status: 'released', updated_at: trx.fn.now() });
          } else {
            await trx('shipment_lines')
              .where({ shipment_id: confirmed.shipment_id, sku: line.sku })
              .update({ quantity: pickedQuantity });
            await trx('reservations')
              .where({ shipment_id: confirmed.shipment_id, sku: line.sku })
              .update({ quantity: pickedQuantity, updated_at: trx.fn.now() });
          }
        }
        const anything = picked.some((line) => line.pickedQuantity > 0);
        await trx('shipments')
          .where({ id: confirmed.shipment_id })
          .update({ status: anything ? 'picked' : 'cancelled', updated_at: trx.fn.now() });
        return picked;
      });
    },

    /** Withdraws an open pick list (cancellation); a confirmed one is left as history. */
    async cancelPickList(input) {
      await db('pick_lists')
        .where({ id: input.pickListId, status: 'open' })
        .update({ status: 'cancelled', updated_at: db.fn.now() });
    },
  };
}

/**
 * The pick list of a shipment, its lines (the shipment's) and the shipment moved to picking, in one statement;
 * a repeated call changes nothing and answers with the wave the first call gave it.
 */
const CREATE_PICK_LIST = preparedStatement<{ wave: string }>(
  'create-pick-list',
  `
  WITH shipment AS (SELECT id, warehouse_code FROM shipments WHERE id = :shipmentId),
  created AS (
    INSERT INTO pick_lists (id, shipment_id, order_id, warehouse_code, priority, wave)
    SELECT :id, id, :orderId, warehouse_code, :priority, 'W-' || warehouse_code || '-' || :waveHour FROM shipment
    ON CONFLICT (id) DO NOTHING
    RETURNING wave),
  lines AS (
    INSERT INTO pick_list_lines (pick_list_id, sku, quantity)
    SELECT :id, sku, quantity FROM shipment_lines WHERE shipment_id = :shipmentId AND EXISTS (SELECT 1 FROM created)),
  picking AS (
    UPDATE shipments SET status = 'picking', updated_at = now()
    WHERE id = :shipmentId AND status = 'allocated' AND EXISTS (SELECT 1 FROM created))
  SELECT wave FROM created
  UNION ALL
  SELECT wave FROM pick_lists WHERE id = :id`,
);

/**
 * A pick list confirmed as picked in full, in one statement: its lines, the shipment (picked) and the order lines'
 * picked units (not for an exchange's replacement). Only an open pick list is confirmed; confirming again answers
 * with what was recorded the first time.
 */
const CONFIRM_FULL_PICK = preparedStatement<PickedLine>(
  'confirm-full-pick',
  `WITH confirmed AS (
    UPDATE pick_lists SET status = 'confirmed', confirmed_at = now(), updated_at = now()
    WHERE id = :pickListId AND status = 'open' RETURNING shipment_id),
  picked AS (
    UPDATE pick_list_lines SET picked_quantity = quantity FROM confirmed
    WHERE pick_list_lines.pick_list_id = :pickListId RETURNING pick_list_lines.sku, pick_list_lines.quantity),
  shipment AS (
    UPDATE shipments SET status = 'picked', updated_at = now() FROM confirmed
    WHERE shipments.id = confirmed.shipment_id RETURNING shipments.purpose),
  counted AS (
    UPDATE order_lines SET picked_quantity = order_lines.picked_quantity + picked.quantity FROM picked, shipment
    WHERE shipment.purpose = 'order' AND order_lines.order_id = :orderId AND order_lines.sku = picked.sku)
  SELECT sku, quantity AS "pickedQuantity" FROM picked
  UNION ALL
  SELECT sku, picked_quantity FROM pick_list_lines WHERE pick_list_id = :pickListId AND NOT EXISTS (SELECT 1 FROM confirmed)
  ORDER BY sku`,
);
