/**
 * The contract between the order process (`workflows/`) and its steps (`activities/`): what each activity takes
 * and gives back, the failure types that cross between them and the API, and the one retry policy. Workflows
 * import activity types from here only; `createActivities` is checked against `OrderActivities`.
 */
import type { AuthorizeResult } from '../adapters/payments/provider';
import type { CarrierBooking } from '../adapters/carrier/carrier';
import type { QuantityLine } from '../domain/allocation';
import type { ApprovalContext } from '../domain/approval';
import type { Address, CarrierStatus, ReturnCondition, ReturnResolution, ReturnStatus } from '../domain/order';
import type { Bill, PricedOrder } from '../domain/pricing';
import type { RiskFacts } from '../domain/risk';
import type { OrderProgress } from '../domain/timeline';

export type { AuthorizeResult, CarrierBooking };

// ---- Failures ---------------------------------------------------------------------------------------------

/** The order's state forbids the request (the API answers 409). */
export const ORDER_STATE_CONFLICT = 'OrderStateConflict';
/** The request is well formed but cannot be applied (the API answers 422). */
export const INVALID_ORDER_REQUEST = 'InvalidOrderRequest';
/** Pricing found no record of the order it was started for. */
export const ORDER_RECORD_MISSING = 'OrderRecordMissing';
/** The payment provider refused a call for a reason retrying will not cure. */
export const PAYMENT_PROVIDER_ERROR = 'PaymentProviderError';

// ---- Retries ----------------------------------------------------------------------------------------------

/**
 * Every step is retried until it succeeds or fails for good (a non-retryable failure): outages of the database, the
 * payment provider or the carrier end, and each step is idempotent.
 */
export const STEP_RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' } as const;

// ---- What the steps take and give back ---------------------------------------------------------------------

export type ValidatedOrder =
  | ({
      valid: true;
      approval: ApprovalContext;
      promisedDeliveryDate: string | null;
      /** What the risk rules look at (orders priced before them have none). */
      risk?: Omit<RiskFacts, 'total' | 'currency'>;
    } & PricedOrder)
  | { valid: false; reasons: string[] };
export type PricedOrderResult = Extract<ValidatedOrder, { valid: true }>;

export interface AllocationRequest {
  orderId: string;
  /** The allocation round: with the order, the key of the shipments it makes. */
  round: number;
  lines: QuantityLine[];
  destination: Address;
  allOrNothing: boolean;
  /** Warehouses not to use this round (they just came up short on a pick). */
  excludeWarehouses?: string[];
  /** An exchange's replacement: reserves stock without counting toward the order's line quantities. */
  replacement?: boolean;
}

export interface AllocatedShipment {
  id: string;
  warehouse: string;
  lines: QuantityLine[];
}

export interface AllocationResult {
  shipments: AllocatedShipment[];
  unallocated: QuantityLine[];
}

export interface PickedLine {
  sku: string;
  pickedQuantity: number;
}

/** A return (RMA): the return workflow's input, and the record the order writes before starting it. */
export interface ReturnAuthorization {
  returnId: string;
  orderId: string;
  lines: QuantityLine[];
  reason: string;
  resolution: ReturnResolution;
  /** How long the goods may take to arrive before the RMA is closed (OMS_RETURN_RECEIPT_TIMEOUT). */
  receiptTimeoutMs?: number;
}

export interface ReceivedLine {
  sku: string;
  quantity: number;
  condition: ReturnCondition;
}

export interface IssuedDocument {
  number: string;
  total: number;
}

/**
 * The timeline entries an order's step with an outside system, or a pick list step, takes along and writes before its
 * own work (`OrderRuntime.withTimeline`), sparing the order a local activity to write them.
 */
export interface CarriesTimeline {
  timeline?: OrderProgress[];
}

/** Every activity of the order, return, refund and restock workflows (implemented in `activities/`). */
export interface OrderActivities {
  // The read model the order workflow keeps (activities/order-record.ts)
  recordOrderTimeline(entries: OrderProgress[]): Promise<void>;
  /** One entry: orders started before entries were written together still call this. */
  recordOrderProgress(progress: OrderProgress): Promise<void>;

  // Validation and pricing (activities/pricing.ts)
  validateAndPriceOrder(input: { orderId: string }): Promise<ValidatedOrder>;
  releasePromotion(input: { orderId: string }): Promise<void>;

