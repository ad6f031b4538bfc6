import type { Knex } from 'knex';
import { TERMINAL_STATUSES, type OrderStatus } from '../domain/order';
import { paymentReconciliation } from './reports';

/**
 * Invariants of the business records, checked straight on the database (`npm run check-invariants`, and after
 * every chaos run). Each check says how many things it looked at and lists the ones that break it, with a few
 * examples, so a person can go and look. They hold exactly on a quiet system; while orders are moving, an order
 * can sit between two steps of one pipeline stage (captured, not yet invoiced) for a moment.
 */
export interface InvariantResult {
  name: string;
  description: string;
  checked: number;
  violations: number;
  examples: string[];
}

export interface InvariantReport {
  ok: boolean;
  results: InvariantResult[];
  figures: InvariantFigures;
}

export interface InvariantFigures {
  ordersByStatus: Record<string, number>;
  cancelReasons: Record<string, number>;
  rejectReasons: Record<string, number>;
  stockRows: number;
  onHand: number;
  reserved: number;
  ledgerRows: number;
  shipmentsShipped: number;
  unitsShipped: number;
  captures: number;
  capturedAmount: number;
  refunds: number;
  refundedAmount: number;
  invoices: number;
  creditNotes: number;
  returns: number;
}

/** What Temporal knows about order workflows (optional: checks that non-terminal orders still have a running workflow). */
export interface OrderWorkflowLookup {
  /** The workflow's execution status (`RUNNING`, `COMPLETED`, `FAILED`, ...) or undefined when there is none. */
  statusOf(orderId: string): Promise<string | undefined>;
  /** OMS workflows (orders, returns, refunds, restocks) that ended any other way than completing. */
  abnormallyClosed(): Promise<{ workflowId: string; type: string; status: string }[]>;
}

export interface InvariantOptions {
  /** Every order must be in a terminal status (a chaos run waits for this before checking). */
  requireSettled?: boolean;
  workflows?: OrderWorkflowLookup;
  /** Examples listed per check (default 5). */
  exampleLimit?: number;
}

/**
 * What each order status requires of the records (SPEC section 3, order status). Terminal: COMPLETED, REJECTED,
 * CANCELLED; all others are in flight and only require what holds at every step of the pipeline.
 */
export const ORDER_STATE_RULES: Record<OrderStatus, string> = {
  PENDING: 'in flight; nothing shipped, captured or invoiced',
  AWAITING_APPROVAL: 'in flight; nothing reserved, shipped, captured or invoiced',
  AUTHORIZING: 'in flight; nothing shipped, captured or invoiced',
  BACKORDERED: 'in flight; nothing shipped, captured or invoiced',
  ALLOCATED: 'in flight; at least one shipment allocated',
  PICKING: 'in flight; at least one pick list',
  PARTIALLY_SHIPPED: 'in flight; at least one shipment shipped',
  ON_HOLD: 'in flight; a hold reason and the status it left',
  SHIPPED:
    'every approved unit shipped or cancelled, nothing of the order reserved or on an open pick list, every shipped shipment invoiced',
  DELIVERED: 'as SHIPPED, and every shipped shipment delivered (or reported lost after the delivery timeout)',
  COMPLETED: 'terminal; as DELIVERED, every return settled and every replacement shipped, nothing reserved',
  REJECTED: 'terminal; rejectReason set, no shipment, authorization, capture or invoice',
  CANCELLED: 'terminal; cancelReason set, every unit shipped or cancelled, nothing reserved, no open pick list',
};

type Check = (
  db: Knex,
  options: InvariantOptions,
) => Promise<Omit<InvariantResult, 'examples' | 'violations'> & { problems: string[] }>;

/** Runs every check; `ok` is false when any reports a violation. */
export async function checkInvariants(db: Knex, options: InvariantOptions = {}): Promise<InvariantReport> {
  const limit = options.exampleLimit ?? 5;
  const results: InvariantResult[] = [];
  for (const check of CHECKS) {
    const { problems, ...result } = await check(db, options);
    results.push({ ...result, violations: problems.length, examples: problems.slice(0, limit) });
  }
  return { ok: results.every((result) => result.violations === 0), results, figures: await figures(db) };
}

async function rows<T>(db: Knex, sql: string, bindings: Knex.RawBinding[] = []): Promise<T[]> {
  return (await db.raw<{ rows: T[] }>(sql, bindings)).rows;
}

// ---- Orders ----------------------------------------------------------------------------------------------

/** One order's status with counts of what its records hold. */
export interface OrderFacts {
  id: string;
  status: OrderStatus;
  reject_reason: string | null;
  cancel_reason: string | null;
  hold_reason: string | null;
  active_reservations: number;
  active_replacement_reservations: number;
  shipments: number;
  live_shipments: number;
  shipped_shipments: number;
  undelivered_shipments: number;
  uninvoiced_shipments: number;
  unshipped_replacements: number;
  pick_lists: number;
  open_pick_lists: number;
  open_lines: number;
  reserved_units: number;
  shipped_units: number;
  open_returns: number;
  authorizations: number;
  captures: number;
  invoices: number;
}

