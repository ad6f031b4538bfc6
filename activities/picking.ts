import type { ActivityDeps } from './deps';

export interface PickedLine {
  sku: string;
  pickedQuantity: number;
}

export const pickListId = (shipmentId: string) => `PL-${shipmentId}`;

/** Warehouse picking: one pick list per shipment, confirmed by warehouse staff or the auto-mode simulator. */
export function createPickingActivities({ db }: ActivityDeps) {
  return {
    async createPickList(input: { orderId: string; shipmentId: string; priority: number }): Promise<{ pickListId: string }> {
      const id = pickListId(input.shipmentId);
      await db.transaction(async (trx) => {
        const shipment = await trx('shipments').where({ id: input.shipmentId }).first('warehouse_code');
        const inserted = await trx('pick_lists')
          .insert({ id, shipment_id: input.shipmentId, order_id: input.orderId, warehouse_code: shipment.warehouse_code, priority: input.priority })
          .onConflict('id')
          .ignore()
          .returning('id');
        if (inserted.length === 0) return;
        const lines = await trx('shipment_lines').where({ shipment_id: input.shipmentId });
        await trx('pick_list_lines').insert(lines.map((line: { sku: string; quantity: number }) => ({ pick_list_id: id, sku: line.sku, quantity: line.quantity })));
        await trx('shipments').where({ id: input.shipmentId, status: 'allocated' }).update({ status: 'picking', updated_at: trx.fn.now() });
      });
      return { pickListId: id };
    },

    /**
     * Records what was picked. Lines not listed count as picked in full (the auto-mode simulator lists none).
     * Only an open pick list is confirmed; confirming again returns what was recorded the first time.
     */
    async confirmPickList(input: { orderId: string; pickListId: string; lines?: PickedLine[] }): Promise<PickedLine[]> {
      return db.transaction(async (trx) => {
        const confirmed = await trx('pick_lists')
          .where({ id: input.pickListId, status: 'open' })
          .update({ status: 'confirmed', confirmed_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('shipment_id');
        const lines = await trx('pick_list_lines').where({ pick_list_id: input.pickListId }).orderBy('sku');
        if (confirmed.length === 0) {
          return lines.map((line: { sku: string; picked_quantity: number }) => ({ sku: line.sku, pickedQuantity: line.picked_quantity }));
        }
        const reported = new Map((input.lines ?? []).map((line) => [line.sku, line.pickedQuantity]));
        const picked: PickedLine[] = [];
        for (const line of lines) {
          const pickedQuantity = reported.get(line.sku) ?? line.quantity;
          await trx('pick_list_lines').where({ pick_list_id: input.pickListId, sku: line.sku }).update({ picked_quantity: pickedQuantity });
          await trx('order_lines').where({ order_id: input.orderId, sku: line.sku }).increment('picked_quantity', pickedQuantity);
          picked.push({ sku: line.sku, pickedQuantity });
        }
        await trx('shipments').where({ id: confirmed[0].shipment_id }).update({ status: 'picked', updated_at: trx.fn.now() });
        return picked;
      });
    },

    /** Withdraws an open pick list (cancellation); a confirmed one is left as history. */
    async cancelPickList(input: { pickListId: string }): Promise<void> {
      await db('pick_lists').where({ id: input.pickListId, status: 'open' }).update({ status: 'cancelled', updated_at: db.fn.now() });
    },
  };
}
