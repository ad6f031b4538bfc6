import type { Knex } from 'knex';
import type { Row } from './connection';
import { unitsBySku } from '../domain/allocation';
import { creditNoteSourceKey } from '../domain/ids';
import { orderCreated } from '../domain/order-events';
import { randomUUID } from 'node:crypto';
import {
  WAITING_STATUSES,
  type Address,
  type CancelReason,
  type OrderStatus,
  type RejectReason,
  type CarrierStatus,
} from '../domain/order';

/** The order read model: what the API shows. The workflow writes it through its activities. */

export interface NewOrder {
  id: string;
  trackingNumber: string;
  customerId: string;
  priority: number;
  source: 'api' | 'batch';
  currency: string;
  shippingAddress: Address;
  paymentMethod: string;
  backorderPolicy: string;
  expedite: boolean;
  promotionCode?: string;
  lines: { sku: string; quantity: number }[];
  /** `api` when not given (the column's default). */
  channel?: string;
  externalId?: string;
  metadata?: Record<string, string>;
}

/** A row written together with a new order (its workflow's start request, its idempotency key). */
export interface CompanionRow {
  table: string;
  row: Record<string, unknown>;
}

/** A new order and the rows written with it. */
export interface OrderWrite {
  order: NewOrder;
  companions: CompanionRow[];
}

/**
 * The order, its lines and `companions` in ONE statement (data-modifying CTEs): all or nothing without a
 * transaction's BEGIN and COMMIT, one round trip on the path of `POST /v1/orders`.
 */
export async function insertOrder(db: Knex, order: NewOrder, companions: CompanionRow[] = []): Promise<void> {
  await insertOrders(db, [{ order, companions }]);
}

/**
 * Orders with their lines and companions, each table's rows in one multi-row insert, all in one statement (see
 * insertOrder). Several orders in one statement are all or none; `insertOrderBatch` writes more than one statement
 * holds.
 */
export async function insertOrders(db: Knex, writes: readonly OrderWrite[], firstRow = 0): Promise<void> {
  const companions = new Map<string, Record<string, unknown>[]>();
  for (const { row, table } of writes.flatMap((write) => write.companions))
    companions.set(table, [...(companions.get(table) ?? []), row]);
  const orders = writes.map((write) => write.order);
  const inserts = [
    db('orders').insert(
      orders.map((order, index) => ({
        id: order.id,
        // A batch's orders share the transaction's now(): a microsecond apart, they list in the order they came in.
        created_at: db.raw("now() + ? * interval '1 microsecond'", [firstRow + index]),
        tracking_number: order.trackingNumber,
        customer_id: order.customerId,
        priority: order.priority,
        source: order.source,
        currency: order.currency,
        shipping_address: JSON.stringify(order.shippingAddress),
        payment_method: order.paymentMethod,
        backorder_policy: order.backorderPolicy,
        expedite: order.expedite,
        promotion_code: order.promotionCode ?? null,
        channel: order.channel ?? 'api',
        external_id: order.externalId ?? null,
        metadata: order.metadata ? JSON.stringify(order.metadata) : null,
      })),
    ),
    db('order_lines').insert(
      orders.flatMap((order) =>
        order.lines.map((line, index) => ({
          order_id: order.id,
          line_no: index + 1,
          sku: line.sku,
          quantity: line.quantity,
        })),
      ),
    ),
    ...[...companions].map(([table, rows]) => db(table).insert(rows)),
    ...orderCreatedEvents(db, orders),
  ];
  // Lines and companions reference the order: PostgreSQL checks those foreign keys at the end of the statement.
  await inserts
    .reduce((query, insert, index) => query.with(`write_${index}`, insert), db.queryBuilder())
    .select(db.raw('1'));
}

/**
 * Bind parameters one statement of `insertOrders` may carry: PostgreSQL takes at most 65535, and an order with its
 * start request, idempotency key and first event takes about 30 and 4 more per line.
 */
const PARAMETERS_PER_STATEMENT = 20_000;
const parametersOf = (write: OrderWrite) => 30 + 4 * write.order.lines.length;