const orderStates: Check = async (db, options) => {
  const orders = await rows<OrderFacts>(
    db,
    `WITH res AS (
       SELECT r.order_id,
              count(*) FILTER (WHERE s.purpose = 'order') AS active_reservations,
              count(*) FILTER (WHERE s.purpose = 'replacement') AS active_replacement_reservations
       FROM reservations r JOIN shipments s ON s.id = r.shipment_id WHERE r.status = 'active' GROUP BY r.order_id
     ), shp AS (
       SELECT s.order_id,
              count(*) FILTER (WHERE s.purpose = 'order') AS shipments,
              count(*) FILTER (WHERE s.purpose = 'order' AND s.status <> 'cancelled') AS live_shipments,
              count(*) FILTER (WHERE s.purpose = 'order' AND s.shipped_at IS NOT NULL) AS shipped_shipments,
              count(*) FILTER (WHERE s.purpose = 'order' AND s.shipped_at IS NOT NULL AND s.status NOT IN ('delivered', 'lost')) AS undelivered_shipments,
              count(*) FILTER (WHERE s.purpose = 'order' AND s.shipped_at IS NOT NULL
                                 AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.kind = 'invoice' AND i.shipment_id = s.id)) AS uninvoiced_shipments,
              count(*) FILTER (WHERE s.purpose = 'replacement' AND s.shipped_at IS NULL AND s.status <> 'cancelled') AS unshipped_replacements
       FROM shipments s GROUP BY s.order_id
     ), pl AS (
       SELECT order_id, count(*) AS pick_lists, count(*) FILTER (WHERE status = 'open') AS open_pick_lists FROM pick_lists GROUP BY order_id
     ), ln AS (
       SELECT order_id,
              count(*) FILTER (WHERE shipped_quantity + cancelled_quantity <> quantity) AS open_lines,
              sum(reserved_quantity) AS reserved_units, sum(shipped_quantity) AS shipped_units
       FROM order_lines GROUP BY order_id
     ), ret AS (
       SELECT order_id, count(*) FILTER (WHERE status NOT IN ('REFUNDED', 'EXCHANGED', 'CLOSED')) AS open_returns FROM returns GROUP BY order_id
     ), pay AS (
       SELECT order_id,
              count(*) FILTER (WHERE kind = 'authorization' AND status = 'succeeded') AS authorizations,
              count(*) FILTER (WHERE kind = 'capture') AS captures
       FROM payment_transactions GROUP BY order_id
     ), inv AS (
       SELECT order_id, count(*) AS invoices FROM invoices WHERE kind = 'invoice' GROUP BY order_id
     )
     SELECT o.id, o.status, o.reject_reason, o.cancel_reason, o.hold_reason,
            coalesce(res.active_reservations, 0)::int AS active_reservations,
            coalesce(res.active_replacement_reservations, 0)::int AS active_replacement_reservations,
            coalesce(shp.shipments, 0)::int AS shipments, coalesce(shp.live_shipments, 0)::int AS live_shipments,
            coalesce(shp.shipped_shipments, 0)::int AS shipped_shipments, coalesce(shp.undelivered_shipments, 0)::int AS undelivered_shipments,
            coalesce(shp.uninvoiced_shipments, 0)::int AS uninvoiced_shipments, coalesce(shp.unshipped_replacements, 0)::int AS unshipped_replacements,
            coalesce(pl.pick_lists, 0)::int AS pick_lists, coalesce(pl.open_pick_lists, 0)::int AS open_pick_lists,
            coalesce(ln.open_lines, 0)::int AS open_lines, coalesce(ln.reserved_units, 0)::int AS reserved_units,
            coalesce(ln.shipped_units, 0)::int AS shipped_units, coalesce(ret.open_returns, 0)::int AS open_returns,
            coalesce(pay.authorizations, 0)::int AS authorizations, coalesce(pay.captures, 0)::int AS captures,
            coalesce(inv.invoices, 0)::int AS invoices
     FROM orders o
     LEFT JOIN res ON res.order_id = o.id LEFT JOIN shp ON shp.order_id = o.id LEFT JOIN pl ON pl.order_id = o.id
     LEFT JOIN ln ON ln.order_id = o.id LEFT JOIN ret ON ret.order_id = o.id LEFT JOIN pay ON pay.order_id = o.id
     LEFT JOIN inv ON inv.order_id = o.id
     ORDER BY o.created_at, o.id`,
  );
  const problems: string[] = [];
  for (const order of orders) {
    for (const problem of orderStateProblems(order, options)) problems.push(`${order.id} ${order.status}: ${problem}`);
  }
  if (options.workflows) {
    for (const order of orders.filter((candidate) => !TERMINAL_STATUSES.includes(candidate.status))) {
      const status = await options.workflows.statusOf(order.id);
      if (status !== 'RUNNING')
        problems.push(`${order.id} ${order.status}: not terminal, but its workflow is ${status ?? 'missing'}`);
    }
    for (const closed of await options.workflows.abnormallyClosed()) {
      problems.push(`workflow ${closed.workflowId} (${closed.type}) ended ${closed.status}`);
    }
  }
  return {
    name: 'order-states',
    description:
      'every order is in an allowed state: its status agrees with its reservations, pick lists, shipments, payments, invoices and returns' +
      (options.workflows ? '; orders in flight have a running workflow and none has failed' : '') +
      (options.requireSettled ? '; every order has settled (terminal)' : ''),
    checked: orders.length,
    problems,
  };
};

