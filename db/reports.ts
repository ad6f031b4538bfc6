import type { Knex } from 'knex';
import { averageOrderValue, rankCustomers, type CustomerSortKey } from '../domain/customer-ranking';
import { addQuantities, fulfillmentVariance, type FulfillmentQuantities } from '../domain/fulfillment-variance';
import type { Money } from '../domain/money';
import { ORDER_STATUSES, type OrderStatus } from '../domain/order';
import {
  bucketAt,
  DAY_MS,
  dayOf,
  periodLengthMs,
  periodsBetween,
  periodStartMs,
  type ReportPeriod,
} from '../domain/periods';
import { projectPeriod } from '../domain/projection';
import { moneyDiscrepancies, type OrderMoney } from '../domain/reconciliation';

/** Payment reconciliation: per order, what was authorized, captured, voided, refunded, invoiced and credited. */
export async function paymentReconciliation(db: Knex, filter: { orderId?: string } = {}) {
  const query = db('orders as o')
    .select(
      'o.id as orderId',
      'o.status',
      'o.payment_method as paymentMethod',
      'o.currency',
      db.raw(
        `coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'authorization' AND p.status = 'succeeded'), 0)::bigint AS authorized`,
      ),
      db.raw(
        `coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'capture'), 0)::bigint AS captured`,
      ),
      db.raw(
        `coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'void'), 0)::bigint AS voided`,
      ),
      db.raw(
        `coalesce((SELECT sum(amount) FROM payment_transactions p WHERE p.order_id = o.id AND p.kind = 'refund'), 0)::bigint AS refunded`,
      ),
      db.raw(
        `coalesce((SELECT sum(total) FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice'), 0)::bigint AS invoiced`,
      ),
      db.raw(
        `coalesce((SELECT sum(total) FROM invoices i WHERE i.order_id = o.id AND i.kind = 'credit_note'), 0)::bigint AS credited`,
      ),
    )
    .orderBy('o.created_at', 'desc');
  if (filter.orderId) query.where('o.id', filter.orderId);
  const orders = (await query) as (OrderMoney & { currency: string })[];
  const discrepancies = orders.flatMap((order) =>
    moneyDiscrepancies(order).map((problem) => ({ orderId: order.orderId, problem })),
  );
  const total = (
    field: keyof Pick<OrderMoney, 'authorized' | 'captured' | 'voided' | 'refunded' | 'invoiced' | 'credited'>,
  ) => orders.reduce((sum, order) => sum + order[field], 0);
  return {
    orders,
    totals: {
      authorized: total('authorized'),
      captured: total('captured'),
      voided: total('voided'),
      refunded: total('refunded'),
      invoiced: total('invoiced'),
      credited: total('credited'),
    },
    discrepancies,
  };
}

/** Bounds of a report range as timestamptz literals; an open end is PostgreSQL's ±infinity. */
function bounds(fromMs: number | undefined, untilMs: number | undefined) {
  return {
    from: fromMs === undefined ? '-infinity' : new Date(fromMs).toISOString(),
    until: untilMs === undefined ? 'infinity' : new Date(untilMs).toISOString(),
  };
}

const money = (amount: number, currency: string): Money => ({ amount, currency });

export interface ProductsReportFilter {
  /** Orders placed in [fromMs, untilMs). */
  fromMs?: number;
  untilMs?: number;
  sku?: string;
}

/**
 * Ordered vs approved vs shipped vs returned per SKU, on the orders placed in the range (SPEC section 4).
 * Quantities come from the order lines (replacement shipments of exchanges are not the order's quantities);
 * the per-warehouse split comes from the order's shipped shipments. One query.
 */
