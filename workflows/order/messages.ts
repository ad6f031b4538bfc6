import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovedLine } from '../../domain/approval';
import type { AuditActor } from '../../domain/audit';
import type {
  Address,
  BackorderPolicy,
  CancelReason,
  LineQuantities,
  OrderSettings,
  OrderStatus,
  OrderTotals,
  PaymentRequest,
  RejectReason,
  ShipmentEventStatus,
} from '../../domain/order';

/** The order workflow's name, IDs and messages: everything a client needs to talk to a running order. */
export const ORDER_TASK_QUEUE = 'orders';
export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';
/** Workflow ID = order ID, so an order's history is found in the Temporal UI by its ID. */
export const orderWorkflowId = (orderId: string) => orderId;

export interface OrderWorkflowInput {
  orderId: string;
  customerId: string;
  priority: number;
  shippingAddress: Address;
  payment: PaymentRequest;
  backorderPolicy: BackorderPolicy;
  settings: OrderSettings;
}

export interface OrderLineState extends LineQuantities {
  sku: string;
}

export type ShipmentStatus =
  | 'allocated'
  | 'picking'
  | 'shipped'
  | 'in_transit'
  | 'out_for_delivery'
  | 'exception'
  | 'delivered'
  | 'lost'
  | 'cancelled';

export interface ShipmentState {
  id: string;
  warehouse: string;
  lines: { sku: string; quantity: number }[];
  status: ShipmentStatus;
  pickListId?: string;
  carrier?: string;
  carrierTrackingNumber?: string;
  invoiceNumber?: string;
  invoiceTotal?: number;
  capturedAmount?: number;
  /** An exchange's replacement: shipped at no charge, not counted on the order's lines. */
  replacement?: boolean;
}

export interface ReturnState {
  id: string;
  status: 'AWAITING_RECEIPT' | 'RECEIVED' | 'REFUNDED' | 'EXCHANGED' | 'CLOSED';
  resolution: 'refund' | 'exchange';
}

export interface RefundState {
  id: string;
  amount: number;
  creditNote: string;
  reason: string;
}

/** The live state of an order, as the workflow sees it (returned by `orderState` and as the result). */
export interface OrderState {
  orderId: string;
  status: OrderStatus;
  rejectReason?: RejectReason;
  cancelReason?: CancelReason;
  reasons: string[];
  /** While ON_HOLD: why, and the status it left (it returns there when released). */
  holdReason?: string;
  heldFrom?: OrderStatus;
  waitingFor?: 'approval' | 'stock' | 'pick' | 'carrier' | 'release';
  promisedDeliveryDate?: string | null;
  lines: OrderLineState[];
  totals?: OrderTotals;
  authorization?: { id: string; amount: number; voided?: boolean };
  shipments: ShipmentState[];
  refunds: RefundState[];
  returns: ReturnState[];
}

export interface StatusReply {
  status: OrderStatus;
}

/** Who sent a request (an API key's id and role, the carrier's signature): recorded on the order's timeline. */
export interface Requested {
  actor?: AuditActor;
}

export interface ApproveRequest extends Requested {
  lines?: ApprovedLine[];
  note?: string;
}

export interface RejectRequest extends Requested {
  reason: string;
}

export interface CancelRequest extends Requested {
  reason: string;
}

/** Support holds an order before it ships; it stops before its next step. */
export interface HoldRequest extends Requested {
  reason: string;
}

export interface HoldReply extends StatusReply {
  holdReason: string;
}

export interface ConfirmPickRequest extends Requested {
  pickListId: string;
  lines: { sku: string; pickedQuantity: number }[];
}

export interface CarrierEventRequest extends Requested {
  shipmentId: string;
  status: ShipmentEventStatus;
  /** ISO time the carrier reports; defaults to when it is recorded. */
  at?: string;
  detail?: string;
}

/** A support refund: an amount, or units of shipped lines (priced as they were billed). */
export interface RefundRequest extends Requested {
  amount?: number;
  lines?: { sku: string; quantity: number }[];
  reason: string;
}

export interface RefundReply extends StatusReply {
  refundId: string;
  amount: number;
  creditNote: string;
}

/**
 * A support refund sent with an Idempotency-Key is named by it: `<orderId>/refund-<key>`, whether the running
 * order decides it (the Update `refundUpdateId(key)`) or, once the order's workflow has completed, a refund
 * workflow does (its workflow ID). So a retry whose first answer was lost finds the first refund, before or
 * after completion, and never makes a second one. A refund without a key gets a random code instead.
 */
export const refundIdFor = (orderId: string, key: string) => `${orderId}/refund-${key}`;
const REFUND_UPDATE_PREFIX = 'refund:';
export const refundUpdateId = (idempotencyKey: string) => `${REFUND_UPDATE_PREFIX}${idempotencyKey}`;
/** The Idempotency-Key a refund Update's ID was made from (see refundUpdateId); undefined for a client-generated ID. */
export const idempotencyKeyOfRefundUpdate = (updateId: string | undefined): string | undefined =>
  updateId?.startsWith(REFUND_UPDATE_PREFIX) ? updateId.slice(REFUND_UPDATE_PREFIX.length) : undefined;

/**
 * An edit before picking (SPEC section 3, Edits): the fields it names change; `lines` is the whole new set. The API
 * has checked its SKUs against the catalog; the order checks the rest (see `OrderBook.validateEdit`).
 */
export interface EditRequest extends Requested {
  shippingAddress?: Address;
  lines?: { sku: string; quantity: number }[];
  expedite?: boolean;
}

/** The status once the edit took effect, and the totals it was priced at (null if the order stopped before). */
export interface EditReply extends StatusReply {
  totals: OrderTotals | null;
}

/** A return (RMA) of shipped units, within the return window. */
export interface ReturnRequest extends Requested {
  lines: { sku: string; quantity: number }[];
  reason: string;
  resolution: 'refund' | 'exchange';
}

export const orderStateQuery = defineQuery<OrderState>('orderState');
export const approveOrderUpdate = defineUpdate<StatusReply, [ApproveRequest]>('approveOrder');
export const rejectOrderUpdate = defineUpdate<StatusReply, [RejectRequest]>('rejectOrder');
export const cancelOrderUpdate = defineUpdate<StatusReply, [CancelRequest]>('cancelOrder');
export const resumeBackorderUpdate = defineUpdate<StatusReply, [Requested]>('resumeBackorder');
export const holdOrderUpdate = defineUpdate<HoldReply, [HoldRequest]>('holdOrder');
/** Releases a held order: it goes on where it stopped (a step that failed is tried again). */
export const releaseOrderUpdate = defineUpdate<StatusReply, [Requested]>('releaseOrder');
export const refundOrderUpdate = defineUpdate<RefundReply, [RefundRequest]>('refundOrder');
export const requestReturnUpdate = defineUpdate<{ id: string; status: 'AWAITING_RECEIPT' }, [ReturnRequest]>(
  'requestReturn',
);
/** Changes lines, address or expedite until picking starts. */
export const editOrderUpdate = defineUpdate<EditReply, [EditRequest]>('editOrder');
/** Manual mode: warehouse staff confirm what they picked. */
export const confirmPickUpdate = defineUpdate<StatusReply, [ConfirmPickRequest]>('confirmPick');
/** Manual mode: a carrier's tracking event for one of the order's shipments. */
export const carrierEventUpdate = defineUpdate<StatusReply, [CarrierEventRequest]>('carrierEvent');
