import './zod-openapi';
import { z } from 'zod';
import { NOTIFICATION_TEMPLATES, ORDER_EVENT_TYPES } from '../domain/order-events';
import { NOTIFICATION_STATUSES } from '../services/notifications';
import { DELIVERY_STATUSES } from '../services/webhooks';
import { ROLES } from '../config';
import { AUDIT_ACTOR_TYPES } from '../domain/audit';
import {
  BACKORDER_POLICIES,
  CANCEL_REASONS,
  CUSTOMER_TIERS,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  PAYMENT_TERMS,
  REJECT_REASONS,
  RETURN_STATUSES,
} from '../domain/order';

/**
 * What the API answers, for the OpenAPI document only (responses are built by the routes and db views; the
 * fuzzer checks every answer against these). Objects are open (extra fields allowed) but list every field
 * the API sends; nullable where the column is.
 */

const minor = z.number().int().openapi({ description: 'money in minor units (cents)' });
const timestamp = z.iso.datetime();
const date = z.iso.date();
const currency = z.string().length(3);

export const problemSchema = z
  .object({
    type: z.string().openapi({ example: '/problems/400' }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string().openapi({ example: 'body.lines.0.quantity' }), message: z.string() })),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details; `errors` names each offending field' });

export const duplicateOrderProblemSchema = problemSchema
  .extend({
    existingOrderId: z.string().openapi({
      description: 'the order that already has this externalId in this channel',
      example: 'ORD-0123456789AB',
    }),
  })
  .openapi('DuplicateOrderProblem', { description: 'A Problem naming the order that already has the external ID' });

// A registered schema made nullable renders as allOf [$ref, null-type] (wrong): nullable uses are inlined instead.
export const orderStatusSchema = z.enum(ORDER_STATUSES).openapi('OrderStatus');
export const statusReplySchema = z
  .object({ status: orderStatusSchema })
  .openapi('StatusReply', { description: "the order's status after the workflow applied the change" });

export const addressView = z
  .object({
    name: z.string(),
    line1: z.string(),
    line2: z.string().optional(),
    city: z.string(),
    region: z.string(),
    postalCode: z.string(),
    country: z.string(),
  })
  .openapi('Address');

export const productView = z
  .object({
    sku: z.string(),
    name: z.string(),
    unitPrice: minor,
    currency,
    taxCode: z.string(),
    weightGrams: z.number().int(),
    active: z.boolean(),
    maxOrderQuantity: z.number().int().nullable(),
  })
  .openapi('Product');

export const warehouseView = z
  .object({
    code: z.string(),
    name: z.string(),
    region: z.string(),
    country: z.string(),
    priority: z.number().int(),
    cutoffHour: z.number().int().min(0).max(23),
    active: z.boolean(),
  })
  .openapi('Warehouse');

export const customerView = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    active: z.boolean(),
    tier: z.enum(CUSTOMER_TIERS),
    currency,
    approvalLimit: minor,
    creditLimit: minor,
    paymentTerms: z.enum(PAYMENT_TERMS),
    address: addressView,
    notifications: z.boolean().openapi({ description: 'Whether the customer gets order emails' }),
  })
  .openapi('Customer');

export const promotionView = z
  .object({
    code: z.string(),
    type: z.enum(['percent', 'fixed']),
    value: z.number().int(),
    validFrom: timestamp.nullable(),
    validTo: timestamp.nullable(),
    minOrderAmount: minor.nullable(),
    usageLimit: z.number().int().nullable(),
    timesUsed: z.number().int(),
  })
  .openapi('Promotion');

export const stockLevelView = z
  .object({
    sku: z.string(),
    warehouse: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
  })
  .openapi('StockLevel');

export const stockMoveView = z
  .object({
    duplicate: z.boolean().openapi({ description: 'true when this was a retry that moved nothing' }),
    level: stockLevelView,
  })
  .openapi('StockMove');

export const ledgerEntryView = z
  .object({
    id: z.number().int(),
    sku: z.string(),
    warehouse: z.string(),
    reason: z.enum(['receipt', 'adjustment', 'reserve', 'release', 'ship', 'restock', 'write_off']),
    onHandDelta: z.number().int(),
    reservedDelta: z.number().int(),
    orderId: z.string().nullable(),
    reference: z.string().nullable(),
    at: timestamp,
  })
  .openapi('LedgerEntry');

export const auditActorView = z
  .object({
    type: z.enum(AUDIT_ACTOR_TYPES),
    id: z.string().optional().openapi({ description: "an API key's id (never the key), `cli` for the CLI" }),
    role: z.enum(ROLES).optional().openapi({ description: "an API key's role" }),
  })
  .openapi('AuditActor', { description: 'who made the change' });

