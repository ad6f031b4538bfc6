import type { RiskRules } from './risk';
/** The order domain's vocabulary, shared by the API, the workflow and the activities (SPEC section 3). */

export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_APPROVAL',
  'AUTHORIZING',
  'BACKORDERED',
  'ALLOCATED',
  'PICKING',
  'PARTIALLY_SHIPPED',
  'ON_HOLD',
  'SHIPPED',
  'DELIVERED',
  'COMPLETED',
  'REJECTED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'REJECTED', 'CANCELLED'];
/** Statuses in which nothing is left to ship: cancellation is refused and points to returns. */
export const NOTHING_LEFT_TO_SHIP: readonly OrderStatus[] = ['SHIPPED', 'DELIVERED', 'COMPLETED'];
/** Statuses that are work queues: listed highest priority first, then oldest first. */
export const WAITING_STATUSES: readonly OrderStatus[] = ['AWAITING_APPROVAL', 'BACKORDERED'];

export const REJECT_REASONS = ['invalid', 'rejected', 'approval_timeout'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const CANCEL_REASONS = [
  'requested',
  'payment_declined',
  'backorder_expired',
  'unavailable',
  'hold_expired',
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const BACKORDER_POLICIES = ['ship_available', 'wait_all', 'cancel_unavailable'] as const;
export type BackorderPolicy = (typeof BACKORDER_POLICIES)[number];

export const PAYMENT_METHODS = ['card', 'invoice'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const CUSTOMER_TIERS = ['standard', 'priority', 'critical'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

export const PAYMENT_TERMS = ['prepaid', 'net30'] as const;
export type PaymentTerms = (typeof PAYMENT_TERMS)[number];

/** A return (RMA) waits for its goods, then is settled by a refund or an exchange, or closed when nothing is owed. */
export const RETURN_STATUSES = ['AWAITING_RECEIPT', 'RECEIVED', 'REFUNDED', 'EXCHANGED', 'CLOSED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export type ReturnResolution = 'refund' | 'exchange';
export type ReturnCondition = 'resellable' | 'damaged';

export const FULFILLMENT_MODES = ['auto', 'manual'] as const;
export type FulfillmentMode = (typeof FULFILLMENT_MODES)[number];

export const SHIPMENT_EVENT_STATUSES = ['in_transit', 'out_for_delivery', 'delivered', 'exception'] as const;
export type ShipmentEventStatus = (typeof SHIPMENT_EVENT_STATUSES)[number];
/** A shipment the carrier has not delivered within the delivery timeout: reported, and the order goes on without it. */
export const LOST = 'lost';
/** What a shipment with a carrier can become: a carrier's event, or lost. */
export type CarrierStatus = ShipmentEventStatus | typeof LOST;
/** A shipment in one of these has left the warehouse: its stock is no longer held, and it can no longer be cancelled. */
export const WITH_CARRIER_STATUSES: readonly string[] = ['shipped', ...SHIPMENT_EVENT_STATUSES, LOST];

export interface Address {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}

export interface OrderLineRequest {
  sku: string;
  quantity: number;
}

export interface PaymentRequest {
  method: PaymentMethod;
  token?: string;
}

/** Settings captured when the order starts, so a running order keeps the rules it began with. */
export interface OrderSettings {
  fulfillmentMode: FulfillmentMode;
  approvalTimeoutMs: number;
  backorderTimeoutMs: number;
  carrierDeliveryDelayMs: number;
  returnWindowMs: number;
  /** Orders started before these limits existed have none in their settings: `waitLimits` fills them in. */
  deliveryTimeoutMs?: number;
  returnReceiptTimeoutMs?: number;
  holdTimeoutMs?: number;
  /** The risk rules new orders are held by (`OMS_RISK_*`); none for orders started before them. */
  riskRules?: RiskRules;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every wait of an order has an end (SPEC section 3, "Never stuck"): a shipment not delivered within the delivery
 * timeout is reported and the order completes without it; an RMA whose goods do not arrive is closed; a hold not
 * released cancels the order. The defaults are `OMS_DELIVERY_TIMEOUT`, `OMS_RETURN_RECEIPT_TIMEOUT` and
 * `OMS_HOLD_TIMEOUT`'s.
 */
export const DEFAULT_WAIT_LIMITS = {
  deliveryTimeoutMs: 30 * DAY_MS,
  returnReceiptTimeoutMs: 30 * DAY_MS,
  holdTimeoutMs: 7 * DAY_MS,
} as const;

export function waitLimits(settings: OrderSettings): Required<Pick<OrderSettings, keyof typeof DEFAULT_WAIT_LIMITS>> {
  return {
    deliveryTimeoutMs: settings.deliveryTimeoutMs ?? DEFAULT_WAIT_LIMITS.deliveryTimeoutMs,
    returnReceiptTimeoutMs: settings.returnReceiptTimeoutMs ?? DEFAULT_WAIT_LIMITS.returnReceiptTimeoutMs,
    holdTimeoutMs: settings.holdTimeoutMs ?? DEFAULT_WAIT_LIMITS.holdTimeoutMs,
  };
}

export interface LineQuantities {
  quantity: number;
  approvedQuantity: number;
  reservedQuantity: number;
  pickedQuantity: number;
  shippedQuantity: number;
  deliveredQuantity: number;
  returnedQuantity: number;
  cancelledQuantity: number;
}

export interface OrderTotals {
  currency: string;
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  total: number;
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
