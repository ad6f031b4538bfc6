import { z } from 'zod';
import { CUSTOMER_SORT_KEYS } from '../domain/customer-ranking';
import { ORDER_STATUSES } from '../domain/order';
import { REPORT_PERIODS } from '../domain/periods';

/**
 * Response schemas of the reports (SPEC section 4), for the OpenAPI document and the tests. Each figure says
 * what it counts; the README's "Reports" section gives the same definitions.
 */

const count = (description: string) => z.number().int().min(0).describe(description);
const day = z.iso.date();
const moneySchema = z
  .strictObject({
    amount: z.number().int().describe('minor units (e.g. cents); may be negative for net figures'),
    currency: z.string().length(3),
  })
  .describe('an amount in one currency; amounts of different currencies are never added');

const quantities = {
  ordered: count('units on the order lines'),
  approved: count('units approved (0 while awaiting a decision and on rejected orders)'),
  shipped: count("units handed to carriers on the order's own shipments (not exchange replacements)"),
  delivered: count('units delivered'),
  returned: count('units received back on returns (refunded or exchanged)'),
  cancelled: count(
    'units that will never ship on orders that were not rejected: reduced on approval, cancelled, unavailable, backorder expired',
  ),
  rejected: count('units of rejected orders'),
  variance: z.strictObject({
    unapproved: count('ordered − approved: reduced on approval, rejected, or awaiting a decision'),
    open: count('ordered − shipped − cancelled − rejected: still to ship'),
    kept: count('shipped − returned: units that stayed with customers'),
  }),
};

export const productsReportSchema = z
  .strictObject({
    from: day.nullable().describe('first day of order placement counted (UTC); null: from the beginning'),
    to: day.nullable().describe('last day of order placement counted (UTC), included; null: up to now'),
    sku: z.string().nullable(),
    items: z.array(
      z.strictObject({
        sku: z.string(),
        name: z.string(),
        ...quantities,
        shippedByWarehouse: z.array(
          z.strictObject({ warehouse: z.string(), quantity: count('units shipped from this warehouse') }),
        ),
      }),
    ),
    totals: z.strictObject(quantities).describe('the same figures over every SKU listed'),
  })
  .describe('Ordered vs approved vs shipped vs returned per SKU, over the orders placed in the range');

const salesFigures = {
  orders: count('orders placed (not rejected)'),
  unitsOrdered: count('units on the orders placed (not rejected)'),
  unitsShipped: count("units shipped on orders' own shipments, by shipment time"),
  invoiced: moneySchema.describe('invoices issued, by issue time'),
  credited: moneySchema.describe('credit notes issued (refunds), by issue time'),
  netRevenue: moneySchema.describe('invoiced − credited'),
};

export const salesReportSchema = z
  .strictObject({
    period: z.enum(REPORT_PERIODS).describe('day, or ISO week (Monday to Sunday); UTC'),
    from: day.describe('first day of the first period'),
    to: day.describe('last day of the last period'),
    asOf: z.iso
      .datetime()
      .describe(
        'nothing after this instant is counted (now, the asOf parameter, or the end of the range, whichever is earliest)',
      ),
    lookback: z.number().int().min(1).describe('how many complete periods the projection averages'),
    series: z
      .array(
        z.strictObject({
          currency: z.string().length(3),
          periods: z.array(
            z.strictObject({
              start: day,
              end: day.describe('last day, included'),
              complete: z.boolean().describe('false for the period still under way'),
              ...salesFigures,
            }),
          ),
          totals: z.strictObject(salesFigures),
          projection: z
            .strictObject({
              basedOn: z
                .array(day)
                .describe('start days of the complete periods averaged (the last `lookback` before the current one)'),
              current: z.strictObject({
                start: day,
                end: day,
                elapsedShare: z.number().min(0).max(1).describe('share of the period before asOf'),
                toDate: z.strictObject(salesFigures).describe('actual figures so far'),
                projected: z
                  .strictObject(salesFigures)
                  .describe('so far + the average of the basis × the share still to come'),
              }),
              next: z.strictObject({
                start: day,
                end: day,
                projected: z.strictObject(salesFigures).describe('the average of the basis'),
              }),
            })
            .nullable()
            .describe('null when the range has no complete period to average'),
        }),
      )
      .describe('one series per currency with any figure in the range'),
  })
  .describe('Sales by period with a projection of the period under way and the next');

export const customersReportSchema = z
  .strictObject({
    from: day.nullable(),
    to: day.nullable(),
    sort: z.enum(CUSTOMER_SORT_KEYS),
    direction: z.enum(['asc', 'desc']),
    total: count('rows before the limit'),
    items: z
      .array(
        z.strictObject({
          customerId: z.string(),
          name: z.string(),
          tier: z.string(),
          paymentTerms: z.string(),
          currency: z.string().length(3),
          orders: count('orders placed in the range (not rejected)'),
          cancelledOrders: count('of those, cancelled'),
          rejectedOrders: count('orders placed in the range and rejected'),
          billedOrders: count('orders placed in the range with at least one invoice'),
          invoiced: moneySchema.describe('invoices of the orders placed in the range'),
          credited: moneySchema.describe('credit notes of the orders placed in the range'),
          revenue: moneySchema.describe('invoiced − credited'),
          averageOrderValue: moneySchema.nullable().describe('revenue ÷ billed orders; null without a billed order'),
          returns: z.strictObject({
            count: count('returns (RMAs) opened on those orders'),
            units: count('units received back'),
            refunded: moneySchema.describe('credit notes of the returns that were refunded'),
          }),
          receivables: z.strictObject({
            outstanding: moneySchema.describe('open balance of net30 invoices today, whatever the range'),
            overdue: moneySchema.describe('of which past the due date'),
            openInvoices: count('net30 invoices not settled'),
          }),
        }),
      )
      .describe('one row per customer and currency; rows of one currency together, ranked by `sort` within it'),
  })
  .describe('Customer performance: customers with orders in the range or an open receivable');

export const statusReportSchema = z
  .strictObject({
    period: z.enum(REPORT_PERIODS).describe('day, or ISO week (Monday to Sunday); UTC'),
    from: day.describe('first day of the first period'),
    to: day.describe('last day of the last period'),
    asOf: z.iso.datetime().describe('now, or the end of the range when it is over'),
    periods: z.array(
      z.strictObject({
        start: day,
        end: day.describe('last day, included'),
        complete: z.boolean().describe('false for the period still under way'),
        at: z.iso.datetime().describe('the instant counted: the end of the period, or asOf for the one under way'),
        counts: z
          .record(z.enum(ORDER_STATUSES), count('orders in this status'))
          .describe('every order placed before `at`, by its status at `at` (every status listed, 0 included)'),
      }),
    ),
  })
  .describe('Orders by status over time: how many orders were in each status at the end of each period');
