import { assertMinorUnits } from './money';
import type { Address, OrderLineRequest, OrderTotals } from './order';

export interface CatalogPrice {
  sku: string;
  unitPrice: number;
  currency: string;
  taxCode: string;
}

/** A tax rate in basis points for a tax code shipped to a country, optionally narrowed to one region. */
export interface TaxRate {
  taxCode: string;
  country: string;
  /** `*` applies to the whole country; a region code overrides it for that region. */
  region: string;
  rateBps: number;
}

export interface PricedLine {
  sku: string;
  quantity: number;
  unitPrice: number;
  taxCode: string;
  taxRateBps: number;
  subtotal: number;
  tax: number;
  total: number;
}

export interface PricedOrder {
  lines: PricedLine[];
  totals: OrderTotals;
}

/** `value * numerator / denominator` rounded half away from zero, exact for any amounts in minor units. */
export function mulDivRound(value: number, numerator: number, denominator: number): number {
  assertMinorUnits(value);
  const product = BigInt(value) * BigInt(numerator);
  const d = BigInt(denominator);
  const quotient = product / d;
  const remainder = product % d;
  const roundAway = 2n * (remainder < 0n ? -remainder : remainder) >= d;
  const result = roundAway ? quotient + (product < 0n ? -1n : 1n) : quotient;
  return Number(result);
}

/** The most specific rate for a tax code at a destination: its region first, then the whole country. */
export function findTaxRateBps(rates: readonly TaxRate[], taxCode: string, destination: Pick<Address, 'country' | 'region'>): number {
  const candidates = rates.filter((rate) => rate.taxCode === taxCode && rate.country === destination.country);
  const regional = candidates.find((rate) => rate.region === destination.region);
  return (regional ?? candidates.find((rate) => rate.region === '*'))?.rateBps ?? 0;
}

/** Prices every line at its catalog price and taxes it by tax code and destination, rounding per line. */
export function priceOrder(input: {
  currency: string;
  lines: readonly OrderLineRequest[];
  catalog: ReadonlyMap<string, CatalogPrice>;
  taxRates: readonly TaxRate[];
  destination: Pick<Address, 'country' | 'region'>;
}): PricedOrder {
  const lines = input.lines.map((line): PricedLine => {
    const product = input.catalog.get(line.sku);
    if (!product) throw new Error(`no catalog price for ${line.sku}`);
    const taxRateBps = findTaxRateBps(input.taxRates, product.taxCode, input.destination);
    const subtotal = product.unitPrice * line.quantity;
    const tax = mulDivRound(subtotal, taxRateBps, 10_000);
    return { sku: line.sku, quantity: line.quantity, unitPrice: product.unitPrice, taxCode: product.taxCode, taxRateBps, subtotal, tax, total: subtotal + tax };
  });
  const subtotal = sum(lines.map((line) => line.subtotal));
  const tax = sum(lines.map((line) => line.tax));
  return { lines, totals: { currency: input.currency, subtotal, discount: 0, shipping: 0, tax, total: subtotal + tax } };
}

/** What a subset of a priced order's lines costs (used for per-shipment captures and invoices). */
export function priceQuantities(lines: readonly PricedLine[], quantities: ReadonlyMap<string, number>): PricedLine[] {
  return lines
    .filter((line) => (quantities.get(line.sku) ?? 0) > 0)
    .map((line) => {
      const quantity = quantities.get(line.sku) ?? 0;
      const subtotal = line.unitPrice * quantity;
      const tax = mulDivRound(subtotal, line.taxRateBps, 10_000);
      return { ...line, quantity, subtotal, tax, total: subtotal + tax };
    });
}

export function sum(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}
