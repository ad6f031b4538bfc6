import type { Knex } from 'knex';
import { moneyDiscrepancies, type OrderMoney } from '../domain/reconciliation';

/** Payment reconciliation: per order, what was authorized, captured, voided, refunded, invoiced and credited. */
export async function paymentReconciliation(db: Knex, filter: { orderId?: string } = {}) {
  const query = db('orders as o')
    .select(
      'o.id as orderId',
      'o.status',
      'o.payment_method as paymentMethod',
      'o.currency',
      db.raw(`coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'authorization' AND p.status = 'succeeded'), 0)::bigint AS authorized`),
      db.raw(`coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'capture'), 0)::bigint AS captured`),
      db.raw(`coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'void'), 0)::bigint AS voided`),
      db.raw(`coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'refund'), 0)::bigint AS refunded`),
      db.raw(`coalesce((SELECT sum(total) FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice'), 0)::bigint AS invoiced`),
      db.raw(`coalesce((SELECT sum(total) FROM invoices i WHERE i.order_id = o.id AND i.kind = 'credit_note'), 0)::bigint AS credited`),
    )
    .orderBy('o.created_at', 'desc');
  if (filter.orderId) query.where('o.id', filter.orderId);
  const orders = (await query) as (OrderMoney & { currency: string })[];
  const discrepancies = orders.flatMap((order) => moneyDiscrepancies(order).map((problem) => ({ orderId: order.orderId, problem })));
  const total = (field: keyof Pick<OrderMoney, 'authorized' | 'captured' | 'voided' | 'refunded' | 'invoiced' | 'credited'>) => orders.reduce((sum, order) => sum + order[field], 0);
  return {
    orders,
    totals: { authorized: total('authorized'), captured: total('captured'), voided: total('voided'), refunded: total('refunded'), invoiced: total('invoiced'), credited: total('credited') },
    discrepancies,
  };
}
