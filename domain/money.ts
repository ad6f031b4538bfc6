/** Money is always an integer amount of minor units (cents) with its ISO 4217 currency; never a float. */
export interface Money {
  amount: number;
  currency: string;
}

export function money(amount: number, currency: string): Money {
  assertMinorUnits(amount);
  return { amount, currency };
}

export function assertMinorUnits(amount: number): void {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be an integer of minor units, got ${amount}`);
}

/** Major units for display and for the `OrderTotal` search attribute (a Double by spec). */
export function toMajorUnits(amount: number, currency: string): number {
  return amount / 10 ** minorUnitDigits(currency);
}

const ZERO_DECIMAL_CURRENCIES = new Set(['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX']);

export function minorUnitDigits(currency: string): number {
  return ZERO_DECIMAL_CURRENCIES.has(currency) ? 0 : 2;
}

export function formatMoney(amount: number, currency: string): string {
  return `${toMajorUnits(amount, currency).toFixed(minorUnitDigits(currency))} ${currency}`;
}
