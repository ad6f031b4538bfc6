/**
 * Ordered against what became of it, per SKU (the products report). Every unit ordered ends up shipped,
 * cancelled (reduced on approval, cancelled, unavailable, backorder expired), rejected with its order, or is
 * still open; `approved` and `returned` are views on the same units from the approval and the returns side.
 */
export interface FulfillmentQuantities {
  ordered: number;
  approved: number;
  shipped: number;
  delivered: number;
  returned: number;
  /** Units that will never ship, on orders that were not rejected (includes reductions on approval). */
  cancelled: number;
  /** Units of rejected orders. */
  rejected: number;
}

export interface FulfillmentVariance {
  /** ordered − approved: reduced on approval, rejected, or still awaiting a decision. */
  unapproved: number;
  /** ordered − shipped − cancelled − rejected: still to ship (awaiting approval, allocated, picking, backordered). */
  open: number;
  /** shipped − returned: units that stayed with customers. */
  kept: number;
}

export function fulfillmentVariance(quantities: FulfillmentQuantities): FulfillmentVariance {
  return {
    unapproved: quantities.ordered - quantities.approved,
    open: quantities.ordered - quantities.shipped - quantities.cancelled - quantities.rejected,
    kept: quantities.shipped - quantities.returned,
  };
}

export function addQuantities(rows: readonly FulfillmentQuantities[]): FulfillmentQuantities {
  const total: FulfillmentQuantities = {
    ordered: 0,
    approved: 0,
    shipped: 0,
    delivered: 0,
    returned: 0,
    cancelled: 0,
    rejected: 0,
  };
  for (const row of rows)
    for (const key of Object.keys(total) as (keyof FulfillmentQuantities)[]) total[key] += row[key];
  return total;
}