export async function productsReport(db: Knex, filter: ProductsReportFilter) {
  const { rows } = await db.raw<{
    rows: (FulfillmentQuantities & {
      sku: string;
      name: string;
      shippedByWarehouse: { warehouse: string; quantity: number }[] | null;
    })[];
  }>(
    `WITH o AS (
       SELECT id, status FROM orders WHERE created_at >= CAST(:from AS timestamptz) AND created_at < CAST(:until AS timestamptz)
     ),
     lines AS (
       SELECT l.sku,
              sum(l.quantity)::bigint AS ordered,
              sum(l.approved_quantity)::bigint AS approved,
              sum(l.shipped_quantity)::bigint AS shipped,
              sum(l.delivered_quantity)::bigint AS delivered,
              sum(l.returned_quantity)::bigint AS returned,
              coalesce(sum(l.cancelled_quantity) FILTER (WHERE o.status <> 'REJECTED'), 0)::bigint AS cancelled,
              coalesce(sum(l.quantity) FILTER (WHERE o.status = 'REJECTED'), 0)::bigint AS rejected
       FROM order_lines l JOIN o ON o.id = l.order_id
       WHERE (CAST(:sku AS text) IS NULL OR l.sku = :sku)
       GROUP BY l.sku
     ),
     by_warehouse AS (
       SELECT sl.sku, s.warehouse_code AS warehouse, sum(sl.quantity)::bigint AS quantity
       FROM shipments s JOIN o ON o.id = s.order_id JOIN shipment_lines sl ON sl.shipment_id = s.id
       WHERE s.purpose = 'order' AND s.shipped_at IS NOT NULL AND (CAST(:sku AS text) IS NULL OR sl.sku = :sku)
       GROUP BY sl.sku, s.warehouse_code
     )
     SELECT lines.*, p.name,
            (SELECT json_agg(json_build_object('warehouse', w.warehouse, 'quantity', w.quantity) ORDER BY w.warehouse)
             FROM by_warehouse w WHERE w.sku = lines.sku) AS "shippedByWarehouse"
     FROM lines JOIN products p ON p.sku = lines.sku
     ORDER BY lines.sku`,
    { ...bounds(filter.fromMs, filter.untilMs), sku: filter.sku ?? null },
  );
  const items = rows.map(({ sku, name, shippedByWarehouse, ...quantities }) => ({
    sku,
    name,
    ...quantities,
    variance: fulfillmentVariance(quantities),
    shippedByWarehouse: shippedByWarehouse ?? [],
  }));
  const totals = addQuantities(items);
  return { items, totals: { ...totals, variance: fulfillmentVariance(totals) } };
}

export interface SalesReportFilter {
  period: ReportPeriod;
  /** The range, already whole periods: [fromMs, untilMs). */
  fromMs: number;
  untilMs: number;
  /** Nothing after this instant counts; the period containing it is the one projected. */
  asOfMs: number;
  lookback: number;
  currency?: string;
}

interface SalesFigures {
  orders: number;
  unitsOrdered: number;
  unitsShipped: number;
  invoiced: number;
  credited: number;
}

const NO_SALES: SalesFigures = { orders: 0, unitsOrdered: 0, unitsShipped: 0, invoiced: 0, credited: 0 };
const SALES_FIGURES = Object.keys(NO_SALES) as (keyof SalesFigures)[];

function salesView(figures: SalesFigures, currency: string) {
  return {
    orders: figures.orders,
    unitsOrdered: figures.unitsOrdered,
    unitsShipped: figures.unitsShipped,
    invoiced: money(figures.invoiced, currency),
    credited: money(figures.credited, currency),
    netRevenue: money(figures.invoiced - figures.credited, currency),
  };
}

/**
 * Sales by day or week, one series per currency: orders and units ordered by placement time, units shipped
 * by shipment time, invoices and credit notes by issue time (net revenue = invoiced − credited), and a
 * projection of the period under way and the next (domain/projection.ts). One query, then bucketing.
 */