/** What one order's records say against its status (see ORDER_STATE_RULES). */
export function orderStateProblems(order: OrderFacts, options: InvariantOptions = {}): string[] {
  const problems: string[] = [];
  const { status } = order;
  if (options.requireSettled && !TERMINAL_STATUSES.includes(status)) problems.push('has not settled');
  if ((status === 'REJECTED') !== (order.reject_reason !== null))
    problems.push(`rejectReason ${order.reject_reason ?? 'missing'}`);
  if ((status === 'CANCELLED') !== (order.cancel_reason !== null))
    problems.push(`cancelReason ${order.cancel_reason ?? 'missing'}`);
  if ((status === 'ON_HOLD') !== (order.hold_reason !== null))
    problems.push(`holdReason ${order.hold_reason ?? 'missing'}`);
  const nothingCharged = () => {
    if (order.shipped_units > 0 || order.shipped_shipments > 0) problems.push(`${order.shipped_units} units shipped`);
    if (order.captures > 0) problems.push(`${order.captures} captures`);
    if (order.invoices > 0) problems.push(`${order.invoices} invoices`);
  };
  const settledLines = () => {
    if (order.open_lines > 0) problems.push(`${order.open_lines} lines neither shipped nor cancelled in full`);
    if (order.reserved_units > 0) problems.push(`${order.reserved_units} units still reserved on its lines`);
    if (order.active_reservations > 0) problems.push(`${order.active_reservations} reservations still active`);
    if (order.open_pick_lists > 0) problems.push(`${order.open_pick_lists} pick lists still open`);
  };
  switch (status) {
    case 'PENDING':
    case 'AUTHORIZING':
    case 'BACKORDERED':
      nothingCharged();
      break;
    case 'AWAITING_APPROVAL':
      nothingCharged();
      if (order.active_reservations > 0) problems.push(`${order.active_reservations} reservations before approval`);
      break;
    case 'ALLOCATED':
      if (order.shipments === 0) problems.push('no shipment');
      break;
    case 'PICKING':
      if (order.pick_lists === 0) problems.push('no pick list');
      break;
    case 'PARTIALLY_SHIPPED':
      if (order.shipped_shipments === 0) problems.push('no shipment shipped');
      break;
    case 'ON_HOLD':
      // Held at any step before it shipped, or when a step after it failed for good: what holds at every step.
      break;
    case 'SHIPPED':
    case 'DELIVERED':
    case 'COMPLETED':
      if (order.shipped_shipments === 0) problems.push('no shipment shipped');
      if (order.uninvoiced_shipments > 0)
        problems.push(`${order.uninvoiced_shipments} shipped shipments without an invoice`);
      settledLines();
      if (status !== 'SHIPPED' && order.undelivered_shipments > 0)
        problems.push(`${order.undelivered_shipments} shipped shipments not delivered`);
      if (status === 'COMPLETED') {
        if (order.open_returns > 0) problems.push(`${order.open_returns} returns not settled`);
        if (order.unshipped_replacements > 0)
          problems.push(`${order.unshipped_replacements} replacement shipments not shipped`);
        if (order.active_replacement_reservations > 0)
          problems.push(`${order.active_replacement_reservations} replacement reservations still active`);
      }
      break;
    case 'REJECTED':
      nothingCharged();
      if (order.shipments > 0) problems.push(`${order.shipments} shipments`);
      if (order.authorizations > 0) problems.push('a payment authorization');
      settledLines();
      break;
    case 'CANCELLED':
      settledLines();
      if (order.live_shipments > order.shipped_shipments)
        problems.push(`${order.live_shipments - order.shipped_shipments} unshipped shipments not cancelled`);
      if (order.uninvoiced_shipments > 0)
        problems.push(`${order.uninvoiced_shipments} shipped shipments without an invoice`);
      break;
  }
  return problems;
}

// ---- Stock -----------------------------------------------------------------------------------------------

const stockNonNegative: Check = async (db) => {
  const stock = await rows<{ warehouse_code: string; sku: string; on_hand: number; reserved: number }>(
    db,
    'SELECT warehouse_code, sku, on_hand, reserved FROM stock ORDER BY 1, 2',
  );
  const problems: string[] = [];
  for (const row of stock) {
    const where = `${row.sku} in ${row.warehouse_code}`;
    if (row.on_hand < 0) problems.push(`${where}: on hand ${row.on_hand}`);
    if (row.reserved < 0) problems.push(`${where}: reserved ${row.reserved}`);
    if (row.reserved > row.on_hand)
      problems.push(`${where}: reserved ${row.reserved} exceeds on hand ${row.on_hand} (oversold)`);
  }
  return {
    name: 'stock-non-negative',
    description: 'no stock row has negative on-hand or reserved units, or more reserved than on hand',
    checked: stock.length,
    problems,
  };
};

