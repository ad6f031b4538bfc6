import type { AuditActor } from './audit';
import type { CancelReason, OrderStatus, RejectReason } from './order';

/**
 * An entry of an order's timeline as its workflow makes it and the read model stores it (activities/order-record.ts):
 * a message, and the status change, reasons and line quantities it carries.
 */
export interface OrderProgress {
  orderId: string;
  /** The workflow's own event counter: the same event retried lands on the same timeline row. */
  seq: number;
  type: string;
  message: string;
  status?: OrderStatus;
  rejectReason?: RejectReason;
  cancelReason?: CancelReason;
  reasons?: string[];
  /** An ON_HOLD status: why, and the status it left. */
  holdReason?: string;
  heldFrom?: OrderStatus;
  /** The approver's decision per SKU; the difference to the ordered quantity is cancelled. */
  approvedQuantities?: Record<string, number>;
  /** Units that will never ship (unavailable, backorder expired), per SKU. */
  cancelledUnits?: Record<string, number>;
  detail?: Record<string, unknown>;
  /** Who asked for it, when a request caused it (SPEC section 6); the system otherwise. */
  actor?: AuditActor;
}

type Entry = Pick<OrderProgress, 'status' | 'approvedQuantities' | 'cancelledUnits'>;

/** Whether the entry cancels units: unavailable or expired ones, or whatever has not shipped of an order that ends. */
export function cancelsUnits(entry: Entry): boolean {
  return entry.cancelledUnits !== undefined || entry.status === 'CANCELLED' || entry.status === 'REJECTED';
}

/** Whether writing the entry changes the order's lines, which the steps that reserve, pick and ship count against. */
export function changesOrderLines(entry: Entry): boolean {
  return entry.approvedQuantities !== undefined || cancelsUnits(entry);
}
