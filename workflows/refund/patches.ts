/**
 * The refund workflow's patches, oldest first (as workflows/order/patches.ts is for orders): refunds started before a
 * patch replay the old branch.
 */

/**
 * The refund is held against what was charged, then refunded by the provider, then credited; a refusal releases the
 * hold and issues nothing (it was: the credit note first, then the provider, with nothing undone on a refusal).
 */
export const REFUND_HELD_BEFORE_PROVIDER = 'refund-held-before-provider';
