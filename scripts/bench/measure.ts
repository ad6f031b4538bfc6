/** Statistics of the bench: percentiles, throughput and per-second series. Times are epoch milliseconds. */

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function latencySummary(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values) : null),
  };
}

export interface Throughput {
  /** How many reached the milestone. */
  count: number;
  /**
   * count / seconds from the phase start to the last arrival: the rate the system kept up over the whole batch.
   * (Under a backlog a workflow queue serves orders round-robin, so arrivals come late and in a burst; a rate
   * taken over the burst alone would overstate what is sustained.)
   */
  perSecond: number | null;
  /** Seconds from the phase start to the first and to the last arrival. */
  firstSeconds: number | null;
  lastSeconds: number | null;
}

export function throughput(arrivals: readonly number[], startedAt: number): Throughput {
  if (arrivals.length === 0) return { count: 0, perSecond: null, firstSeconds: null, lastSeconds: null };
  const first = (Math.min(...arrivals) - startedAt) / 1000;
  const last = (Math.max(...arrivals) - startedAt) / 1000;
  return {
    count: arrivals.length,
    perSecond: round(last > 0 ? arrivals.length / last : null),
    firstSeconds: round(first),
    lastSeconds: round(last),
  };
}

/** How many arrivals fell in each second since `startedAt`: the throughput-over-time series. */
export function perSecond(arrivals: readonly number[], startedAt: number): number[] {
  const series: number[] = [];
  for (const at of arrivals) {
    const second = Math.max(0, Math.floor((at - startedAt) / 1000));
    while (series.length <= second) series.push(0);
    series[second] += 1;
  }
  return series;
}

/** The median: the middle value, or the mean of the two middle ones; null for no values. */
export function median(values: readonly (number | null)[]): number | null {
  const sorted = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function round(value: number | null, digits = 2): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const megabytes = (bytes: number) => round(bytes / 1024 / 1024, 1);
