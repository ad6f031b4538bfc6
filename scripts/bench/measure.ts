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
  /** count / (last arrival - phase start). */
  overallPerSecond: number | null;
  /**
   * The steady rate: arrivals between the 10th and the 90th percentile of arrival times over the time between
   * them, leaving out the ramp-up and the tail.
   */
  sustainedPerSecond: number | null;
  /** Seconds from the phase start to the last arrival. */
  spanSeconds: number | null;
}

export function throughput(arrivals: readonly number[], startedAt: number): Throughput {
  const sorted = [...arrivals].sort((a, b) => a - b);
  const count = sorted.length;
  if (count === 0) return { count, overallPerSecond: null, sustainedPerSecond: null, spanSeconds: null };
  const span = (sorted[count - 1] - startedAt) / 1000;
  const low = Math.floor(count * 0.1);
  const high = Math.max(low, Math.ceil(count * 0.9) - 1);
  const steady = (sorted[high] - sorted[low]) / 1000;
  return {
    count,
    overallPerSecond: round(span > 0 ? count / span : null),
    sustainedPerSecond: round(steady > 0 ? (high - low) / steady : null),
    spanSeconds: round(span),
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

export function round(value: number | null, digits = 2): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const megabytes = (bytes: number) => round(bytes / 1024 / 1024, 1);