const reservedMatchesReservations: Check = async (db) => {
  const stock = await rows<{ warehouse_code: string; sku: string; reserved: number | null; open: number | null }>(
    db,
    `SELECT coalesce(s.warehouse_code, r.warehouse_code) AS warehouse_code, coalesce(s.sku, r.sku) AS sku, s.reserved, r.open
     FROM stock s
     FULL JOIN (SELECT warehouse_code, sku, sum(quantity)::int AS open FROM reservations WHERE status = 'active' GROUP BY 1, 2) r
       ON r.warehouse_code = s.warehouse_code AND r.sku = s.sku
     ORDER BY 1, 2`,
  );
  const lines = await rows<{ order_id: string; sku: string; reserved_quantity: number; open: number }>(
    db,
    `SELECT l.order_id, l.sku, l.reserved_quantity, coalesce(r.open, 0)::int AS open
     FROM order_lines l
     LEFT JOIN (SELECT r.order_id, r.sku, sum(r.quantity) AS open FROM reservations r JOIN shipments s ON s.id = r.shipment_id
                WHERE r.status = 'active' AND s.purpose = 'order' GROUP BY 1, 2) r
       ON r.order_id = l.order_id AND r.sku = l.sku
     WHERE l.reserved_quantity <> coalesce(r.open, 0)`,
  );
  const orphans = await rows<{ shipment_id: string; sku: string; status: string }>(
    db,
    `SELECT r.shipment_id, r.sku, s.status FROM reservations r JOIN shipments s ON s.id = r.shipment_id
     WHERE r.status = 'active' AND (s.status = 'cancelled' OR s.shipped_at IS NOT NULL)`,
  );
  const [{ count: lineCount }] = await rows<{ count: number }>(db, 'SELECT count(*)::int AS count FROM order_lines');
  const problems: string[] = [];
  for (const row of stock) {
    if ((row.reserved ?? 0) !== (row.open ?? 0)) {
      problems.push(
        `${row.sku} in ${row.warehouse_code}: stock reserved ${row.reserved ?? 'no stock row'}, open reservations ${row.open ?? 0}`,
      );
    }
  }
  for (const line of lines)
    problems.push(
      `order ${line.order_id} ${line.sku}: line reserved ${line.reserved_quantity}, open reservations ${line.open}`,
    );
  for (const orphan of orphans)
    problems.push(`reservation ${orphan.shipment_id} ${orphan.sku} still active on a ${orphan.status} shipment`);
  return {
    name: 'reserved-equals-open-reservations',
    description:
      "each stock row's reserved units equal its active reservations; each order line's reserved quantity equals its shipments' active reservations; no active reservation on a shipped or cancelled shipment",
    checked: stock.length + lineCount,
    problems,
  };
};

const ledgerMatchesStock: Check = async (db) => {
  const stock = await rows<{
    warehouse_code: string;
    sku: string;
    on_hand: number;
    reserved: number;
    ledger_on_hand: number;
    ledger_reserved: number;
    movements: number;
  }>(
    db,
    `SELECT s.warehouse_code, s.sku, s.on_hand, s.reserved,
            coalesce(l.on_hand, 0)::int AS ledger_on_hand, coalesce(l.reserved, 0)::int AS ledger_reserved, coalesce(l.movements, 0)::int AS movements
     FROM stock s
     LEFT JOIN (SELECT warehouse_code, sku, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved, count(*) AS movements
                FROM stock_ledger GROUP BY 1, 2) l
       ON l.warehouse_code = s.warehouse_code AND l.sku = s.sku
     ORDER BY 1, 2`,
  );
  const problems: string[] = [];
  for (const row of stock) {
    if (row.on_hand !== row.ledger_on_hand || row.reserved !== row.ledger_reserved) {
      problems.push(
        `${row.sku} in ${row.warehouse_code}: stock ${row.on_hand} on hand / ${row.reserved} reserved, ledger (${row.movements} movements) ${row.ledger_on_hand} / ${row.ledger_reserved}`,
      );
    }
  }
  return {
    name: 'ledger-sums-equal-stock',
    description: "the ledger's on-hand and reserved deltas add up to each stock row",
    checked: stock.length,
    problems,
  };
};

// ---- Money -----------------------------------------------------------------------------------------------

interface PaymentTotals {
  order_id: string;
  authorized: number | null;
  authorization_ref: string | null;
  authorization_provider: string | null;
  captured: number;
  refunded: number;
  invoiced: number;
  credited: number;
}