/**
 * Many orders (a batch import) in one transaction, in as few statements as the parameter limit allows: every order
 * is written or none is, and each round trip carries hundreds of orders instead of one.
 */
export async function insertOrderBatch(db: Knex, writes: readonly OrderWrite[]): Promise<void> {
  const statements: OrderWrite[][] = [];
  let parameters = Infinity;
  for (const write of writes) {
    if (parameters + parametersOf(write) > PARAMETERS_PER_STATEMENT) {
      statements.push([]);
      parameters = 0;
    }
    statements.at(-1)!.push(write);
    parameters += parametersOf(write);
  }
  if (statements.length <= 1) return statements.length ? insertOrders(db, statements[0]) : undefined;
  await db.transaction(async (trx) => {
    let firstRow = 0;
    for (const statement of statements) {
      await insertOrders(trx, statement, firstRow);
      firstRow += statement.length;
    }
  });
}

/**
 * `order.created`, each order's first event (sequence 1), and its deliveries: written with the order, so an order is
 * never announced without being there, nor there without being announced (later events: `emit_order_events`).
 */
function orderCreatedEvents(db: Knex, orders: readonly NewOrder[]): Knex.QueryBuilder[] {
  const events = orders.map((order) => ({
    id: newEventId(),
    order,
    event: orderCreated({
      status: 'PENDING',
      customerId: order.customerId,
      trackingNumber: order.trackingNumber,
      priority: order.priority,
      currency: order.currency,
      lines: order.lines,
      channel: order.channel ?? 'api',
      externalId: order.externalId ?? null,
      metadata: order.metadata ?? null,
    }),
  }));
  // Every event here is an `order.created`: the same subscriptions get each.
  const type = events[0]?.event.type ?? 'order.created';
  return [
    db('order_event_counters').insert(orders.map((order) => ({ order_id: order.id, last_sequence: 1 }))),
    db('outbound_events').insert(
      events.map(({ id, order, event }) => ({
        id,
        order_id: order.id,
        sequence: 1,
        type: event.type,
        key: event.key,
        data: JSON.stringify(event.data),
      })),
    ),
    db.into(db.raw('webhook_deliveries (id, subscription_id, event_id)')).insert(
      db
        .from(
          db.raw('webhook_subscriptions, jsonb_array_elements_text(CAST(? AS jsonb)) AS event(id)', [
            JSON.stringify(events.map(({ id }) => id)),
          ]),
        )
        .select(db.raw(`'dlv_' || replace(gen_random_uuid()::text, '-', '')`), 'webhook_subscriptions.id', 'event.id')
        .whereRaw('? = ANY (events) OR ? = ANY (events)', [type, '*']),
    ),
  ];
}

const SYSTEM_ACTOR = { type: 'system' } as const;

/** The same shape as the ids `emit_order_events` makes. */
const newEventId = () => `evt_${randomUUID().replace(/-/g, '')}`;

const lineView = (row: Row) => ({
  sku: row.sku,
  quantity: row.quantity,
  approvedQuantity: row.approved_quantity,
  reservedQuantity: row.reserved_quantity,
  pickedQuantity: row.picked_quantity,
  shippedQuantity: row.shipped_quantity,
  deliveredQuantity: row.delivered_quantity,
  returnedQuantity: row.returned_quantity,
  cancelledQuantity: row.cancelled_quantity,
  unitPrice: row.unit_price,
  taxRateBps: row.tax_rate_bps,
  subtotal: row.subtotal,
  discount: row.discount,
  tax: row.tax,
  total: row.total,
});

const summaryView = (row: Row) => ({
  id: row.id,
  trackingNumber: row.tracking_number,
  customerId: row.customer_id,
  channel: row.channel,
  externalId: row.external_id,
  status: row.status as OrderStatus,
  priority: row.priority,
  currency: row.currency,
  total: row.total,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  rejectReason: row.reject_reason,
  cancelReason: row.cancel_reason,
  statusReasons: row.status_reasons,
  holdReason: row.hold_reason,
  heldFrom: row.held_from,
});

export async function findOrderSummary(db: Knex, id: string) {
  const row = await db('orders').where({ id }).first();
  return row ? summaryView(row) : undefined;
}

