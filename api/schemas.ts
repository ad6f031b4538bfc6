import './zod-openapi';
import { z } from 'zod';
import {
  BACKORDER_POLICIES,
  CANCEL_REASONS,
  CUSTOMER_TIERS,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  PAYMENT_TERMS,
  REJECT_REASONS,
  LOST,
  SHIPMENT_EVENT_STATUSES,
} from '../domain/order';
import { CUSTOMER_SORT_KEYS } from '../domain/customer-ranking';
import { ORDER_EVENT_TYPES } from '../domain/order-events';
import { DELIVERY_STATUSES } from '../services/webhooks';
import { REPORT_PERIODS } from '../domain/periods';
import { MAX_ORDER_VALUE } from '../domain/pricing';

/** Request schemas: the single description of what each route accepts (400 when a request does not fit). */

// PostgreSQL text cannot hold NUL: refused here (400) rather than failing in a query or, worse, in an activity.
// eslint-disable-next-line no-control-regex -- NUL is exactly the character refused
const NO_NUL = /^[^\u0000]*$/;
const noNulMessage = 'must not contain NUL characters';
/** Free text up to `max` characters (no NUL). */
export const plainText = (max: number) => z.string().max(max).regex(NO_NUL, noNulMessage);
const text = (max = 200) => z.string().trim().min(1).max(max).regex(NO_NUL, noNulMessage);
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD');
const minorUnits = z.number().int('must be a whole number of minor units').min(0).max(Number.MAX_SAFE_INTEGER);
const quantity = z.number().int('must be a whole number').positive('must be at least 1').max(1_000_000);
// A PostgreSQL integer column holds at most 2^31 - 1.
const MAX_INT4 = 2_147_483_647;
/** An ISO time with offset in years PostgreSQL and JSON dates both hold (year 0000 fails in PostgreSQL). */
const isoTime = z.iso.datetime({ offset: true }).refine((value) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 1970 && year <= 9999;
}, 'must be between the years 1970 and 9999');
const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash or underscore (max 64)');
/** A keyset cursor: the `nextCursor` of the previous page (a row's bigint key, so never beyond 18 digits). */
const seqCursor = z
  .string()
  .regex(/^[1-9]\d{0,17}$/, 'must be a cursor this API returned')
  .openapi({ description: "the previous page's `nextCursor`" });

export const addressSchema = z.strictObject({
  name: text(),
  line1: text(),
  line2: z.string().trim().max(200).regex(NO_NUL, noNulMessage).optional(),
  city: text(),
  region: text(64),
  postalCode: text(32),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US'),
});

// Fields without defaults: a PATCH names only what changes (a default inside .partial() would reset fields).
const productFields = {
  sku: code,
  name: text(),
  unitPrice: minorUnits.max(
    MAX_ORDER_VALUE,
    `must be at most ${MAX_ORDER_VALUE} minor units, the most an order may be worth`,
  ),
  currency,
  taxCode: code,
  weightGrams: z.number().int().min(0).max(10_000_000),
  active: z.boolean(),
  maxOrderQuantity: quantity.nullable(),
};
export const productSchema = z.strictObject({
  ...productFields,
  weightGrams: productFields.weightGrams.default(0),
  active: productFields.active.default(true),
  maxOrderQuantity: productFields.maxOrderQuantity.optional(),
});
export const productPatchSchema = z.strictObject(productFields).omit({ sku: true }).partial();

export const warehouseSchema = z.strictObject({
  code,
  name: text(),
  region: text(64),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US')
    .default('US'),
  priority: z.number().int().min(0).max(10_000).default(100),
  cutoffHour: z.number().int().min(0).max(23).default(16),
  active: z.boolean().default(true),
});

const customerFields = {
  name: text(),
  email: z.email().max(254),
  active: z.boolean(),
  tier: z.enum(CUSTOMER_TIERS),
  currency,
  approvalLimit: minorUnits,
  creditLimit: minorUnits,
  paymentTerms: z.enum(PAYMENT_TERMS),
  address: addressSchema,
  notifications: z.boolean().openapi({ description: 'Whether the customer gets order emails (default true)' }),
};
export const customerSchema = z.strictObject({
  ...customerFields,
  id: code.optional(),
  active: customerFields.active.default(true),
  tier: customerFields.tier.default('standard'),
  creditLimit: customerFields.creditLimit.default(0),
  paymentTerms: customerFields.paymentTerms.default('prepaid'),
  notifications: customerFields.notifications.default(true),
});
export const customerPatchSchema = z.strictObject(customerFields).partial();

