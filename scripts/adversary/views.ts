import type { LineQuantities } from '../../domain/order';

/**
 * The parts of the API's answers the adversary reads (SPEC section 4). Statuses are strings, not the OMS's own
 * union: the run must read whatever the system answers (e.g. `ON_HOLD` before this checkout knows it).
 */

export const TERMINAL = ['COMPLETED', 'REJECTED', 'CANCELLED'];
/** Statuses after which nothing is left to ship: cancel and hold answer 409. */
export const NOTHING_LEFT_TO_SHIP = ['SHIPPED', 'DELIVERED', 'COMPLETED'];
export const SETTLED_RETURN = ['REFUNDED', 'EXCHANGED', 'CLOSED'];

export const isTerminal = (status: string) => TERMINAL.includes(status);

export interface LineView extends LineQuantities {
  sku: string;
}

export interface ShipmentView {
  id: string;
  warehouse: string;
  status: string;
  lines: { sku: string; quantity: number }[];
  pickList: { id: string; status: string } | null;
}

export interface PaymentView {
  id: string;
  kind: string;
  amount: number;
  status: string;
}

export interface InvoiceSummary {
  number: string;
  kind: 'invoice' | 'credit_note';
  total: number;
  amountPaid: number;
  amountCredited: number;
}

export interface TimelineEntry {
  seq: number;
  type: string;
  status: string | null;
  message: string;
  at: string;
}

export interface OrderView {
  id: string;
  status: string;
  holdReason?: string | null;
  cancelReason?: string | null;
  rejectReason?: string | null;
  payment: { method: string };
  totals: { total: number };
  lines: LineView[];
  shipments: ShipmentView[];
  payments: PaymentView[];
  invoices: InvoiceSummary[];
  timeline: TimelineEntry[];
}

export interface PickListView {
  id: string;
  orderId: string;
  shipmentId: string;
  warehouse: string;
  status: string;
  lines: { sku: string; quantity: number; pickedQuantity: number | null }[];
}

export interface ReturnView {
  id: string;
  orderId: string;
  status: string;
  resolution: string;
  lines: { sku: string; quantity: number }[];
  creditNote: string | null;
}

export interface CreditNoteView extends InvoiceSummary {
  lines: { sku: string; quantity: number }[];
}

export interface StockLevelView {
  sku: string;
  warehouse: string;
  onHand: number;
  reserved: number;
  available: number;
}

export interface LedgerRowView {
  sku: string;
  warehouse: string;
  reason: string;
  onHandDelta: number;
  reservedDelta: number;
  orderId: string | null;
}

/** Shipments a carrier holds: shipped and not yet delivered (an exception is still with the carrier). */
export const WITH_CARRIER = ['shipped', 'in_transit', 'out_for_delivery', 'exception'];

/** Units a line still misses: approved, not shipped, not reserved, not cancelled after approval. */
export function missingUnits(line: LineView): number {
  const cancelledAfterApproval = Math.max(0, line.cancelledQuantity - (line.quantity - line.approvedQuantity));
  return Math.max(0, line.approvedQuantity - line.shippedQuantity - line.reservedQuantity - cancelledAfterApproval);
}