/** Per order: the OMS's own records of what was authorized, captured and refunded, invoiced and credited. */
function paymentTotals(db: Knex): Promise<PaymentTotals[]> {
  return rows<PaymentTotals>(
    db,
    `WITH pay AS (
       SELECT order_id,
              sum(amount) FILTER (WHERE kind = 'authorization' AND status = 'succeeded') AS authorized,
              min(provider_reference) FILTER (WHERE kind = 'authorization' AND status = 'succeeded') AS authorization_ref,
              min(provider) FILTER (WHERE kind = 'authorization' AND status = 'succeeded') AS authorization_provider,
              coalesce(sum(amount) FILTER (WHERE kind = 'capture'), 0) AS captured,
              coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS refunded
       FROM payment_transactions GROUP BY order_id
     ), docs AS (
       SELECT order_id, coalesce(sum(total) FILTER (WHERE kind = 'invoice'), 0) AS invoiced, coalesce(sum(total) FILTER (WHERE kind = 'credit_note'), 0) AS credited
       FROM invoices GROUP BY order_id
     )
     SELECT o.id AS order_id, pay.authorized::bigint, pay.authorization_ref, pay.authorization_provider,
            coalesce(pay.captured, 0)::bigint AS captured, coalesce(pay.refunded, 0)::bigint AS refunded,
            coalesce(docs.invoiced, 0)::bigint AS invoiced, coalesce(docs.credited, 0)::bigint AS credited
     FROM orders o LEFT JOIN pay ON pay.order_id = o.id LEFT JOIN docs ON docs.order_id = o.id
     WHERE pay.order_id IS NOT NULL OR docs.order_id IS NOT NULL
     ORDER BY o.created_at, o.id`,
  );
}

interface ProviderBooks {
  id: string;
  amount: number;
  captured: number;
  refunded: number;
}

/** The sandbox provider's own books (empty with another provider). */
async function providerBooks(db: Knex): Promise<Map<string, ProviderBooks>> {
  const books = await rows<ProviderBooks>(
    db,
    'SELECT id, amount, captured, refunded FROM sandbox_payment_authorizations ORDER BY id',
  );
  return new Map(books.map((book) => [book.id, book]));
}

const capturedWithinAuthorized: Check = async (db) => {
  const [orders, books] = await Promise.all([paymentTotals(db), providerBooks(db)]);
  const problems: string[] = [];
  const known = new Set<string>();
  for (const order of orders) {
    if (order.authorized === null) {
      if (order.captured > 0)
        problems.push(`order ${order.order_id}: captured ${order.captured} without an authorization`);
      continue;
    }
    if (order.captured > order.authorized)
      problems.push(`order ${order.order_id}: OMS captured ${order.captured} exceeds authorized ${order.authorized}`);
    if (order.authorization_provider !== 'sandbox' || !order.authorization_ref) continue;
    known.add(order.authorization_ref);
    const book = books.get(order.authorization_ref);
    if (!book) {
      problems.push(
        `order ${order.order_id}: authorization ${order.authorization_ref} is not in the sandbox provider's books`,
      );
      continue;
    }
    if (book.amount !== order.authorized)
      problems.push(`order ${order.order_id}: provider authorized ${book.amount}, OMS recorded ${order.authorized}`);
    if (book.captured !== order.captured)
      problems.push(`order ${order.order_id}: provider captured ${book.captured}, OMS recorded ${order.captured}`);
  }
  for (const book of books.values()) {
    if (book.captured > book.amount)
      problems.push(`provider authorization ${book.id}: captured ${book.captured} exceeds authorized ${book.amount}`);
    if (!known.has(book.id))
      problems.push(
        `provider authorization ${book.id} (${book.amount}, captured ${book.captured}) has no authorization recorded in the OMS`,
      );
  }
  return {
    name: 'captured-within-authorized',
    description:
      "captures never exceed the authorization, in the OMS's records and in the sandbox provider's books, and the two agree",
    checked: orders.length + books.size,
    problems,
  };
};

const refundedWithinCaptured: Check = async (db) => {
  const [orders, books] = await Promise.all([paymentTotals(db), providerBooks(db)]);
  const problems: string[] = [];
  for (const order of orders) {
    if (order.refunded > order.captured)
      problems.push(`order ${order.order_id}: OMS refunded ${order.refunded} exceeds captured ${order.captured}`);
    if (order.credited > order.invoiced)
      problems.push(`order ${order.order_id}: credit notes ${order.credited} exceed invoices ${order.invoiced}`);
    const book =
      order.authorization_provider === 'sandbox' && order.authorization_ref
        ? books.get(order.authorization_ref)
        : undefined;
    if (book && book.refunded !== order.refunded)
      problems.push(`order ${order.order_id}: provider refunded ${book.refunded}, OMS recorded ${order.refunded}`);
  }
  for (const book of books.values()) {
    if (book.refunded > book.captured)
      problems.push(`provider authorization ${book.id}: refunded ${book.refunded} exceeds captured ${book.captured}`);
  }
  return {
    name: 'refunded-within-captured',
    description:
      "refunds never exceed captures (OMS records and the sandbox provider's books, which agree) and credit notes never exceed invoices",
    checked: orders.length + books.size,
    problems,
  };
};