export const promotionSchema = z
  .strictObject({
    code: code,
    type: z.enum(['percent', 'fixed']),
    value: z.number().int().positive(),
    validFrom: isoTime.optional(),
    validTo: isoTime.optional(),
    minOrderAmount: minorUnits.optional(),
    usageLimit: z.number().int().positive().max(MAX_INT4).optional(),
  })
  .refine((promotion) => promotion.type !== 'percent' || promotion.value <= 100, {
    message: 'a percent promotion is at most 100',
    path: ['value'],
  })
  .refine(
    (promotion) =>
      !promotion.validFrom || !promotion.validTo || Date.parse(promotion.validFrom) < Date.parse(promotion.validTo),
    { message: 'must be after validFrom', path: ['validTo'] },
  );

export const receiptSchema = z.strictObject({
  warehouse: code,
  sku: code,
  quantity,
  reference: text(120),
});

export const adjustmentSchema = z.strictObject({
  warehouse: code,
  sku: code,
  delta: z
    .number()
    .int('must be a whole number')
    .refine((value) => value !== 0, 'must not be 0')
    .refine((value) => Math.abs(value) <= 1_000_000, 'is too large'),
  reason: text(200),
});

export const inventoryQuerySchema = z.strictObject({ sku: code.optional(), warehouse: code.optional() });
export const ledgerQuerySchema = z.strictObject({
  sku: code.optional(),
  warehouse: code.optional(),
  orderId: code.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: seqCursor.optional(),
});

export const orderLineSchema = z.strictObject({ sku: code, quantity });

/**
 * Where an order came from (`api`, `shopify`, `pos.store-12`): a lowercase slug, refused rather than lowercased, so
 * one channel is never spelled two ways and a filter finds every order of it.
 */
export const channelSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,63}$/,
    'must be 1 to 64 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit',
  );
/** The order's ID in its channel (unique there); surrounding blanks are trimmed, as in every free-text field. */
export const externalIdSchema = text(200);

