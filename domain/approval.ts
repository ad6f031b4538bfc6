import type { PaymentTerms } from './order';

export interface ApprovalContext {
  total: number;
  approvalLimit: number;
  paymentTerms: PaymentTerms;
  creditLimit: number;
  /** Receivables still open for the customer (net30 invoices not yet paid). */
  outstandingReceivables: number;
  /**
   * What the customer's other open net30 orders will still invoice (approved or awaiting approval, not yet invoiced
   * and not cancelled). Absent in orders priced before it was counted: 0.
   */
  openOrdersNotInvoiced?: number;
  lines: readonly { sku: string; quantity: number; maxOrderQuantity: number | null }[];
}

/** Why an order needs an approver; empty when it is within every quota (SPEC section 3, approval quotas). */
export function approvalReasons(context: ApprovalContext): string[] {
  const reasons: string[] = [];
  if (context.total > context.approvalLimit) {
    reasons.push(`order total ${context.total} exceeds the customer's approval limit ${context.approvalLimit}`);
  }
  for (const line of context.lines) {
    if (line.maxOrderQuantity !== null && line.quantity > line.maxOrderQuantity) {
      reasons.push(`${line.sku}: quantity ${line.quantity} exceeds the per-order maximum ${line.maxOrderQuantity}`);
    }
  }
  if (context.paymentTerms === 'net30') {
    // SPEC: credit limit minus outstanding receivables and the open orders not yet invoiced.
    const headroom = context.creditLimit - context.outstandingReceivables - (context.openOrdersNotInvoiced ?? 0);
    if (context.total > headroom) {
      reasons.push(`order total ${context.total} exceeds the remaining credit ${headroom}`);
    }
  }
  return reasons;
}

export interface ApprovedLine {
  sku: string;
  approvedQuantity: number;
}

/**
 * Applies an approver's decision: lines not listed keep their full quantity, listed lines are reduced to
 * the approved quantity. Returns the approved quantity per SKU, or the problems that make it invalid.
 */
export function applyApproval(
  lines: readonly { sku: string; quantity: number }[],
  approved: readonly ApprovedLine[] = [],
): { ok: true; approved: Map<string, number> } | { ok: false; errors: string[] } {
  const ordered = new Map(lines.map((line) => [line.sku, line.quantity]));
  const result = new Map(ordered);
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const entry of approved) {
    const orderedQuantity = ordered.get(entry.sku);
    if (seen.has(entry.sku)) errors.push(`${entry.sku}: listed more than once`);
    seen.add(entry.sku);
    if (orderedQuantity === undefined) {
      errors.push(`${entry.sku}: not a line of this order`);
    } else if (!Number.isInteger(entry.approvedQuantity) || entry.approvedQuantity < 0) {
      errors.push(`${entry.sku}: approvedQuantity must be a whole number of at least 0`);
    } else if (entry.approvedQuantity > orderedQuantity) {
      errors.push(`${entry.sku}: approvedQuantity ${entry.approvedQuantity} exceeds the ordered quantity`);
    } else {
      result.set(entry.sku, entry.approvedQuantity);
    }
  }
  if (errors.length === 0 && [...result.values()].every((quantity) => quantity === 0)) {
    errors.push('approving zero of every line is a rejection: use reject instead');
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, approved: result };
}