export async function salesReport(db: Knex, filter: SalesReportFilter) {
  const untilMs = Math.min(filter.untilMs, filter.asOfMs);
  const { rows } = await db.raw<{ rows: (SalesFigures & { currency: string; bucket: string })[] }>(
    `WITH figures AS (
       SELECT o.currency, date_trunc(:unit, o.created_at AT TIME ZONE 'UTC') AS bucket,
              count(DISTINCT o.id) AS orders, sum(l.quantity) AS units_ordered, 0 AS units_shipped, 0 AS invoiced, 0 AS credited
       FROM orders o JOIN order_lines l ON l.order_id = o.id
       WHERE o.status <> 'REJECTED' AND o.created_at >= CAST(:from AS timestamptz) AND o.created_at < CAST(:until AS timestamptz)
       GROUP BY 1, 2
       UNION ALL
       SELECT o.currency, date_trunc(:unit, s.shipped_at AT TIME ZONE 'UTC'), 0, 0, sum(sl.quantity), 0, 0
       FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN orders o ON o.id = s.order_id
       WHERE s.purpose = 'order' AND s.shipped_at >= CAST(:from AS timestamptz) AND s.shipped_at < CAST(:until AS timestamptz)
       GROUP BY 1, 2
       UNION ALL
       SELECT i.currency, date_trunc(:unit, i.issued_at AT TIME ZONE 'UTC'), 0, 0, 0,
              coalesce(sum(i.total) FILTER (WHERE i.kind = 'invoice'), 0), coalesce(sum(i.total) FILTER (WHERE i.kind = 'credit_note'), 0)
       FROM invoices i
       WHERE i.issued_at >= CAST(:from AS timestamptz) AND i.issued_at < CAST(:until AS timestamptz)
       GROUP BY 1, 2
     )
     SELECT currency, to_char(bucket, 'YYYY-MM-DD') AS bucket,
            sum(orders)::bigint AS orders, sum(units_ordered)::bigint AS "unitsOrdered", sum(units_shipped)::bigint AS "unitsShipped",
            sum(invoiced)::bigint AS invoiced, sum(credited)::bigint AS credited
     FROM figures
     WHERE CAST(:currency AS text) IS NULL OR currency = :currency
     GROUP BY 1, 2`,
    { unit: filter.period, ...bounds(filter.fromMs, untilMs), currency: filter.currency ?? null },
  );

  const byCurrency = new Map<string, Map<string, SalesFigures>>();
  for (const { currency, bucket, ...figures } of rows) {
    if (!byCurrency.has(currency)) byCurrency.set(currency, new Map());
    byCurrency.get(currency)!.set(bucket, figures);
  }
  const periodMs = periodLengthMs(filter.period);
  const buckets = periodsBetween(filter.fromMs, untilMs, filter.period);
  // The period under way as of the end of the data: if that end falls on a boundary, the period starting there.
  const current = bucketAt(periodStartMs(untilMs, filter.period), filter.period);
  const next = bucketAt(current.endMs, filter.period);
  const completed = buckets.filter((bucket) => bucket.endMs <= untilMs);

  const series = [...byCurrency.keys()].sort().map((currency) => {
    const found = byCurrency.get(currency)!;
    const figuresOf = (start: string) => found.get(start) ?? NO_SALES;
    const totals = { ...NO_SALES };
    for (const figures of found.values()) for (const key of SALES_FIGURES) totals[key] += figures[key];
    const toDate = figuresOf(current.start);
    const projected = SALES_FIGURES.map(
      (key) =>
        [
          key,
          projectPeriod({
            completed: completed.map((bucket) => figuresOf(bucket.start)[key]),
            currentToDate: toDate[key],
            elapsedMs: untilMs - current.startMs,
            periodMs,
            lookback: filter.lookback,
          }),
        ] as const,
    );
    const basedOn = projected[0][1]?.basedOn ?? 0;
    const pick = (which: 'current' | 'next') =>
      Object.fromEntries(projected.map(([key, projection]) => [key, projection![which]])) as unknown as SalesFigures;
    return {
      currency,
      periods: buckets.map((bucket) => ({
        start: bucket.start,
        end: bucket.end,
        complete: bucket.endMs <= untilMs,
        ...salesView(figuresOf(bucket.start), currency),
      })),
      totals: salesView(totals, currency),
      projection:
        basedOn === 0
          ? null
          : {
              basedOn: completed.slice(-filter.lookback).map((bucket) => bucket.start),
              current: {
                start: current.start,
                end: current.end,
                elapsedShare: (untilMs - current.startMs) / periodMs,
                toDate: salesView(toDate, currency),
                projected: salesView(pick('current'), currency),
              },
              next: { start: next.start, end: next.end, projected: salesView(pick('next'), currency) },
            },
    };
  });
  return {
    from: dayOf(filter.fromMs),
    to: dayOf(filter.untilMs - DAY_MS),
    asOf: new Date(untilMs).toISOString(),
    series,
  };
}

export interface CustomersReportFilter {
  /** Orders placed in [fromMs, untilMs); receivables are as of now, whatever the range. */
  fromMs?: number;
  untilMs?: number;
  customerId?: string;
  currency?: string;
  sort: CustomerSortKey;
  direction: 'asc' | 'desc';
  limit: number;
}

interface CustomerRow {
  customerId: string;
  name: string;
  tier: string;
  paymentTerms: string;
  currency: string;
  orders: number;
  cancelledOrders: number;
  rejectedOrders: number;
  billedOrders: number;
  invoiced: number;
  credited: number;
  returns: number;
  returnedUnits: number;
  refunded: number;
  outstanding: number;
  overdue: number;
  openInvoices: number;
}

