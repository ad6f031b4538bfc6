import { averageOrderValue, rankCustomers } from '../../domain/customer-ranking';
import { addQuantities, fulfillmentVariance } from '../../domain/fulfillment-variance';
import {
  bucketAt,
  DAY_MS,
  dayStartMs,
  defaultSalesRange,
  periodsBetween,
  periodStartMs,
  wholePeriodRange,
} from '../../domain/periods';
import { projectPeriod } from '../../domain/projection';

const at = (iso: string) => Date.parse(iso);

describe('report periods (UTC days, ISO weeks from Monday)', () => {
  it('finds the start of the day and of the ISO week of an instant', () => {
    expect(periodStartMs(at('2025-03-07T23:59:59.999Z'), 'day')).toBe(at('2025-03-07T00:00:00Z'));
    expect(periodStartMs(at('2025-03-07T12:00:00Z'), 'week')).toBe(at('2025-03-03T00:00:00Z')); // Friday -> Monday
    expect(periodStartMs(at('2025-03-09T23:00:00Z'), 'week')).toBe(at('2025-03-03T00:00:00Z')); // Sunday stays in its week
    expect(periodStartMs(at('2025-03-10T00:00:00Z'), 'week')).toBe(at('2025-03-10T00:00:00Z')); // Monday starts one
    expect(periodStartMs(at('2025-01-01T08:00:00Z'), 'week')).toBe(at('2024-12-30T00:00:00Z')); // across a year
  });

  it('lists every period overlapping a range, partial ends included, with inclusive last days', () => {
    expect(
      periodsBetween(at('2025-03-01T00:00:00Z'), at('2025-03-03T12:00:00Z'), 'day').map((bucket) => bucket.start),
    ).toEqual(['2025-03-01', '2025-03-02', '2025-03-03']);
    expect(periodsBetween(at('2025-03-01T00:00:00Z'), at('2025-03-03T00:00:00Z'), 'day')).toHaveLength(2);
    expect(
      periodsBetween(at('2025-03-05T00:00:00Z'), at('2025-03-18T00:00:00Z'), 'week').map((bucket) => [
        bucket.start,
        bucket.end,
      ]),
    ).toEqual([
      ['2025-03-03', '2025-03-09'],
      ['2025-03-10', '2025-03-16'],
      ['2025-03-17', '2025-03-23'],
    ]);
    expect(bucketAt(at('2025-03-03T00:00:00Z'), 'week').endMs).toBe(at('2025-03-10T00:00:00Z'));
  });

  it('widens a week range to whole weeks, and defaults to the last N periods up to today', () => {
    expect(wholePeriodRange('2025-03-05', '2025-03-11', 'week')).toEqual({
      fromMs: at('2025-03-03T00:00:00Z'),
      untilMs: at('2025-03-17T00:00:00Z'),
    });
    expect(wholePeriodRange('2025-03-05', '2025-03-05', 'day')).toEqual({
      fromMs: at('2025-03-05T00:00:00Z'),
      untilMs: at('2025-03-06T00:00:00Z'),
    });
    expect(defaultSalesRange(at('2025-03-07T15:00:00Z'), 'day', 7)).toEqual({ from: '2025-03-01', to: '2025-03-07' });
    expect(defaultSalesRange(at('2025-03-07T15:00:00Z'), 'week', 2)).toEqual({ from: '2025-02-24', to: '2025-03-07' });
    expect(() => dayStartMs('2025-3-7')).toThrow(RangeError);
  });
});

