import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { resumeBackorderUpdate, orderWorkflowId } from '../workflows/order/messages';
import type { OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

/** Resuming waiting orders when stock arrives. */
export function createBackorderActivities({ db, temporal }: ActivityDeps): Pick<OrderActivities, 'resumeBackorders'> {
  return {
    /**
     * Offers a SKU's available stock to the orders waiting for it, one at a time in priority order then
     * first come first served, each taking what it can before the next is asked; stops when none is left.
     */
    async resumeBackorders({ sku }) {
      const waiting: { id: string }[] = await db('orders as o')
        .join('order_lines as l', 'l.order_id', 'o.id')
        .whereIn('o.status', ['BACKORDERED', 'PARTIALLY_SHIPPED'])
        .where('l.sku', sku)
        .whereRaw(
          'l.approved_quantity > l.shipped_quantity + l.reserved_quantity + (l.cancelled_quantity - (l.quantity - l.approved_quantity))',
        )
        .orderBy([{ column: 'o.priority' }, { column: 'o.created_at' }, { column: 'o.id' }])
        .select('o.id');
      const resumed: string[] = [];
      for (const { id } of waiting) {
        const stock = await db('stock')
          .where({ sku })
          .sum({ available: db.raw('on_hand - reserved') })
          .first();
        if (Number(stock?.available ?? 0) <= 0) break;
        Context.current().heartbeat(id);
        try {
          await temporal.workflow.getHandle(orderWorkflowId(id)).executeUpdate(resumeBackorderUpdate);
          resumed.push(id);
        } catch (error) {
          // The order moved on meanwhile (cancelled, expired, already resumed): nothing to offer it.
          if (!(error instanceof WorkflowUpdateFailedError)) throw error;
        }
      }
      return { resumed };
    },
  };
}
