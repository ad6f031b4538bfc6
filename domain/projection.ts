import { mulDivRound } from './pricing';

/**
 * A simple, explainable projection for a period still under way: the average of the last `lookback` complete
 * periods is the expected figure for a whole period. The current period is what it has so far plus that
 * average pro-rated for the share of the period still to come; the next period is the average itself.
 * All figures are integers (counts, minor units), rounded half away from zero.
 */
export interface ProjectionInput {
  /** Figures of the complete periods before the current one, oldest first (empty periods count as 0). */
  completed: readonly number[];
  /** What the current period has so far. */
  currentToDate: number;
  /** How far into the current period we are, and its length (ms). */
  elapsedMs: number;
  periodMs: number;
  /** How many of the most recent complete periods the average takes. */
  lookback: number;
}

export interface Projection {
  /** Number of complete periods averaged (at most `lookback`). */
  basedOn: number;
  /** The current period as a whole: so far plus the average for the share still to come. */
  current: number;
  /** The next period: the average of the basis. */
  next: number;
}

/** null when there is no complete period to learn from. */
export function projectPeriod(input: ProjectionInput): Projection | null {
  if (!Number.isInteger(input.lookback) || input.lookback < 1)
    throw new RangeError(`lookback must be a positive integer, got ${input.lookback}`);
  if (!(input.elapsedMs >= 0 && input.elapsedMs <= input.periodMs))
    throw new RangeError(`elapsed ${input.elapsedMs} ms is outside the period of ${input.periodMs} ms`);
  const basis = input.completed.slice(-input.lookback);
  if (basis.length === 0) return null;
  const sum = basis.reduce((total, value) => total + value, 0);
  const remainingMs = input.periodMs - input.elapsedMs;
  return {
    basedOn: basis.length,
    // sum × remaining / (n × period): one rounding, however many periods are averaged.
    current: input.currentToDate + mulDivRound(sum, remainingMs, basis.length * input.periodMs),
    next: mulDivRound(sum, 1, basis.length),
  };
}