describe('projection: average of the last complete periods, pro-rated for the one under way', () => {
  const day = DAY_MS;
  it('adds the average for the share still to come to what the current period has so far', () => {
    // basis 1000, 1800, 3200: average 2000; half the day gone with 500 so far -> 500 + 1000
    expect(
      projectPeriod({
        completed: [9999, 1000, 1800, 3200],
        currentToDate: 500,
        elapsedMs: day / 2,
        periodMs: day,
        lookback: 3,
      }),
    ).toEqual({ basedOn: 3, current: 1500, next: 2000 });
  });

  it('averages what there is when fewer periods than the lookback are complete, and has nothing to say without one', () => {
    expect(projectPeriod({ completed: [10, 20], currentToDate: 0, elapsedMs: 0, periodMs: day, lookback: 7 })).toEqual({
      basedOn: 2,
      current: 15,
      next: 15,
    });
    expect(
      projectPeriod({ completed: [], currentToDate: 5, elapsedMs: day / 3, periodMs: day, lookback: 7 }),
    ).toBeNull();
  });

  it('rounds once, half away from zero, and handles net figures below zero', () => {
    // 1 × (2/3 remaining) / 1 = 0.667 -> 1; 5 / 2 = 2.5 -> 3; -5 / 2 = -2.5 -> -3
    expect(
      projectPeriod({ completed: [1], currentToDate: 0, elapsedMs: day / 3, periodMs: day, lookback: 1 })?.current,
    ).toBe(1);
    expect(projectPeriod({ completed: [2, 3], currentToDate: 0, elapsedMs: 0, periodMs: day, lookback: 2 })?.next).toBe(
      3,
    );
    expect(
      projectPeriod({ completed: [-2, -3], currentToDate: 0, elapsedMs: day, periodMs: day, lookback: 2 }),
    ).toEqual({ basedOn: 2, current: 0, next: -3 });
  });

  it('refuses a lookback below 1 or an elapsed time outside the period', () => {
    expect(() => projectPeriod({ completed: [1], currentToDate: 0, elapsedMs: 0, periodMs: day, lookback: 0 })).toThrow(
      RangeError,
    );
    expect(() =>
      projectPeriod({ completed: [1], currentToDate: 0, elapsedMs: day + 1, periodMs: day, lookback: 1 }),
    ).toThrow(RangeError);
  });
});

describe('fulfillment variance per SKU', () => {
  it('splits what was ordered into shipped, cancelled, rejected and still open', () => {
    // 19 laptops: 7 approved down to 4 (4 shipped, 3 cancelled), 6 awaiting approval, 6 rejected
    const laptops = { ordered: 19, approved: 4, shipped: 4, delivered: 4, returned: 1, cancelled: 3, rejected: 6 };
    expect(fulfillmentVariance(laptops)).toEqual({ unapproved: 15, open: 6, kept: 3 });
    const beans = { ordered: 250, approved: 250, shipped: 0, delivered: 0, returned: 0, cancelled: 250, rejected: 0 };
    expect(fulfillmentVariance(beans)).toEqual({ unapproved: 0, open: 0, kept: 0 });
    expect(addQuantities([laptops, beans])).toEqual({
      ordered: 269,
      approved: 254,
      shipped: 4,
      delivered: 4,
      returned: 1,
      cancelled: 253,
      rejected: 6,
    });
  });
});

describe('customer ranking', () => {
  const row = (customerId: string, currency: string, revenue: number, billedOrders: number) => ({
    customerId,
    currency,
    revenue,
    orders: billedOrders,
    averageOrderValue: averageOrderValue(revenue, billedOrders),
    outstanding: 0,
    returns: 0,
  });

  it('averages net revenue over billed orders, rounding half away from zero', () => {
    expect(averageOrderValue(1001, 2)).toBe(501);
    expect(averageOrderValue(-1001, 2)).toBe(-501);
    expect(averageOrderValue(500, 0)).toBeNull();
  });

  it('ranks within a currency, never across, ties by ID, no average last', () => {
    const rows = [
      row('C', 'USD', 100, 1),
      row('A', 'USD', 300, 1),
      row('E', 'EUR', 50, 1),
      row('B', 'USD', 300, 1),
      row('D', 'USD', 0, 0),
    ];
    expect(rankCustomers(rows, 'revenue', 'desc').map((r) => r.customerId)).toEqual(['E', 'A', 'B', 'C', 'D']);
    expect(rankCustomers(rows, 'revenue', 'asc').map((r) => r.customerId)).toEqual(['E', 'D', 'C', 'A', 'B']);
    expect(rankCustomers(rows, 'averageOrderValue', 'asc').map((r) => r.customerId)).toEqual(['E', 'C', 'A', 'B', 'D']);
  });
});