export const METADATA_MAX_KEYS = 50;
export const METADATA_MAX_LENGTH = 500;
const metadataRecord = z.record(
  z.string().min(1).max(METADATA_MAX_LENGTH).regex(NO_NUL),
  z
    .string({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a string' : undefined) })
    .max(METADATA_MAX_LENGTH, `must be at most ${METADATA_MAX_LENGTH} characters`)
    .regex(NO_NUL, noNulMessage),
  {
    error: (issue) => {
      if (issue.code === 'invalid_key') return `keys are 1 to ${METADATA_MAX_LENGTH} characters, without NUL`;
      if (issue.code === 'invalid_type') return 'must be an object of string keys and string values';
      return undefined;
    },
  },
);
/**
 * The caller's own string pairs, kept with the order and shown as given. Checked on the raw object, before zod builds
 * its copy: that copy silently drops a `__proto__` key, which would lose data without a word.
 */
export const metadataSchema = z
  .preprocess((value, context) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    if (Object.keys(value).length > METADATA_MAX_KEYS)
      context.addIssue({ code: 'custom', message: `must have at most ${METADATA_MAX_KEYS} keys` });
    if (Object.hasOwn(value, '__proto__'))
      context.addIssue({ code: 'custom', path: ['__proto__'], message: 'is a reserved key' });
    return value;
  }, metadataRecord)
  .openapi({
    description: `Up to ${METADATA_MAX_KEYS} string keys (1 to ${METADATA_MAX_LENGTH} characters, not \`__proto__\`) with string values (at most ${METADATA_MAX_LENGTH} characters each), kept and shown as given`,
    maxProperties: METADATA_MAX_KEYS,
    example: { cartId: 'c-9912', campaign: 'spring' },
  });

export const placeOrderSchema = z.strictObject({
  customerId: code,
  lines: z.array(orderLineSchema).min(1, 'an order needs at least one line').max(200),
  shippingAddress: addressSchema.optional(),
  expedite: z.boolean().default(false),
  promotionCode: code.optional(),
  backorderPolicy: z.enum(BACKORDER_POLICIES).default('ship_available'),
  payment: z.strictObject({
    method: z.enum(PAYMENT_METHODS),
    token: plainText(200).min(1).optional(),
  }),
  channel: channelSchema.default('api').openapi({ description: 'where the order came from; `api` when not given' }),
  externalId: externalIdSchema.optional().openapi({
    description: "the order's ID in its channel: a second order with the same channel and externalId is refused (409)",
  }),
  metadata: metadataSchema.optional(),
});
export type PlaceOrderRequest = z.infer<typeof placeOrderSchema>;

/** An edit before picking: the fields given change; `lines` is the whole new set (SPEC section 3, Edits). */
export const editOrderSchema = z
  .strictObject({
    shippingAddress: addressSchema.optional(),
    lines: z.array(orderLineSchema).min(1, 'an order needs at least one line').max(200).optional(),
    expedite: z.boolean().optional(),
  })
  .refine((edit) => edit.shippingAddress !== undefined || edit.lines !== undefined || edit.expedite !== undefined, {
    message: 'give shippingAddress, lines or expedite',
  });

/** `Idempotency-Key` header: visible ASCII, so it can be stored and compared as sent. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters');

const listOrdersFields = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  customerId: code.optional(),
  sku: code.optional(),
  channel: channelSchema.optional().openapi({ description: 'orders placed in this channel' }),
  externalId: externalIdSchema.optional().openapi({ description: 'exact, as given when placed (trimmed)' }),
  q: text(200).optional().openapi({
    description:
      'search, case-insensitive: a whole order ID or tracking number, the start of an external ID, or part of a customer name',
  }),
  createdFrom: isoTime.optional().openapi({ description: 'orders created at or after this time' }),
  createdTo: isoTime
    .optional()
    .openapi({ description: 'orders created at or before this time (not before createdFrom)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: plainText(500).optional(),
  // Orders with a shipment in one of these comma-separated carrier statuses (`exception,lost`: the console's carrier
  // exception queue; `lost`: no delivery event within the delivery timeout).
  shipmentStatus: z
    .string()
    .transform((value) => value.split(','))
    .pipe(z.array(z.enum([...SHIPMENT_EVENT_STATUSES, LOST])).max(5))
    .optional(),
  // Orders rejected or cancelled for one of these comma-separated reasons (the console's failed queue).
  reason: z
    .string()
    .transform((value) => value.split(','))
    .pipe(z.array(z.enum([...REJECT_REASONS, ...CANCEL_REASONS])).max(10))
    .optional(),
});
export const listOrdersQuerySchema = listOrdersFields.refine(
  (query) => !query.createdFrom || !query.createdTo || Date.parse(query.createdFrom) <= Date.parse(query.createdTo),
  { message: 'must not be before createdFrom', path: ['createdTo'] },
);

export const approveSchema = z.strictObject({
  lines: z
    .array(z.strictObject({ sku: code, approvedQuantity: z.number().int().min(0) }))
    .max(200)
    .optional(),
  note: plainText(1000).optional(),
});
export const rejectSchema = z.strictObject({ reason: text(1000) });
export const cancelSchema = z.strictObject({ reason: text(1000) });
export const holdSchema = z.strictObject({ reason: text(1000) });
export const emptySchema = z.strictObject({});

export const pickListQuerySchema = z.strictObject({
  warehouse: code.optional(),
  status: z.enum(['open', 'confirmed', 'cancelled']).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const confirmPickSchema = z.strictObject({
  lines: z
    .array(z.strictObject({ sku: code, pickedQuantity: z.number().int('must be a whole number').min(0) }))
    .max(200)
    .default([]),
});
export const carrierEventSchema = z.strictObject({
  status: z.enum(SHIPMENT_EVENT_STATUSES),
  at: isoTime.optional(),
  detail: plainText(500).optional(),
});
export const refundSchema = z
  .strictObject({
    amount: minorUnits.refine((value) => value > 0, 'must be positive').optional(),
    lines: z
      .array(z.strictObject({ sku: code, quantity }))
      .min(1)
      .max(200)
      .optional(),
    reason: text(1000),
  })
  .refine((refund) => (refund.amount === undefined) !== (refund.lines === undefined), {
    message: 'give either amount or lines',
    path: ['amount'],
  });

export const returnSchema = z.strictObject({
  lines: z
    .array(z.strictObject({ sku: code, quantity }))
    .min(1)
    .max(200),
  reason: text(1000),
  resolution: z.enum(['refund', 'exchange']),
});
export const receiveReturnSchema = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        sku: code,
        quantity: z.number().int().min(0).max(1_000_000),
        condition: z.enum(['resellable', 'damaged']),
      }),
    )
    .min(1)
    .max(400),
});

export const invoicePaymentSchema = z.strictObject({
  amount: minorUnits.refine((value) => value > 0, 'must be positive'),
  reference: text(120),
});

export const auditQuerySchema = z.strictObject({
  orderId: code.optional(),
  actor: plainText(200).min(1).optional().openapi({ description: "the actor's id: an API key's id, `cli`, ..." }),
  since: isoTime.optional().openapi({ description: 'entries at or after this ISO 8601 date-time (with an offset)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: plainText(500).optional().openapi({ description: "the previous page's `nextCursor`" }),
});

/** The most orders one batch may hold. */
export const MAX_BATCH_ROWS = 1000;
export const batchOrdersSchema = z.strictObject({ orders: z.array(z.unknown()).min(1).max(MAX_BATCH_ROWS) });

// Reports (SPEC section 4): date ranges are calendar days in UTC, both ends included.
const reportDay = z.iso.date('must be a calendar date YYYY-MM-DD');
const dateRange = { from: reportDay.optional(), to: reportDay.optional() };
const fromNotAfterTo = (range: { from?: string; to?: string }) => !range.from || !range.to || range.from <= range.to;
const toAfterFrom = { message: 'must not be before from', path: ['to'] };

export const productsReportQuerySchema = z
  .strictObject({ ...dateRange, sku: code.optional() })
  .refine(fromNotAfterTo, toAfterFrom);

export const salesReportQuerySchema = z
  .strictObject({
    ...dateRange,
    period: z.enum(REPORT_PERIODS).default('day'),
    currency: currency.optional(),
    lookback: z.coerce.number().int('must be a whole number').min(1).max(52).optional(),
    asOf: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-07T12:00:00Z' })
      .optional(),
  })
  .refine(fromNotAfterTo, toAfterFrom)
  .refine((query) => !query.asOf || Date.parse(query.asOf) <= Date.now(), {
    message: 'must not be in the future',
    path: ['asOf'],
  });

export const statusReportQuerySchema = z
  .strictObject({ ...dateRange, period: z.enum(REPORT_PERIODS).default('day') })
  .refine(fromNotAfterTo, toAfterFrom);

export const customersReportQuerySchema = z
  .strictObject({
    ...dateRange,
    customerId: code.optional(),
    currency: currency.optional(),
    sort: z.enum(CUSTOMER_SORT_KEYS).default('revenue'),
    direction: z.enum(['asc', 'desc']).default('desc'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .refine(fromNotAfterTo, toAfterFrom);

export const paymentReportQuerySchema = z.strictObject({ orderId: plainText(64).optional() });

// Webhook subscriptions (SPEC section 6).
const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2000)
  .regex(NO_NUL, noNulMessage);
const webhookEvents = z
  .array(z.enum(['*', ...ORDER_EVENT_TYPES]))
  .min(1)
  .max(ORDER_EVENT_TYPES.length + 1)
  .openapi({ description: 'Event types, or `["*"]` for all' });
export const webhookSchema = z.strictObject({
  url: webhookUrl,
  events: webhookEvents,
  description: plainText(500).optional(),
});
export const webhookPatchSchema = z.strictObject({
  url: webhookUrl.optional(),
  events: webhookEvents.optional(),
  description: plainText(500).nullable().optional(),
  active: z.boolean().optional().openapi({ description: '`false` pauses (events wait), `true` resumes' }),
});
export const deliveriesQuerySchema = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: seqCursor.optional(),
});
export const orderDeliveriesQuerySchema = deliveriesQuerySchema.extend({
  orderId: plainText(64).min(1).openapi({ description: "the order whose events' deliveries to list" }),
});

export const notificationsQuerySchema = z.strictObject({
  orderId: plainText(64).optional(),
  customerId: code.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: seqCursor.optional(),
});