/**
 * Customer performance per customer and currency: orders placed in the range, what they were invoiced and
 * credited, their returns, and the customer's open net30 receivables today. Customers with neither an
 * order in the range nor an open receivable are left out. One query; ranking in domain/customer-ranking.ts.
 */
export async function customersReport(db: Knex, filter: CustomersReportFilter) {
  const { rows } = await db.raw<{ rows: CustomerRow[] }>(
    `WITH o AS (
       SELECT id, customer_id, currency, status FROM orders
       WHERE created_at >= CAST(:from AS timestamptz) AND created_at < CAST(:until AS timestamptz)
     ),
     documents AS (
       SELECT i.order_id, sum(i.total) FILTER (WHERE i.kind = 'invoice') AS invoiced, sum(i.total) FILTER (WHERE i.kind = 'credit_note') AS credited
       FROM invoices i JOIN o ON o.id = i.order_id GROUP BY i.order_id
     ),
     rmas AS (
       SELECT r.order_id, count(*) AS returns, sum(cn.total) AS refunded
       FROM returns r JOIN o ON o.id = r.order_id LEFT JOIN invoices cn ON cn.number = r.credit_note GROUP BY r.order_id
     ),
     returned AS (
       SELECT l.order_id, sum(l.returned_quantity) AS units FROM order_lines l JOIN o ON o.id = l.order_id GROUP BY l.order_id
     ),
     placed AS (
       SELECT o.customer_id, o.currency,
              count(*) FILTER (WHERE o.status <> 'REJECTED') AS orders,
              count(*) FILTER (WHERE o.status = 'CANCELLED') AS cancelled_orders,
              count(*) FILTER (WHERE o.status = 'REJECTED') AS rejected_orders,
              count(*) FILTER (WHERE d.invoiced > 0) AS billed_orders,
              coalesce(sum(d.invoiced), 0) AS invoiced, coalesce(sum(d.credited), 0) AS credited,
              coalesce(sum(r.returns), 0) AS returns, coalesce(sum(u.units), 0) AS returned_units, coalesce(sum(r.refunded), 0) AS refunded
       FROM o LEFT JOIN documents d ON d.order_id = o.id LEFT JOIN rmas r ON r.order_id = o.id LEFT JOIN returned u ON u.order_id = o.id
       GROUP BY o.customer_id, o.currency
     ),
     receivables AS (
       SELECT ro.customer_id, i.currency,
              sum(i.total - i.amount_paid - i.amount_credited) AS outstanding,
              coalesce(sum(i.total - i.amount_paid - i.amount_credited) FILTER (WHERE i.due_date < current_date), 0) AS overdue,
              count(*) AS open_invoices
       FROM invoices i JOIN orders ro ON ro.id = i.order_id
       WHERE i.kind = 'invoice' AND ro.payment_method = 'invoice' AND i.amount_paid + i.amount_credited < i.total
       GROUP BY ro.customer_id, i.currency
     )
     SELECT c.id AS "customerId", c.name, c.tier, c.payment_terms AS "paymentTerms", coalesce(p.currency, r.currency) AS currency,
            coalesce(p.orders, 0)::bigint AS orders, coalesce(p.cancelled_orders, 0)::bigint AS "cancelledOrders",
            coalesce(p.rejected_orders, 0)::bigint AS "rejectedOrders", coalesce(p.billed_orders, 0)::bigint AS "billedOrders",
            coalesce(p.invoiced, 0)::bigint AS invoiced, coalesce(p.credited, 0)::bigint AS credited,
            coalesce(p.returns, 0)::bigint AS returns, coalesce(p.returned_units, 0)::bigint AS "returnedUnits", coalesce(p.refunded, 0)::bigint AS refunded,
            coalesce(r.outstanding, 0)::bigint AS outstanding, coalesce(r.overdue, 0)::bigint AS overdue, coalesce(r.open_invoices, 0)::bigint AS "openInvoices"
     FROM placed p
     FULL JOIN receivables r ON r.customer_id = p.customer_id AND r.currency = p.currency
     JOIN customers c ON c.id = coalesce(p.customer_id, r.customer_id)
     WHERE (CAST(:customerId AS text) IS NULL OR c.id = :customerId)
       AND (CAST(:currency AS text) IS NULL OR coalesce(p.currency, r.currency) = :currency)`,
    {
      ...bounds(filter.fromMs, filter.untilMs),
      customerId: filter.customerId ?? null,
      currency: filter.currency ?? null,
    },
  );
  const figures = rows.map((row) => {
    const revenue = row.invoiced - row.credited;
    return { ...row, revenue, averageOrderValue: averageOrderValue(revenue, row.billedOrders) };
  });
  const items = rankCustomers(figures, filter.sort, filter.direction)
    .slice(0, filter.limit)
    .map((row) => ({
      customerId: row.customerId,
      name: row.name,
      tier: row.tier,
      paymentTerms: row.paymentTerms,
      currency: row.currency,
      orders: row.orders,
      cancelledOrders: row.cancelledOrders,
      rejectedOrders: row.rejectedOrders,
      billedOrders: row.billedOrders,
      invoiced: money(row.invoiced, row.currency),
      credited: money(row.credited, row.currency),
      revenue: money(row.revenue, row.currency),
      averageOrderValue: row.averageOrderValue === null ? null : money(row.averageOrderValue, row.currency),
      returns: { count: row.returns, units: row.returnedUnits, refunded: money(row.refunded, row.currency) },
      receivables: {
        outstanding: money(row.outstanding, row.currency),
        overdue: money(row.overdue, row.currency),
        openInvoices: row.openInvoices,
      },
    }));
  return { items, total: rows.length };
}

