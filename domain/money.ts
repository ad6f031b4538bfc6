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

const digitsByCurrency = new Map<string, number>();

/**
 * Digits after the decimal point of a currency's minor unit (ISO 4217 as ICU knows it): USD 2, JPY 0, KWD 3. An
 * unknown but well-formed code counts as 2; a malformed one throws a RangeError.
 */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

export function formatMoney(amount: number, currency: string): string {
  return `${toMajorUnits(amount, currency).toFixed(minorUnitDigits(currency))} ${currency}`;
}