const paymentsReconcile: Check = async (db) => {
  const report = await paymentReconciliation(db);
  return {
    name: 'payments-reconcile',
    description:
      'the payments report finds no discrepancy: every capture invoiced, every refund credited, no authorization left open on a settled order',
    checked: report.orders.length,
    problems: report.discrepancies.map((discrepancy) => `order ${discrepancy.orderId}: ${discrepancy.problem}`),
  };
};

const oneInvoicePerCapture: Check = async (db) => {
  const captures = await rows<{
    id: string;
    order_id: string;
    shipment_id: string | null;
    amount: number;
    invoices: number;
    invoiced: number | null;
  }>(
    db,
    `SELECT p.id, p.order_id, p.shipment_id, p.amount, count(i.number)::int AS invoices, sum(i.total)::bigint AS invoiced
     FROM payment_transactions p
     LEFT JOIN invoices i ON i.kind = 'invoice' AND i.order_id = p.order_id AND i.shipment_id = p.shipment_id
     WHERE p.kind = 'capture' GROUP BY p.id ORDER BY p.id`,
  );
  const shipments = await rows<{
    id: string;
    order_id: string;
    purpose: string;
    shipped: boolean;
    payment_method: string;
    invoices: number;
    captures: number;
  }>(
    db,
    `SELECT s.id, s.order_id, s.purpose, s.shipped_at IS NOT NULL AS shipped, o.payment_method,
            (SELECT count(*) FROM invoices i WHERE i.kind = 'invoice' AND i.shipment_id = s.id)::int AS invoices,
            (SELECT count(*) FROM payment_transactions p WHERE p.kind = 'capture' AND p.shipment_id = s.id)::int AS captures
     FROM shipments s JOIN orders o ON o.id = s.order_id ORDER BY s.id`,
  );
  const strays = await rows<{ number: string; order_id: string; shipment_id: string | null }>(
    db,
    `SELECT i.number, i.order_id, i.shipment_id FROM invoices i
     WHERE i.kind = 'invoice' AND (i.shipment_id IS NULL OR NOT EXISTS (SELECT 1 FROM shipments s WHERE s.id = i.shipment_id AND s.order_id = i.order_id))`,
  );
  const problems: string[] = [];
  for (const capture of captures) {
    if (capture.invoices !== 1)
      problems.push(`capture ${capture.id} (${capture.amount}) has ${capture.invoices} invoices`);
    else if (capture.invoiced !== capture.amount)
      problems.push(`capture ${capture.id}: captured ${capture.amount}, invoiced ${capture.invoiced}`);
  }
  for (const shipment of shipments) {
    const billable = shipment.purpose === 'order' && shipment.shipped;
    if (shipment.invoices !== (billable ? 1 : 0))
      problems.push(
        `shipment ${shipment.id} (${shipment.purpose}, ${shipment.shipped ? 'shipped' : 'not shipped'}) has ${shipment.invoices} invoices`,
      );
    const captures = billable && shipment.payment_method === 'card' ? 1 : 0;
    if (shipment.captures !== captures)
      problems.push(
        `shipment ${shipment.id} (${shipment.payment_method}, ${shipment.shipped ? 'shipped' : 'not shipped'}) has ${shipment.captures} captures`,
      );
  }
  for (const stray of strays)
    problems.push(
      `invoice ${stray.number} of order ${stray.order_id} bills no shipment of that order (${stray.shipment_id ?? 'none'})`,
    );
  return {
    name: 'one-invoice-per-capture',
    description:
      'exactly one invoice per capture, for the captured amount; every shipped shipment has one invoice (and one capture when paid by card), nothing else has either',
    checked: captures.length + shipments.length,
    problems,
  };
};

const documentNumbersGapless: Check = async (db) => {
  const series = await rows<{
    series: string;
    year: number;
    documents: number;
    last_number: number | null;
    max_seq: number;
    wrong_kind: number;
    malformed: number;
    duplicates: number;
  }>(
    db,
    `SELECT i.series, i.year, count(*)::int AS documents, d.last_number, max(i.seq) AS max_seq,
            count(*) FILTER (WHERE i.kind <> CASE i.series WHEN 'INV' THEN 'invoice' WHEN 'CN' THEN 'credit_note' END)::int AS wrong_kind,
            count(*) FILTER (WHERE i.number <> i.series || '-' || i.year || '-' || lpad(i.seq::text, 6, '0'))::int AS malformed,
            (count(*) - count(DISTINCT i.seq))::int AS duplicates
     FROM invoices i LEFT JOIN document_sequences d ON d.series = i.series AND d.year = i.year
     GROUP BY i.series, i.year, d.last_number ORDER BY 1, 2`,
  );
  const missing = await rows<{ series: string; year: number; seq: number }>(
    db,
    `SELECT d.series, d.year, g.seq FROM document_sequences d CROSS JOIN LATERAL generate_series(1, d.last_number) AS g(seq)
     WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.series = d.series AND i.year = d.year AND i.seq = g.seq)
     ORDER BY 1, 2, 3 LIMIT 100`,
  );
  const problems: string[] = [];
  for (const row of series) {
    const name = `${row.series}-${row.year}`;
    if (row.last_number === null) problems.push(`${name}: ${row.documents} documents but no counter`);
    else if (row.max_seq > row.last_number)
      problems.push(`${name}: document number ${row.max_seq} beyond the counter ${row.last_number}`);
    if (row.duplicates > 0) problems.push(`${name}: ${row.duplicates} numbers used twice`);
    if (row.wrong_kind > 0) problems.push(`${name}: ${row.wrong_kind} documents of the other kind`);
    if (row.malformed > 0) problems.push(`${name}: ${row.malformed} numbers not of the form ${name}-000001`);
  }
  for (const gap of missing)
    problems.push(`${gap.series}-${gap.year}-${String(gap.seq).padStart(6, '0')} is missing (gap)`);
  return {
    name: 'document-numbers-gapless',
    description:
      'invoice (INV) and credit note (CN) numbers run 1..n per series and year, without gap or repeat, up to the counter',
    checked: series.reduce((total, row) => total + row.documents, 0),
    problems,
  };
};

