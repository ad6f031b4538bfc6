import { Router } from 'express';
import { customersReport, paymentReconciliation, productsReport, salesReport, statusReport } from '../../db/reports';
import {
  DAY_MS,
  dayOf,
  dayStartMs,
  defaultSalesRange,
  periodLengthMs,
  wholePeriodRange,
  type ReportPeriod,
} from '../../domain/periods';
import type { ApiDeps } from '../deps';
import { badRequest, parse } from '../problem';
import {
  customersReportQuerySchema,
  paymentReportQuerySchema,
  productsReportQuerySchema,
  salesReportQuerySchema,
  statusReportQuerySchema,
} from '../schemas';

/** Sales defaults: four weeks of days or twelve weeks, averaging a week of days or four weeks. */
const SALES_DEFAULTS: Record<ReportPeriod, { periods: number; lookback: number; maxPeriods: number }> = {
  day: { periods: 28, lookback: 7, maxPeriods: 366 },
  week: { periods: 12, lookback: 4, maxPeriods: 260 },
};

/** Orders placed on the days `from`..`to` (UTC, both included): [fromMs, untilMs). */
const placementRange = (query: { from?: string; to?: string }) => ({
  fromMs: query.from ? dayStartMs(query.from) : undefined,
  untilMs: query.to ? dayStartMs(query.to) + DAY_MS : undefined,
});

/** Reports (SPEC section 4); any valid key. Definitions: README "Reports" and api/report-schemas.ts. */
export function reportRoutes({ db, auth }: ApiDeps): Router {
  const router = Router();

  /** Payment reconciliation: every order's money, and every discrepancy found (none expected). */
  router.get('/reports/payments', auth.anyRole, async (req, res) => {
    const filter = parse(paymentReportQuerySchema, req.query, 'query');
    res.json(await paymentReconciliation(db, filter));
  });

  router.get('/reports/products', auth.anyRole, async (req, res) => {
    const query = parse(productsReportQuerySchema, req.query, 'query');
    const report = await productsReport(db, { ...placementRange(query), sku: query.sku });
    res.json({ from: query.from ?? null, to: query.to ?? null, sku: query.sku ?? null, ...report });
  });

  router.get('/reports/sales', auth.anyRole, async (req, res) => {
    const query = parse(salesReportQuerySchema, req.query, 'query');
    const asOfMs = query.asOf ? Date.parse(query.asOf) : Date.now();
    const defaults = SALES_DEFAULTS[query.period];
    const to = query.to ?? dayOf(asOfMs);
    const from = query.from ?? defaultSalesRange(dayStartMs(to), query.period, defaults.periods).from;
    if (from > to)
      throw badRequest(`from ${from} is after to ${to}`, [
        { path: 'query.from', message: 'must not be after to (which defaults to the day of asOf)' },
      ]);
    const range = wholePeriodRange(from, to, query.period);
    if (range.fromMs > asOfMs)
      throw badRequest(`the range starts after ${new Date(asOfMs).toISOString()}: nothing to report yet`, [
        { path: 'query.from', message: 'must not be after asOf (default now)' },
      ]);
    if ((range.untilMs - range.fromMs) / periodLengthMs(query.period) > defaults.maxPeriods) {
      throw badRequest(`a ${query.period} report covers at most ${defaults.maxPeriods} periods`, [
        { path: 'query.from', message: `the range is longer than ${defaults.maxPeriods} ${query.period}s` },
      ]);
    }
    const lookback = query.lookback ?? defaults.lookback;
    const report = await salesReport(db, {
      period: query.period,
      ...range,
      asOfMs,
      lookback,
      currency: query.currency,
    });
    res.json({
      period: query.period,
      from: report.from,
      to: report.to,
      asOf: report.asOf,
      lookback,
      series: report.series,
    });
  });

  /** Orders by status at the end of each period (the same default range and limits as sales). */
  router.get('/reports/status', auth.anyRole, async (req, res) => {
    const query = parse(statusReportQuerySchema, req.query, 'query');
    const asOfMs = Date.now();
    const defaults = SALES_DEFAULTS[query.period];
    const to = query.to ?? dayOf(asOfMs);
    const from = query.from ?? defaultSalesRange(dayStartMs(to), query.period, defaults.periods).from;
    if (from > to)
      throw badRequest(`from ${from} is after to ${to}`, [
        { path: 'query.from', message: 'must not be after to (which defaults to today)' },
      ]);
    const range = wholePeriodRange(from, to, query.period);
    if (range.fromMs > asOfMs)
      throw badRequest('the range starts in the future: nothing to report yet', [
        { path: 'query.from', message: 'must not be after today' },
      ]);
    if ((range.untilMs - range.fromMs) / periodLengthMs(query.period) > defaults.maxPeriods)
      throw badRequest(`a ${query.period} report covers at most ${defaults.maxPeriods} periods`, [
        { path: 'query.from', message: `the range is longer than ${defaults.maxPeriods} ${query.period}s` },
      ]);
    res.json({ period: query.period, ...(await statusReport(db, { period: query.period, ...range, asOfMs })) });
  });

  router.get('/reports/customers', auth.anyRole, async (req, res) => {
    const query = parse(customersReportQuerySchema, req.query, 'query');
    const report = await customersReport(db, {
      ...placementRange(query),
      customerId: query.customerId,
      currency: query.currency,
      sort: query.sort,
      direction: query.direction,
      limit: query.limit,
    });
    res.json({
      from: query.from ?? null,
      to: query.to ?? null,
      sort: query.sort,
      direction: query.direction,
      total: report.total,
      items: report.items,
    });
  });

  return router;
}
