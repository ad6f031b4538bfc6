import type { Knex } from 'knex';
import { orderPriority, type OrderSource } from '../domain/priority';
import type { CustomerTier } from '../domain/order';
import type { OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

/**
 * Edits before picking (SPEC section 3, Edits): the workflow writes an edit to the order before it prices it again,
 * since pricing reads the order's lines and address from here. Keyed on the order and the edit's number: a retry,
 * or a stale attempt of an earlier edit, writes nothing and answers with the priority the order has.
 */
export function createOrderEditActivities({ db }: ActivityDeps): Pick<OrderActivities, 'applyOrderEdit'> {
  return {
    async applyOrderEdit(input) {
      return db.transaction(async (trx) => {
        const order = await trx('orders as o')
          .join('customers as c', 'c.id', 'o.customer_id')
          .where('o.id', input.orderId)
          .forUpdate('o')
          .first<{ edits: number; expedite: boolean; source: OrderSource; tier: CustomerTier; priority: number }>(
            'o.edits',
            'o.expedite',
            'o.source',
            'c.tier',
            'o.priority',
          );
        if (!order) throw new Error(`order ${input.orderId} has no record`);
        if (order.edits >= input.edit) return { priority: order.priority };
        const expedite = input.expedite ?? order.expedite;
        const priority = orderPriority({ tier: order.tier, expedite, source: order.source });
        await trx('orders')
          .where({ id: input.orderId })
          .update({
            edits: input.edit,
            expedite,
            priority,
            ...(input.shippingAddress ? { shipping_address: JSON.stringify(input.shippingAddress) } : {}),
            updated_at: trx.fn.now(),
          });
        if (input.lines) await replaceLines(trx, input.orderId, input.lines);
        return { priority };
      });
    },
  };
}

/** The whole new set of lines; only before picking, when no line has units reserved, picked or shipped. */
async function replaceLines(
  trx: Knex.Transaction,
  orderId: string,
  lines: readonly { sku: string; quantity: number }[],
): Promise<void> {
  const busy = await trx('order_lines')
    .where({ order_id: orderId })
    .andWhere((query) => query.where('reserved_quantity', '>', 0).orWhere('shipped_quantity', '>', 0))
    .first('sku');
  if (busy) throw new Error(`order ${orderId}: line ${busy.sku} still holds units; its edit must wait for the release`);
  await trx('order_lines').where({ order_id: orderId }).delete();
  await trx('order_lines').insert(
    lines.map((line, index) => ({ order_id: orderId, line_no: index + 1, sku: line.sku, quantity: line.quantity })),
  );
}