const noDuplicateShipments: Check = async (db) => {
  const lines = await rows<{
    order_id: string;
    sku: string;
    approved_quantity: number;
    shipped_quantity: number;
    shipped: number;
    live: number;
  }>(
    db,
    `SELECT l.order_id, l.sku, l.approved_quantity, l.shipped_quantity,
            coalesce(sum(sl.quantity) FILTER (WHERE s.shipped_at IS NOT NULL), 0)::int AS shipped,
            coalesce(sum(sl.quantity) FILTER (WHERE s.status <> 'cancelled'), 0)::int AS live
     FROM order_lines l
     LEFT JOIN shipments s ON s.order_id = l.order_id AND s.purpose = 'order'
     LEFT JOIN shipment_lines sl ON sl.shipment_id = s.id AND sl.sku = l.sku
     GROUP BY l.order_id, l.sku, l.approved_quantity, l.shipped_quantity ORDER BY 1, 2`,
  );
  const movements = await rows<{
    shipment_id: string;
    sku: string;
    quantity: number;
    shipped: boolean;
    moved: number;
    movements: number;
  }>(
    db,
    `SELECT coalesce(sl.shipment_id, m.shipment_id) AS shipment_id, coalesce(sl.sku, m.sku) AS sku, coalesce(sl.quantity, 0) AS quantity,
            coalesce(s.shipped_at IS NOT NULL, false) AS shipped, coalesce(m.moved, 0)::int AS moved, coalesce(m.movements, 0)::int AS movements
     FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
     FULL JOIN (SELECT reference AS shipment_id, sku, -sum(on_hand_delta) AS moved, count(*) AS movements FROM stock_ledger WHERE reason = 'ship' GROUP BY 1, 2) m
       ON m.shipment_id = sl.shipment_id AND m.sku = sl.sku
     WHERE (s.shipped_at IS NOT NULL OR m.shipment_id IS NOT NULL)`,
  );
  const tracking = await rows<{ id: string; carrier_tracking_number: string | null; same: number }>(
    db,
    `SELECT s.id, s.carrier_tracking_number,
            (SELECT count(*) FROM shipments t WHERE t.carrier_tracking_number = s.carrier_tracking_number)::int AS same
     FROM shipments s WHERE s.shipped_at IS NOT NULL ORDER BY s.id`,
  );
  const problems: string[] = [];
  for (const line of lines) {
    const where = `order ${line.order_id} ${line.sku}`;
    if (line.shipped > line.approved_quantity)
      problems.push(`${where}: ${line.shipped} units on shipped shipments, ${line.approved_quantity} approved`);
    if (line.live > line.approved_quantity)
      problems.push(`${where}: ${line.live} units on live shipments, ${line.approved_quantity} approved`);
    if (line.shipped !== line.shipped_quantity)
      problems.push(`${where}: line says ${line.shipped_quantity} shipped, its shipped shipments hold ${line.shipped}`);
  }
  for (const movement of movements) {
    const expected = movement.shipped ? movement.quantity : 0;
    if (movement.movements > 1 || movement.moved !== expected) {
      problems.push(
        `shipment ${movement.shipment_id} ${movement.sku}: ${movement.shipped ? `shipped ${movement.quantity}` : 'not shipped'}, ledger moved ${movement.moved} out in ${movement.movements} movements`,
      );
    }
  }
  for (const shipment of tracking) {
    if (!shipment.carrier_tracking_number)
      problems.push(`shipment ${shipment.id} shipped without a carrier tracking number`);
    else if (shipment.same > 1)
      problems.push(
        `shipment ${shipment.id}: tracking number ${shipment.carrier_tracking_number} used by ${shipment.same} shipments`,
      );
  }
  return {
    name: 'no-duplicate-shipments',
    description:
      'no order line ships (or holds on live shipments) more than was approved, each shipped shipment left the warehouse once in the ledger, with its own tracking number',
    checked: lines.length + tracking.length,
    problems,
  };
};