/** The summaries of these orders (those that exist), by ID, in one round trip. */
export async function findOrderSummaries(db: Knex, ids: readonly string[]) {
  const rows = ids.length ? await db('orders').whereIn('id', ids) : [];
  return new Map(rows.map((row: Row) => [row.id as string, summaryView(row)]));
}

/** Whether an insert failed on the unique (channel, external_id) index of migration 009: the ID is taken. */
export function isDuplicateExternalId(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'orders_channel_external_id_unique';
}

/** How `findOrderIdsByExternalIds` keys its answer. */
export const externalIdKey = (channel: string, externalId: string) => JSON.stringify([channel, externalId]);

/** The orders that have these external IDs in their channels, by `externalIdKey`, in one round trip. */
export async function findOrderIdsByExternalIds(
  db: Knex,
  ids: readonly { channel: string; externalId: string }[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows: { id: string; channel: string; external_id: string }[] = await db('orders')
    .whereIn(
      ['channel', 'external_id'],
      ids.map(({ channel, externalId }) => [channel, externalId]),
    )
    .select('id', 'channel', 'external_id');
  return new Map(rows.map((row) => [externalIdKey(row.channel, row.external_id), row.id]));
}

/** The order that has `externalId` in `channel` (at most one: a unique index), if any. */
export async function findOrderIdByExternalId(
  db: Knex,
  channel: string,
  externalId: string,
): Promise<string | undefined> {
  const row = await db('orders').where({ channel, external_id: externalId }).first('id');
  return row?.id;
}

/** A refund by its ID, from its credit note (every refund has exactly one); undefined if none was issued. */
export async function findRefund(
  db: Knex,
  refundId: string,
): Promise<{ refundId: string; amount: number; creditNote: string } | undefined> {
  const note = await db('invoices')
    .where({ kind: 'credit_note', source_key: creditNoteSourceKey(refundId) })
    .first('number', 'total');
  return note ? { refundId, amount: note.total, creditNote: note.number } : undefined;
}

export async function orderDetail(db: Knex, id: string) {
  const order = await db('orders').where({ id }).first();
  if (!order) return undefined;
  const [lines, shipments, shipmentLines, events, pickLists, payments, invoices, returns, timeline] = await Promise.all(
    [
      db('order_lines').where({ order_id: id }).orderBy('line_no'),
      db('shipments').where({ order_id: id }).orderBy('seq'),
      db('shipment_lines as l')
        .join('shipments as s', 's.id', 'l.shipment_id')
        .where('s.order_id', id)
        .orderBy('l.sku')
        .select('l.*'),
      db('shipment_events as e')
        .join('shipments as s', 's.id', 'e.shipment_id')
        .where('s.order_id', id)
        .orderBy('e.occurred_at')
        .select('e.*'),
      db('pick_lists').where({ order_id: id }),
      db('payment_transactions').where({ order_id: id }).orderBy('created_at'),
      db('invoices').where({ order_id: id }).orderBy('issued_at'),
      db('returns')
        .where({ order_id: id })
        .orderBy([{ column: 'created_at' }, { column: 'id' }]),
      db('order_events').where({ order_id: id }).orderBy('seq'),
    ],
  );
  // Units refunded per SKU: every refund has a credit note, whose lines are the units it gave back (none for an amount).
  const refunded = unitsBySku(
    invoices.filter((invoice: Row) => invoice.kind === 'credit_note').flatMap((note: Row) => note.lines ?? []),
  );
  return {
    ...summaryView(order),
    source: order.source,
    totals: {
      subtotal: order.subtotal,
      discount: order.discount,
      shipping: order.shipping,
      tax: order.tax,
      total: order.total,
    },
    shippingAddress: order.shipping_address,
    payment: { method: order.payment_method },
    backorderPolicy: order.backorder_policy,
    expedite: order.expedite,
    promotionCode: order.promotion_code,
    metadata: order.metadata,
    promisedDeliveryDate: order.promised_delivery_date,
    lines: lines.map((line: Row) => ({ ...lineView(line), refundedQuantity: refunded.get(line.sku) ?? 0 })),
    shipments: shipments.map((shipment: Row) => ({
      ...shipmentView(shipment),
      lines: shipmentLines
        .filter((line: Row) => line.shipment_id === shipment.id)
        .map((line: Row) => ({ sku: line.sku, quantity: line.quantity })),
      pickList:
        pickLists
          .filter((pick: Row) => pick.shipment_id === shipment.id)
          .map((pick: Row) => ({ id: pick.id, status: pick.status }))[0] ?? null,
      events: events.filter((event: Row) => event.shipment_id === shipment.id).map(eventView),
    })),
    payments: payments.map((payment: Row) => ({
      id: payment.id,
      kind: payment.kind,
      provider: payment.provider,
      amount: payment.amount,
      currency: payment.currency,
      status: payment.status,
      providerReference: payment.provider_reference,
      shipmentId: payment.shipment_id,
      detail: payment.detail,
      createdAt: payment.created_at,
    })),
    invoices: invoices.map(invoiceSummaryView),
    returns: returns.map(returnView),
    timeline: timeline.map((event: Row) => ({
      seq: event.seq,
      type: event.type,
      status: event.status,
      message: event.message,
      detail: event.detail,
      // The request that caused it, or the order's own step.
      actor: event.actor ?? SYSTEM_ACTOR,
      at: event.created_at,
    })),
  };
}

export const shipmentView = (row: Row) => ({
  id: row.id,
  orderId: row.order_id,
  warehouse: row.warehouse_code,
  status: row.status,
  carrier: row.carrier,
  service: row.service,
  carrierTrackingNumber: row.carrier_tracking_number,
  shippedAt: row.shipped_at,
  deliveredAt: row.delivered_at,
});

/** A return (RMA): its lines, what came back, and how it was settled (refund and credit note, or replacement). */
export const returnView = (row: Row) => ({
  id: row.id,
  orderId: row.order_id,
  status: row.status,
  resolution: row.resolution,
  reason: row.reason,
  lines: row.lines,
  receivedLines: row.received_lines,
  refundId: row.refund_id,
  creditNote: row.credit_note,
  replacementShipmentId: row.replacement_shipment_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const eventView = (row: Row) => ({ status: row.status, at: row.occurred_at, detail: row.detail });

/** open / paid / overdue: a receivable's state; a credit note is `credit`. */
export function invoiceStatus(
  row: Row,
  today = new Date().toISOString().slice(0, 10),
): 'credit' | 'paid' | 'overdue' | 'open' {
  if (row.kind === 'credit_note') return 'credit';
  if (row.amount_paid + row.amount_credited >= row.total) return 'paid';
  return row.due_date && row.due_date < today ? 'overdue' : 'open';
}

export const invoiceSummaryView = (row: Row) => ({
  number: row.number,
  status: invoiceStatus(row),
  kind: row.kind,
  orderId: row.order_id,
  shipmentId: row.shipment_id,
  currency: row.currency,
  subtotal: row.subtotal,
  discount: row.discount,
  shipping: row.shipping,
  tax: row.tax,
  total: row.total,
  amountPaid: row.amount_paid,
  amountCredited: row.amount_credited,
  note: row.note,
  dueDate: row.due_date,
  issuedAt: row.issued_at,
});

export interface OrderListFilter {
  status?: OrderStatus;
  customerId?: string;
  sku?: string;
  shipmentStatus?: CarrierStatus[];
  reason?: (RejectReason | CancelReason)[];
  channel?: string;
  externalId?: string;
  /** An order ID or tracking number (whole), the start of an external ID, or part of a customer name. */
  q?: string;
  /** ISO date-times, both ends included, to the millisecond. */
  createdFrom?: string;
  createdTo?: string;
  limit: number;
  cursor?: string;
}

/** `text` matched literally by LIKE (its `%`, `_` and `\` escaped; the statement says `ESCAPE '\'`). */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * Newest first with keyset paging; a waiting status (AWAITING_APPROVAL, BACKORDERED) is a work queue:
 * highest priority first, then oldest first (SPEC section 4).
 */
export async function listOrders(db: Knex, filter: OrderListFilter) {
  const queue = filter.status !== undefined && WAITING_STATUSES.includes(filter.status);
  const query = db('orders')
    .select('*', db.raw(`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key`))
    .limit(filter.limit + 1);
  if (filter.status) query.where('status', filter.status);
  if (filter.customerId) query.where('customer_id', filter.customerId);
  if (filter.sku)
    query.whereExists(
      db('order_lines').whereRaw('order_lines.order_id = orders.id').where('order_lines.sku', filter.sku),
    );
  if (filter.shipmentStatus)
    query.whereExists(
      db('shipments').whereRaw('shipments.order_id = orders.id').whereIn('shipments.status', filter.shipmentStatus),
    );
  const reasons = filter.reason;
  if (reasons) query.where((any) => any.whereIn('reject_reason', reasons).orWhereIn('cancel_reason', reasons));
  if (filter.channel) query.where('channel', filter.channel);
  // The lower() condition lets the lower(external_id) index serve this without a channel (exact all the same).
  if (filter.externalId)
    query.whereRaw('lower(external_id) = lower(?)', [filter.externalId]).where('external_id', filter.externalId);
  // To the millisecond, the precision `createdAt` is shown with: an order's own createdAt as createdTo includes it.
  if (filter.createdFrom)
    query.whereRaw(`created_at >= date_trunc('milliseconds', ?::timestamptz)`, [filter.createdFrom]);
  if (filter.createdTo)
    query.whereRaw(`created_at < date_trunc('milliseconds', ?::timestamptz) + interval '1 millisecond'`, [
      filter.createdTo,
    ]);
  const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
  if (queue) {
    if (after)
      query.whereRaw('(priority, created_at, id) > (?, ?::timestamptz, ?)', [after.priority, after.created, after.id]);
    query.orderBy([{ column: 'priority' }, { column: 'created_at' }, { column: 'id' }]);
  } else {
    if (after) query.whereRaw('(created_at, id) < (?::timestamptz, ?)', [after.created, after.id]);
    query.orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
  }
  if (filter.q) {
    // The page among the orders each kind of match finds through its own index (primary key, tracking number,
    // lower(external_id), orders by customer after a scan of the much smaller customers table), each with the filters,
    // cursor, order and size above; then the page of those. A single OR would have PostgreSQL walk every order by date
    // when few match. IDs and tracking numbers are made upper case (services/ids.ts).
    const whole = filter.q.toUpperCase();
    const pattern = escapeLike(filter.q);
    const kinds: ((match: Knex.QueryBuilder) => Knex.QueryBuilder)[] = [
      (match) => match.where('id', whole),
      (match) => match.where('tracking_number', whole),
      (match) =>
        match.whereNotNull('external_id').whereRaw(`lower(external_id) LIKE lower(?) ESCAPE '\\'`, [`${pattern}%`]),
      (match) =>
        match.whereIn(
          'customer_id',
          db('customers')
            .select('id')
            .whereRaw(`name ILIKE ? ESCAPE '\\'`, [`%${pattern}%`]),
        ),
    ];
    const pages = kinds.map((kind) => kind(query.clone().clearSelect().select('id')));
    query.whereIn('id', db.unionAll(pages, true));
  }
  const rows = await query;
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(summaryView),
    nextCursor:
      rows.length > filter.limit && last
        ? encodeCursor({ priority: last.priority, created: last.created_key, id: last.id })
        : null,
  };
}

interface Cursor {
  priority: number;
  created: string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export class InvalidCursor extends Error {}

function decodeCursor(text: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    // Every value goes into a query: a priority outside 1..5, an impossible date or an ID with NUL would fail there.
    const created = String(cursor.created);
    if (typeof cursor.id !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(cursor.id)) throw new Error();
    if (
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(created) ||
      created < '1970' ||
      new Date(`${created.slice(0, 23)}Z`).toISOString().slice(0, 23) !== created.slice(0, 23)
    )
      throw new Error();
    if (!Number.isInteger(cursor.priority) || cursor.priority < 1 || cursor.priority > 5) throw new Error();
    return cursor;
  } catch {
    throw new InvalidCursor('cursor is not one this API returned');
  }
}