export const orderSummaryView = z
  .object({
    id: z.string(),
    trackingNumber: z.string(),
    customerId: z.string(),
    channel: z.string().openapi({ description: 'where the order came from (`api` unless given)' }),
    externalId: z.string().nullable().openapi({ description: "the order's ID in its channel, if given" }),
    status: orderStatusSchema,
    priority: z.number().int().min(1).max(5),
    currency,
    total: minor.nullable().openapi({ description: 'null until the order is priced' }),
    rejectReason: z.enum(REJECT_REASONS).nullable(),
    cancelReason: z.enum(CANCEL_REASONS).nullable(),
    statusReasons: z.array(z.string()),
    holdReason: z
      .string()
      .nullable()
      .openapi({ description: 'While ON_HOLD: why (support, `risk: ...`, or a step that failed for good)' }),
    heldFrom: z
      .union([orderStatusSchema, z.null()])
      .openapi({ description: 'While ON_HOLD: the status it left, where it goes on when released' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi('OrderSummary');

export const placedOrderView = z
  .object({ id: z.string(), trackingNumber: z.string(), status: orderStatusSchema })
  .openapi('PlacedOrder', { description: 'PENDING for a new order; the current status for an idempotent replay' });

const shipmentStatus = z.enum([
  'allocated',
  'picking',
  'picked',
  'shipped',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'exception',
  'lost',
  'cancelled',
]);
const shipmentEventView = z
  .object({ status: z.string(), at: timestamp, detail: z.string().nullable() })
  .openapi('ShipmentEvent');
const quantityLine = z.object({ sku: z.string(), quantity: z.number().int() });

const shipmentFields = {
  id: z.string(),
  orderId: z.string(),
  warehouse: z.string(),
  status: shipmentStatus,
  carrier: z.string().nullable(),
  service: z.string().nullable(),
  carrierTrackingNumber: z.string().nullable(),
  shippedAt: timestamp.nullable(),
  deliveredAt: timestamp.nullable(),
  lines: z.array(quantityLine),
  events: z.array(shipmentEventView),
};
export const shipmentView = z.object(shipmentFields).openapi('Shipment');

export const invoiceSummaryView = z
  .object({
    number: z.string().openapi({ example: 'INV-2026-000001' }),
    status: z.enum(['open', 'paid', 'overdue', 'credit']),
    kind: z.enum(['invoice', 'credit_note']),
    orderId: z.string(),
    shipmentId: z.string().nullable(),
    currency,
    subtotal: minor,
    discount: minor,
    shipping: minor,
    tax: minor,
    total: minor,
    amountPaid: minor,
    amountCredited: minor,
    note: z.string().nullable(),
    dueDate: date.nullable().openapi({ description: 'net30 invoices only' }),
    issuedAt: timestamp,
  })
  .openapi('InvoiceSummary');

export const invoiceView = invoiceSummaryView
  .extend({
    lines: z.array(
      z.object({
        sku: z.string(),
        quantity: z.number().int(),
        unitPrice: minor,
        taxRateBps: z.number().int(),
        subtotal: minor,
        discount: minor,
        tax: minor,
        total: minor,
      }),
    ),
  })
  .openapi('Invoice');

export const returnView = z
  .object({
    id: z.string(),
    orderId: z.string(),
    status: z.enum(RETURN_STATUSES),
    resolution: z.enum(['refund', 'exchange']),
    reason: z.string(),
    lines: z.array(quantityLine),
    receivedLines: z.array(quantityLine.extend({ condition: z.enum(['resellable', 'damaged']) })).nullable(),
    refundId: z.string().nullable(),
    creditNote: z.string().nullable(),
    replacementShipmentId: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi('Return');

const nullableMinor = minor.nullable();
export const orderDetailView = orderSummaryView
  .extend({
    source: z.enum(['api', 'batch']),
    totals: z.object({
      subtotal: nullableMinor,
      discount: nullableMinor,
      shipping: nullableMinor,
      tax: nullableMinor,
      total: nullableMinor,
    }),
    shippingAddress: addressView,
    payment: z.object({ method: z.enum(PAYMENT_METHODS) }),
    backorderPolicy: z.enum(BACKORDER_POLICIES),
    expedite: z.boolean(),
    promotionCode: z.string().nullable(),
    metadata: z
      .record(z.string(), z.string())
      .nullable()
      .openapi({ description: "the caller's string pairs, as given; null when none were" }),
    promisedDeliveryDate: date.nullable(),
    lines: z.array(
      z.object({
        sku: z.string(),
        quantity: z.number().int(),
        approvedQuantity: z.number().int(),
        reservedQuantity: z.number().int(),
        pickedQuantity: z.number().int(),
        shippedQuantity: z.number().int(),
        deliveredQuantity: z.number().int(),
        returnedQuantity: z.number().int(),
        cancelledQuantity: z.number().int(),
        refundedQuantity: z.number().int().openapi({
          description:
            'units refunded so far (on credit notes); shipped minus refunded units may still be refunded by lines',
        }),
        unitPrice: nullableMinor,
        taxRateBps: z.number().int().nullable(),
        subtotal: nullableMinor,
        discount: nullableMinor,
        tax: nullableMinor,
        total: nullableMinor,
      }),
    ),
    shipments: z.array(
      z.object({
        ...shipmentFields,
        pickList: z.object({ id: z.string(), status: z.enum(['open', 'confirmed', 'cancelled']) }).nullable(),
      }),
    ),
    payments: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(['authorization', 'capture', 'void', 'refund']),
        provider: z.string(),
        amount: minor,
        currency,
        status: z.enum(['succeeded', 'declined']),
        providerReference: z.string().nullable(),
        shipmentId: z.string().nullable(),
        detail: z.string().nullable(),
        createdAt: timestamp,
      }),
    ),
    invoices: z.array(invoiceSummaryView),
    returns: z.array(returnView).openapi({ description: "the order's returns (RMAs), oldest first" }),
    timeline: z.array(
      z.object({
        seq: z.number().int(),
        type: z.string(),
        status: z.enum(ORDER_STATUSES).nullable(),
        message: z.string(),
        detail: z.unknown(),
        actor: auditActorView.openapi({
          description: 'Who asked for it (a request entry), or `{type: "system"}` for the order’s own steps',
        }),
        at: timestamp,
      }),
    ),
  })
  .openapi('Order');

export const orderHistoryView = z
  .object({
    orderId: z.string(),
    status: orderStatusSchema,
    workflowId: z.string(),
    temporalUiUrl: z.string().openapi({ description: "the order's workflow in the Temporal Web UI" }),
    timeline: orderDetailView.shape.timeline,
  })
  .openapi('OrderHistory');

export const batchResultView = z
  .object({
    accepted: z.number().int(),
    rejected: z.number().int(),
    results: z.array(
      z.object({
        index: z.number().int(),
        line: z
          .number()
          .int()
          .optional()
          .openapi({ description: 'CSV only: the line of the file (the header is line 1)' }),
        id: z.string().optional(),
        trackingNumber: z.string().optional(),
        status: orderStatusSchema.optional(),
        errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
        existingOrderId: z
          .string()
          .optional()
          .openapi({ description: "when the row's externalId is already used in its channel: the order that has it" }),
      }),
    ),
  })
  .openapi('BatchResult');

export const refundReplyView = z
  .object({ status: orderStatusSchema, refundId: z.string(), amount: minor, creditNote: z.string() })
  .openapi('RefundReply');

export const returnOpenedView = z
  .object({ id: z.string().openapi({ example: 'ORD-0123456789AB/return-1' }), status: z.literal('AWAITING_RECEIPT') })
  .openapi('ReturnOpened');

export const pickListView = z
  .object({
    id: z.string(),
    orderId: z.string(),
    shipmentId: z.string(),
    warehouse: z.string(),
    wave: z.string(),
    priority: z.number().int(),
    status: z.enum(['open', 'confirmed', 'cancelled']),
    createdAt: timestamp,
    confirmedAt: timestamp.nullable(),
    lines: z.array(
      z.object({ sku: z.string(), quantity: z.number().int(), pickedQuantity: z.number().int().nullable() }),
    ),
  })
  .openapi('PickList');

export const trackingView = z
  .object({
    trackingNumber: z.string(),
    status: orderStatusSchema,
    placedAt: timestamp,
    promisedDeliveryDate: date.nullable(),
    items: z.array(
      z.object({
        sku: z.string(),
        name: z.string(),
        quantity: z.number().int(),
        shippedQuantity: z.number().int(),
        deliveredQuantity: z.number().int(),
        cancelledQuantity: z.number().int(),
      }),
    ),
    shipments: z.array(
      z.object({
        carrier: z.string().nullable(),
        service: z.string().nullable(),
        carrierTrackingNumber: z.string(),
        status: shipmentStatus,
        shippedAt: timestamp.nullable(),
        deliveredAt: timestamp.nullable(),
        events: z.array(shipmentEventView),
      }),
    ),
  })
  .openapi('Tracking', { description: 'customer-safe: no names, emails or addresses' });

const moneyTotals = {
  authorized: minor,
  captured: minor,
  voided: minor,
  refunded: minor,
  invoiced: minor,
  credited: minor,
};
export const paymentReportView = z
  .object({
    orders: z.array(
      z.object({
        orderId: z.string(),
        status: orderStatusSchema,
        paymentMethod: z.enum(PAYMENT_METHODS),
        currency,
        ...moneyTotals,
      }),
    ),
    totals: z.object(moneyTotals),
    discrepancies: z.array(z.object({ orderId: z.string(), problem: z.string() })),
  })
  .openapi('PaymentReconciliation');

/** An edit's answer: the status once it took effect, and the totals the order was priced at again. */
export const editReplyView = statusReplySchema
  .extend({
    totals: z
      .object({ currency, subtotal: minor, discount: minor, shipping: minor, tax: minor, total: minor })
      .nullable()
      .openapi({ description: 'null only if the order stopped before it was priced' }),
  })
  .openapi('EditReply');
export const auditEntryView = z
  .object({
    id: z.number().int(),
    at: timestamp,
    actor: auditActorView,
    action: z.string().openapi({
      description: "the route's operationId (`cancelOrder`), `createApiKey` and `revokeApiKey` for the CLI's keys",
      example: 'cancelOrder',
    }),
    targetType: z.string().nullable().openapi({ example: 'order' }),
    targetId: z.string().nullable(),
    orderId: z.string().nullable().openapi({ description: 'the order the target is or belongs to' }),
    detail: z.record(z.string(), z.unknown()).nullable().openapi({
      description:
        'the request `body` (secrets dropped, personal data masked, bounded), other path `params`, the own fields of the answer as `result`, `replayed` for an idempotent replay; for a key the CLI created, its `role` and `label`',
    }),
    status: z.number().int().nullable().openapi({ description: 'the HTTP status answered; null outside a request' }),
    requestId: z.string().nullable().openapi({ description: "the request's X-Request-Id, as in the API's log" }),
  })
  .openapi('AuditEntry');

export const itemsOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
/** A page of a list with keyset paging: `nextCursor` (null on the last page) asks for the next one. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: 'the next page’s `cursor`; null on the last page' }),
  });

const webhookFields = {
  id: z.string().openapi({ example: 'whk_0123456789abcdef' }),
  url: z.string(),
  events: z.array(z.enum(['*', ...ORDER_EVENT_TYPES])),
  description: z.string().nullable(),
  active: z.boolean().openapi({ description: '`false` while paused: its events wait and go out on resume' }),
  createdAt: timestamp,
  updatedAt: timestamp,
};
export const webhookView = z.object(webhookFields).openapi('WebhookSubscription');
export const createdWebhookView = z
  .object({
    ...webhookFields,
    secret: z.string().openapi({
      description: 'The signing secret (`whsec_` + base64), shown in this answer only',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .openapi('CreatedWebhookSubscription');
const webhookAttemptView = z
  .object({
    attempt: z.number().int().min(1),
    at: timestamp,
    statusCode: z.number().int().nullable().openapi({ description: 'null when no answer came' }),
    durationMs: z.number().int().min(0),
    error: z.string().nullable(),
  })
  .openapi('WebhookAttempt');
export const webhookDeliveryView = z
  .object({
    id: z.string(),
    subscriptionId: z.string(),
    eventId: z.string(),
    eventType: z.enum(ORDER_EVENT_TYPES),
    orderId: z.string(),
    sequence: z.number().int().min(1),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.array(webhookAttemptView),
    nextAttemptAt: timestamp.nullable().openapi({ description: 'While pending' }),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .openapi('WebhookDelivery');
export const orderWebhookDeliveryView = webhookDeliveryView
  .omit({ attempts: true })
  .extend({
    subscriptionUrl: z.string().openapi({ description: "the subscription's URL, where the event is POSTed" }),
    attemptCount: z.number().int().min(0).openapi({ description: 'attempts made so far' }),
    lastAttempt: webhookAttemptView.nullable().openapi({ description: 'null before the first attempt' }),
  })
  .openapi('OrderWebhookDelivery', {
    description: "A delivery of one of an order's events; its subscription's delivery log has every attempt",
  });

const notificationFields = {
  id: z.string().openapi({ example: 'ntf_0123456789abcdef0123456789abcdef' }),
  orderId: z.string(),
  customerId: z.string(),
  template: z.enum(NOTIFICATION_TEMPLATES),
  to: z.string(),
  subject: z.string().nullable().openapi({ description: 'null until its first attempt renders it' }),
  status: z.enum(NOTIFICATION_STATUSES),
  attempts: z.number().int().min(0),
  sentAt: timestamp.nullable(),
  error: z.string().nullable().openapi({ description: "The mail server's last refusal, or why it failed" }),
  createdAt: timestamp,
};
export const notificationView = z.object(notificationFields).openapi('Notification');
export const notificationDetailView = z
  .object({ ...notificationFields, text: z.string().nullable(), html: z.string().nullable() })
  .openapi('NotificationWithBodies');