export interface StatusReportFilter {
  period: ReportPeriod;
  /** The range, already whole periods: [fromMs, untilMs). */
  fromMs: number;
  untilMs: number;
  /** Nothing after this instant counts: the period under way is counted at this instant. */
  asOfMs: number;
}

/**
 * Orders by status over time: at the end of each period (or at `asOfMs` for the period under way), how many orders
 * placed by then were in each status, from the timeline (an order is PENDING until its first entry with a status).
 * One pass over the timeline: every stretch an order spends in a status adds one where it starts and takes one
 * away where it ends; the counts at the end of a period are the running sums up to it.
 */
export async function statusReport(db: Knex, filter: StatusReportFilter) {
  const untilMs = Math.min(filter.untilMs, filter.asOfMs);
  const periodMs = periodLengthMs(filter.period);
  const { rows } = await db.raw<{ rows: { status: OrderStatus; bucket: number; delta: number }[] }>(
    `WITH timeline AS (
       SELECT o.id AS order_id, 0 AS seq, 'PENDING' AS status, o.created_at AS at
       FROM orders o WHERE o.created_at < CAST(:until AS timestamptz)
       UNION ALL
       SELECT e.order_id, e.seq, e.status, e.created_at
       FROM order_events e WHERE e.status IS NOT NULL AND e.created_at < CAST(:until AS timestamptz)
     ),
     stretches AS (
       SELECT status, at AS since, lead(at) OVER (PARTITION BY order_id ORDER BY seq) AS ended FROM timeline
     ),
     marks AS (
       SELECT status, since AS at, 1 AS delta FROM stretches
       UNION ALL
       SELECT status, greatest(ended, since), -1 FROM stretches WHERE ended IS NOT NULL
     )
     SELECT status,
            greatest(0, floor(extract(epoch FROM at - CAST(:from AS timestamptz)) * 1000 / :periodMs))::int AS bucket,
            sum(delta)::int AS delta
     FROM marks GROUP BY 1, 2`,
    { ...bounds(filter.fromMs, untilMs), periodMs },
  );
  const buckets = periodsBetween(filter.fromMs, untilMs, filter.period);
  const deltas = buckets.map(() => new Map<OrderStatus, number>());
  for (const row of rows)
    if (row.bucket < deltas.length)
      deltas[row.bucket].set(row.status, (deltas[row.bucket].get(row.status) ?? 0) + row.delta);
  const running = Object.fromEntries(ORDER_STATUSES.map((status) => [status, 0])) as Record<OrderStatus, number>;
  return {
    from: dayOf(filter.fromMs),
    to: dayOf(filter.untilMs - DAY_MS),
    asOf: new Date(untilMs).toISOString(),
    periods: buckets.map((bucket, index) => {
      for (const [status, delta] of deltas[index]) running[status] += delta;
      const complete = bucket.endMs <= untilMs;
      return {
        start: bucket.start,
        end: bucket.end,
        complete,
        at: new Date(complete ? bucket.endMs : untilMs).toISOString(),
        counts: { ...running },
      };
    }),
  };
}
