import type { CustomerTier } from './order';

/** 1 is the highest priority, 5 the lowest (SPEC section 3). */
export const HIGHEST_PRIORITY = 1;
export const LOWEST_PRIORITY = 5;
export const BATCH_IMPORT_PRIORITY = 4;

const TIER_PRIORITY: Record<CustomerTier, number> = { critical: 1, priority: 2, standard: 3 };

export type OrderSource = 'api' | 'batch';

/**
 * An order's priority: its customer's tier (batch imports default to 4 whatever the tier), raised by one
 * when expedited, never above 1.
 */
export function orderPriority(input: { tier: CustomerTier; expedite?: boolean; source?: OrderSource }): number {
  const base = input.source === 'batch' ? BATCH_IMPORT_PRIORITY : TIER_PRIORITY[input.tier];
  return Math.max(HIGHEST_PRIORITY, input.expedite ? base - 1 : base);
}