  // Payment (activities/payment.ts)
  authorizePayment(
    input: CarriesTimeline & {
      orderId: string;
      amount: number;
      currency: string;
      token: string;
      /** An edit's re-authorization: the edit's number keys it (`<orderId>:authorize:edit-<n>`), a new authorization. */
      reauthorizationForEdit?: number;
    },
  ): Promise<AuthorizeResult>;
  capturePayment(
    input: CarriesTimeline & {
      orderId: string;
      shipmentId: string;
      authorizationId: string;
      amount: number;
      currency: string;
    },
  ): Promise<void>;
  refundPayment(input: {
    orderId: string;
    refundId: string;
    authorizationId: string;
    amount: number;
    currency: string;
    reason: string;
  }): Promise<void>;
  voidAuthorization(input: {
    orderId: string;
    authorizationId: string;
    amount: number;
    currency: string;
    /** Voids the authorization edit n replaced (`<orderId>:void:edit-<n>`), not the order's last one. */
    replacedByEdit?: number;
  }): Promise<void>;

  // Edits before picking (activities/order-edits.ts)
  /** Writes an edit's lines, address and expedite (and the priority they give) to the order; once per edit number. */
  applyOrderEdit(input: OrderEdit): Promise<{ priority: number }>;

  // Stock (activities/inventory.ts)
  allocateStock(input: AllocationRequest): Promise<AllocationResult>;
  releaseReservations(input: { orderId: string; shipmentId: string }): Promise<void>;
  /** Releases the order's unshipped shipments the workflow does not know; returns their IDs. */
  releaseUnknownShipments(input: { orderId: string; knownShipmentIds: string[] }): Promise<string[]>;

  // Picking (activities/picking.ts)
  createPickList(input: CarriesTimeline & { orderId: string; shipmentId: string; priority: number }): Promise<{
    pickListId: string;
    wave: string;
  }>;
  /** Records a pick: what staff confirmed (manual mode), or the simulated warehouse's full pick. */
  confirmPickList(
    input: CarriesTimeline & { orderId: string; pickListId: string; lines?: PickedLine[] },
  ): Promise<PickedLine[]>;
  cancelPickList(input: { pickListId: string }): Promise<void>;

  // Shipping (activities/shipping.ts)
  shipShipment(
    input: CarriesTimeline & {
      orderId: string;
      shipmentId: string;
      destination: Address;
      service: string;
    },
  ): Promise<CarrierBooking>;
  /** A carrier's tracking event, or `lost`: no delivery within the delivery timeout. */
  recordShipmentEvent(input: {
    orderId: string;
    shipmentId: string;
    status: CarrierStatus;
    occurredAt?: string;
    detail?: string;
    eventKey: string;
  }): Promise<void>;

  // Invoices and credit notes (activities/invoicing.ts)
  issueInvoice(input: { orderId: string; shipmentId: string; bill: Bill }): Promise<IssuedDocument>;
  issueCreditNote(input: { orderId: string; refundId: string; bill: Bill; reason: string }): Promise<IssuedDocument>;

  // Backorders (activities/backorders.ts), for the restock workflow
  /** `unanswered`: the orders that did not answer in time (absent from results recorded before it was added). */
  resumeBackorders(input: { sku: string }): Promise<{ resumed: string[]; unanswered?: string[] }>;

  // Returns (activities/returns.ts)
  recordReturn(input: ReturnAuthorization): Promise<void>;
  receiveReturnGoods(input: { returnId: string; orderId: string; lines: ReceivedLine[] }): Promise<void>;
  settleReturn(input: {
    returnId: string;
    status: ReturnStatus;
    refundId?: string;
    creditNote?: string;
    replacementShipmentId?: string;
  }): Promise<void>;

  // Refunds after the order's workflow completed (activities/refunds.ts), for the refund workflow
  /**
   * Holds a refund's amount and units against what was charged and not yet refunded (credit notes and other holds
   * count), under the order's lock; refuses it (ORDER_STATE_CONFLICT) beyond that. Once per refund ID.
   */
  holdCompletedOrderRefund(input: CompletedOrderRefund): Promise<{ bill: Bill; authorizationId: string | null }>;
  /** Lets a held refund go (the provider refused it): its amount and units count as refundable again. */
  releaseRefundHold(input: { refundId: string; reason: string }): Promise<void>;
  /**
   * The refund's credit note, once per refund ID: for a held refund, with the held bill, settling the hold; for one
   * started before holds, with the check it made then (refused beyond what was charged and not yet refunded).
   */
  creditCompletedOrder(
    input: CompletedOrderRefund,
  ): Promise<{ bill: Bill; creditNote: string; authorizationId: string | null }>;
}

/** An edit of an order before picking (SPEC section 3, Edits): the fields it changes, numbered per order. */
export interface OrderEdit {
  orderId: string;
  edit: number;
  lines?: QuantityLine[];
  shippingAddress?: Address;
  expedite?: boolean;
}

/** A refund of an order whose workflow has completed: an amount, or units of its shipped lines. */
export interface CompletedOrderRefund {
  orderId: string;
  refundId: string;
  amount?: number;
  lines?: QuantityLine[];
  reason: string;
}
