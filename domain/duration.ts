const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses durations such as `250ms`, `10s`, `48h`, `14d` or `1h30m` into milliseconds.
 * A bare `0` is accepted; any other number needs a unit so `10` is never mistaken for 10 days.
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(input); match; match = part.exec(input)) {
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed = part.lastIndex;
  }
  if (input.length === 0 || consumed !== input.length) {
    throw new Error(`invalid duration "${text}": use a number with a unit (ms, s, m, h, d), e.g. 10s or 48h`);
  }
  return Math.round(total);
}

/** The largest unit that divides the duration exactly, for messages and summaries: 172800000 -> "48h". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