const promotionUses: Check = async (db) => {
  const promotions = await rows<{ code: string; times_used: number; redemptions: number }>(
    db,
    `SELECT p.code, p.times_used, (SELECT count(*) FROM promotion_redemptions r WHERE r.code = p.code)::int AS redemptions FROM promotions p ORDER BY 1`,
  );
  const problems = promotions
    .filter((promotion) => promotion.times_used !== promotion.redemptions)
    .map(
      (promotion) =>
        `${promotion.code}: counted ${promotion.times_used} uses, ${promotion.redemptions} orders hold one`,
    );
  return {
    name: 'promotion-uses',
    description: "each promotion's use count equals the orders holding a use of it",
    checked: promotions.length,
    problems,
  };
};

const CHECKS: Check[] = [
  orderStates,
  stockNonNegative,
  reservedMatchesReservations,
  ledgerMatchesStock,
  capturedWithinAuthorized,
  refundedWithinCaptured,
  oneInvoicePerCapture,
  documentNumbersGapless,
  noDuplicateShipments,
  paymentsReconcile,
  promotionUses,
];

async function figures(db: Knex): Promise<InvariantFigures> {
  const count = (table: string, where = 'true') =>
    rows<{ n: number }>(db, `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`).then(([row]) => row.n);
  const tally = async (column: string) =>
    Object.fromEntries(
      (
        await rows<{ key: string; n: number }>(
          db,
          `SELECT ${column} AS key, count(*)::int AS n FROM orders WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
        )
      ).map((row) => [row.key, row.n]),
    );
  const [stock] = await rows<{ rows: number; on_hand: number; reserved: number }>(
    db,
    'SELECT count(*)::int AS rows, coalesce(sum(on_hand), 0)::int AS on_hand, coalesce(sum(reserved), 0)::int AS reserved FROM stock',
  );
  const [money] = await rows<{ captures: number; captured: number; refunds: number; refunded: number }>(
    db,
    `SELECT count(*) FILTER (WHERE kind = 'capture')::int AS captures, coalesce(sum(amount) FILTER (WHERE kind = 'capture'), 0)::bigint AS captured,
            count(*) FILTER (WHERE kind = 'refund')::int AS refunds, coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0)::bigint AS refunded
     FROM payment_transactions`,
  );
  const [shipped] = await rows<{ shipments: number; units: number }>(
    db,
    `SELECT count(DISTINCT s.id)::int AS shipments, coalesce(sum(l.quantity), 0)::int AS units
     FROM shipments s JOIN shipment_lines l ON l.shipment_id = s.id WHERE s.shipped_at IS NOT NULL`,
  );
  return {
    ordersByStatus: await tally('status'),
    cancelReasons: await tally('cancel_reason'),
    rejectReasons: await tally('reject_reason'),
    stockRows: stock.rows,
    onHand: stock.on_hand,
    reserved: stock.reserved,
    ledgerRows: await count('stock_ledger'),
    shipmentsShipped: shipped.shipments,
    unitsShipped: shipped.units,
    captures: money.captures,
    capturedAmount: money.captured,
    refunds: money.refunds,
    refundedAmount: money.refunded,
    invoices: await count('invoices', "kind = 'invoice'"),
    creditNotes: await count('invoices', "kind = 'credit_note'"),
    returns: await count('returns'),
  };
}

/** The report as text: one line per check, its examples under it, then the figures. */
export function formatInvariantReport(report: InvariantReport): string {
  const out: string[] = [];
  const width = Math.max(...report.results.map((result) => result.name.length));
  for (const result of report.results) {
    out.push(
      `${result.violations === 0 ? 'ok  ' : 'FAIL'} ${result.name.padEnd(width)}  ${result.checked} checked, ${result.violations} violations`,
    );
    for (const example of result.examples) out.push(`       - ${example}`);
    if (result.violations > result.examples.length)
      out.push(`       ... and ${result.violations - result.examples.length} more`);
  }
  const f = report.figures;
  const list = (tally: Record<string, number>) =>
    Object.entries(tally)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ') || 'none';
  out.push(
    '',
    `orders by status: ${list(f.ordersByStatus)}`,
    `cancel reasons: ${list(f.cancelReasons)}; reject reasons: ${list(f.rejectReasons)}`,
    `stock: ${f.stockRows} rows, ${f.onHand} on hand, ${f.reserved} reserved, ${f.ledgerRows} ledger movements`,
    `shipped: ${f.shipmentsShipped} shipments, ${f.unitsShipped} units; returns: ${f.returns}`,
    `money: ${f.captures} captures (${f.capturedAmount}), ${f.refunds} refunds (${f.refundedAmount}), ${f.invoices} invoices, ${f.creditNotes} credit notes`,
    '',
    report.ok
      ? 'all invariants hold'
      : `${report.results.filter((result) => result.violations > 0).length} invariants violated`,
  );
  return out.join('\n');
}
