import type { OrderStatus, PaymentMethod } from './order';

export interface OrderMoney {
  orderId: string;
  status: OrderStatus;
  paymentMethod: PaymentMethod;
  authorized: number;
  captured: number;
  voided: number;
  refunded: number;
  invoiced: number;
  credited: number;
}

/** Statuses after which no money should still be moving for the order's current shipments. */
const SETTLED: readonly OrderStatus[] = ['SHIPPED', 'DELIVERED', 'COMPLETED', 'CANCELLED', 'REJECTED'];

/**
 * What does not add up for one order (empty when all is well): captures within the authorization, refunds
 * within the captures, every capture invoiced and every refund credited, no authorization left open once the
 * order is settled, and no card money on an invoice-terms order.
 */
export function moneyDiscrepancies(order: OrderMoney): string[] {
  const problems: string[] = [];
  if (order.paymentMethod === 'invoice') {
    if (order.authorized > 0 || order.captured > 0)
      problems.push(`invoice-terms order has card money: authorized ${order.authorized}, captured ${order.captured}`);
  } else {
    if (order.captured > order.authorized)
      problems.push(`captured ${order.captured} exceeds authorized ${order.authorized}`);
    if (order.invoiced !== order.captured)
      problems.push(`invoiced ${order.invoiced} differs from captured ${order.captured}`);
    const open = order.authorized - order.captured - order.voided;
    if (SETTLED.includes(order.status) && open !== 0)
      problems.push(`${open} of the authorization is neither captured nor voided`);
  }
  if (order.refunded > Math.max(order.captured, order.invoiced))
    problems.push(`refunded ${order.refunded} exceeds what was charged`);
  if (order.credited !== order.refunded && order.paymentMethod === 'card')
    problems.push(`credit notes ${order.credited} differ from refunds ${order.refunded}`);
  return problems;
}
