import { requestRestock } from '../db/backorders';
import { ensureStockRow, moveStock } from '../db/stock';
import { restockWorkflowId } from '../domain/ids';
import type { OrderActivities } from '../contract';
import { returnSettledFacts } from '../domain/order-events';
import { emitOutboundFacts } from '../db/outbound';
import type { ActivityDeps } from './deps';

/** Returns (RMAs): their record, the goods coming back, and how each was settled. */
export function createReturnActivities({
  db,
  restockStarts,
}: ActivityDeps): Pick<OrderActivities, 'recordReturn' | 'receiveReturnGoods' | 'settleReturn'> {
  return {
    async recordReturn(input) {
      await db('returns')
        .insert({
          id: input.returnId,
          order_id: input.orderId,
          resolution: input.resolution,
          reason: input.reason,
          lines: JSON.stringify(input.lines),
        })
        .onConflict('id')
        .ignore();
    },

    /**
     * Goods back: resellable units are restocked, through the ledger, in the warehouse that shipped them;
     * damaged ones are written off (a ledger row that moves nothing, for the record). Once per return.
     */
    async receiveReturnGoods(input) {
      // Restocked units go to the orders still missing them (a restock run per line some order waits for).
      const restocks: string[] = [];
      await db.transaction(async (trx) => {
        const [received] = await trx('returns')
          .where({ id: input.returnId, status: 'AWAITING_RECEIPT' })
          .update({ status: 'RECEIVED', received_lines: JSON.stringify(input.lines), updated_at: trx.fn.now() })
          .returning('id');
        if (!received) return;
        for (const [index, line] of input.lines.entries()) {
          if (line.quantity === 0) continue;
          const origin = await trx('shipments as s')
            .join('shipment_lines as l', 'l.shipment_id', 's.id')
            .where({ 's.order_id': input.orderId, 'l.sku': line.sku })
            .whereNotNull('s.shipped_at')
            .orderBy('s.seq')
            .first('s.warehouse_code');
          await ensureStockRow(trx, origin.warehouse_code, line.sku);
          const resellable = line.condition === 'resellable';
          const movementKey = `return:${input.returnId}:${index}`;
          const moved = await moveStock(trx, {
            warehouse: origin.warehouse_code,
            sku: line.sku,
            reason: resellable ? 'restock' : 'write_off',
            onHandDelta: resellable ? line.quantity : 0,
            reservedDelta: 0,
            orderId: input.orderId,
            reference: `${input.returnId}: ${line.quantity} ${line.condition}`,
            movementKey,
          });
          const restock =
            resellable &&
            moved === 'applied' &&
            (await requestRestock(
              trx,
              { workflowId: restockWorkflowId(movementKey), sku: line.sku },
              { ifWaiting: true },
            ));
          if (restock) restocks.push(restock.workflowId);
          await trx('order_lines')
            .where({ order_id: input.orderId, sku: line.sku })
            .increment('returned_quantity', line.quantity);
        }
      });
      await restockStarts.start(restocks);
    },

    async settleReturn(input) {
      await db.transaction(async (trx) => {
        const [settled] = await trx('returns')
          .where({ id: input.returnId })
          .update({
            status: input.status,
            refund_id: input.refundId ?? null,
            credit_note: input.creditNote ?? null,
            replacement_shipment_id: input.replacementShipmentId ?? null,
            updated_at: trx.fn.now(),
          })
          .returning('order_id');
        if (settled) await emitOutboundFacts(trx, settled.order_id, returnSettledFacts(input));
      });
    },
  };
}
