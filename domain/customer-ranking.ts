import { mulDivRound } from './pricing';

/** Average order value: net revenue over the orders that were billed (an order nothing was invoiced for yet has no value to average). */
export function averageOrderValue(netRevenue: number, billedOrders: number): number | null {
  return billedOrders > 0 ? mulDivRound(netRevenue, 1, billedOrders) : null;
}

export const CUSTOMER_SORT_KEYS = ['revenue', 'orders', 'averageOrderValue', 'outstanding', 'returns'] as const;
export type CustomerSortKey = (typeof CUSTOMER_SORT_KEYS)[number];

export interface RankedFigures {
  customerId: string;
  currency: string;
  revenue: number;
  orders: number;
  averageOrderValue: number | null;
  outstanding: number;
  returns: number;
}

/**
 * Ranks customers by one figure. Amounts of different currencies are never compared: rows are grouped by
 * currency (alphabetical), ranked within it, ties broken by customer ID; no average sorts last either way.
 */
export function rankCustomers<T extends RankedFigures>(
  rows: readonly T[],
  sort: CustomerSortKey,
  direction: 'asc' | 'desc',
): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1;
    const x = a[sort];
    const y = b[sort];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return (x - y) * sign;
    }
    return a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0;
  });
}
