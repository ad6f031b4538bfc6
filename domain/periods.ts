/**
 * Report periods: calendar days and ISO weeks (Monday to Sunday), both in UTC so that a bucket means the same
 * thing on every server. Instants are epoch milliseconds; days are 'YYYY-MM-DD' strings.
 */

export const REPORT_PERIODS = ['day', 'week'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

export const DAY_MS = 86_400_000;

/** UTC has no daylight saving, so both periods have a fixed length. */
export function periodLengthMs(period: ReportPeriod): number {
  return period === 'day' ? DAY_MS : 7 * DAY_MS;
}

/** Midnight UTC of a 'YYYY-MM-DD' day. */
export function dayStartMs(day: string): number {
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a calendar day: ${day}`);
  return ms;
}

/** The 'YYYY-MM-DD' day (UTC) of an instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start of the period containing an instant: midnight UTC, and for weeks the Monday of its ISO week. */
export function periodStartMs(ms: number, period: ReportPeriod): number {
  const midnight = Math.floor(ms / DAY_MS) * DAY_MS;
  if (period === 'day') return midnight;
  const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return midnight - daysSinceMonday * DAY_MS;
}

export interface PeriodBucket {
  /** First day of the period, also its key. */
  start: string;
  /** Last day of the period (inclusive). */
  end: string;
  startMs: number;
  /** Exclusive. */
  endMs: number;
}

export function bucketAt(startMs: number, period: ReportPeriod): PeriodBucket {
  const endMs = startMs + periodLengthMs(period);
  return { start: dayOf(startMs), end: dayOf(endMs - DAY_MS), startMs, endMs };
}

/** Every period that overlaps [fromMs, untilMs), oldest first, including the partial ones at either end. */
export function periodsBetween(fromMs: number, untilMs: number, period: ReportPeriod): PeriodBucket[] {
  const buckets: PeriodBucket[] = [];
  for (let start = periodStartMs(fromMs, period); start < untilMs; start += periodLengthMs(period))
    buckets.push(bucketAt(start, period));
  return buckets;
}

/**
 * The whole periods that cover the days `from`..`to` (inclusive): a week range starts on the Monday of
 * `from`'s week and ends on the Sunday of `to`'s, so no bucket is cut short by the range itself.
 */
export function wholePeriodRange(from: string, to: string, period: ReportPeriod): { fromMs: number; untilMs: number } {
  const fromMs = periodStartMs(dayStartMs(from), period);
  const untilMs = periodStartMs(dayStartMs(to), period) + periodLengthMs(period);
  return { fromMs, untilMs };
}

/** The default range of a sales report: the last `count` periods up to and including today's. */
export function defaultSalesRange(todayMs: number, period: ReportPeriod, count: number): { from: string; to: string } {
  const currentStart = periodStartMs(todayMs, period);
  return { from: dayOf(currentStart - (count - 1) * periodLengthMs(period)), to: dayOf(todayMs) };
}
