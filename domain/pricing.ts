import { assertMinorUnits, formatMoney } from './money';
import type { Address, OrderLineRequest, OrderTotals } from './order';

/**
 * The most an order may be worth at catalog prices, in minor units (100 billion dollars in cents): far above any real
 * order, and low enough that every amount that follows from it (tax of up to 100 %, shipping, invoices, refunds) stays
 * an exact integer in JavaScript and in PostgreSQL.
 */
export const MAX_ORDER_VALUE = 10_000_000_000_000;

/** What the lines are worth at catalog prices (a float once it is far past `MAX_ORDER_VALUE`: only compared then). */
export function catalogValue(
  lines: readonly { sku: string; quantity: number }[],
  catalog: ReadonlyMap<string, Pick<CatalogPrice, 'unitPrice'>>,
): number {
  return lines.reduce((value, line) => value + (catalog.get(line.sku)?.unitPrice ?? 0) * line.quantity, 0);
}

/** Why lines this valuable cannot be one order, or undefined when they can. */
export function orderValueProblem(value: number, currency: string): string | undefined {
  if (value <= MAX_ORDER_VALUE) return undefined;
  return `the order is worth more at catalog prices than an order may be (${formatMoney(MAX_ORDER_VALUE, currency)}); split it`;
}

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
  discount: number;
  tax: number;
  /** subtotal - discount + tax */
  total: number;
}

export interface ShippingCharge {
  service: string;
  amount: number;
  tax: number;
}

export interface PricedOrder {
  lines: PricedLine[];
  shipping: ShippingCharge;
  totals: OrderTotals;
}

export interface Promotion {
  code: string;
  type: 'percent' | 'fixed';
  /** percent: whole percent 1..100; fixed: minor units off the order. */
  value: number;
  validFrom: string | null;
  validTo: string | null;
  minOrderAmount: number | null;
  usageLimit: number | null;
}

/** The tax code shipping charges are taxed under (no rate: untaxed). */
export const SHIPPING_TAX_CODE = 'SHIPPING';

/** `value * numerator / denominator` rounded half away from zero, exact for any amounts in minor units. */
export function mulDivRound(value: number, numerator: number, denominator: number): number {
  assertMinorUnits(value);
  const product = BigInt(value) * BigInt(numerator);
  const d = BigInt(denominator);
  const quotient = product / d;
  const remainder = product % d;
  const roundAway = 2n * (remainder < 0n ? -remainder : remainder) >= d;
  return Number(roundAway ? quotient + (product < 0n ? -1n : 1n) : quotient);
}

/** The most specific rate for a tax code at a destination: its region first, then the whole country. */
export function findTaxRateBps(
  rates: readonly TaxRate[],
  taxCode: string,
  destination: Pick<Address, 'country' | 'region'>,
): number {
  const candidates = rates.filter((rate) => rate.taxCode === taxCode && rate.country === destination.country);
  const regional = candidates.find((rate) => rate.region === destination.region);
  return (regional ?? candidates.find((rate) => rate.region === '*'))?.rateBps ?? 0;
}

/** Why a promotion does not apply to an order of this subtotal at this moment, or undefined if it does. */
export function promotionProblem(promotion: Promotion, subtotal: number, at: Date): string | undefined {
  if (promotion.validFrom && at < new Date(promotion.validFrom))
    return `promotion ${promotion.code} is not valid before ${promotion.validFrom}`;
  if (promotion.validTo && at > new Date(promotion.validTo))
    return `promotion ${promotion.code} expired at ${promotion.validTo}`;
  if (promotion.minOrderAmount !== null && subtotal < promotion.minOrderAmount) {
    return `promotion ${promotion.code} needs an order of at least ${promotion.minOrderAmount}, this one is ${subtotal}`;
  }
  return undefined;
}

/**
 * Spreads a promotion over the lines: a percentage is taken from each line (rounded per line); a fixed amount
 * (never more than the subtotal) is shared in proportion to the line subtotals, largest remainders first, so
 * the line discounts add up to it exactly.
 */
export function lineDiscounts(
  subtotals: readonly number[],
  promotion: Pick<Promotion, 'type' | 'value'> | undefined,
): number[] {
  if (!promotion) return subtotals.map(() => 0);
  if (promotion.type === 'percent') return subtotals.map((subtotal) => mulDivRound(subtotal, promotion.value, 100));
  const total = subtotals.reduce((acc, value) => acc + value, 0);
  const amount = Math.min(promotion.value, total);
  if (total === 0) return subtotals.map(() => 0);
  const exact = subtotals.map((subtotal) => BigInt(amount) * BigInt(subtotal));
  const shares = exact.map((value) => Number(value / BigInt(total)));
  const remainders = exact
    .map((value, index) => ({ index, remainder: Number(value % BigInt(total)) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  let left = amount - shares.reduce((acc, value) => acc + value, 0);
  for (const { index } of remainders) {
    if (left === 0) break;
    shares[index] += 1;
    left -= 1;
  }
  return shares;
}

/**
 * Prices an order (SPEC section 3, pricing): catalog price per line, the promotion's discount spread over the
 * lines, tax per line on the discounted amount by tax code and destination, and the shipping charge taxed
 * under `SHIPPING`. Every amount is rounded per line in minor units.
 */
export function priceOrder(input: {
  currency: string;
  lines: readonly OrderLineRequest[];
  catalog: ReadonlyMap<string, CatalogPrice>;
  taxRates: readonly TaxRate[];
  destination: Pick<Address, 'country' | 'region'>;
  promotion?: Pick<Promotion, 'type' | 'value'>;
  shipping?: { service: string; amount: number };
}): PricedOrder {
  const catalogLines = input.lines.map((line) => {
    const product = input.catalog.get(line.sku);
    if (!product) throw new Error(`no catalog price for ${line.sku}`);
    return { line, product, subtotal: product.unitPrice * line.quantity };
  });
  const discounts = lineDiscounts(
    catalogLines.map((entry) => entry.subtotal),
    input.promotion,
  );
  const lines = catalogLines.map(({ line, product, subtotal }, index): PricedLine => {
    const taxRateBps = findTaxRateBps(input.taxRates, product.taxCode, input.destination);
    const discount = discounts[index];
    const tax = mulDivRound(subtotal - discount, taxRateBps, 10_000);
    return {
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: product.unitPrice,
      taxCode: product.taxCode,
      taxRateBps,
      subtotal,
      discount,
      tax,
      total: subtotal - discount + tax,
    };
  });
  const shippingAmount = input.shipping?.amount ?? 0;
  const shipping: ShippingCharge = {
    // No rate bracket takes the parcel: it ships without a quoted charge, and the service says so.
    service: input.shipping?.service ?? 'unrated',
    amount: shippingAmount,
    tax: mulDivRound(shippingAmount, findTaxRateBps(input.taxRates, SHIPPING_TAX_CODE, input.destination), 10_000),
  };
  const subtotal = sum(lines.map((line) => line.subtotal));
  const discount = sum(lines.map((line) => line.discount));
  const tax = sum(lines.map((line) => line.tax)) + shipping.tax;
  return {
    lines,
    shipping,
    totals: {
      currency: input.currency,
      subtotal,
      discount,
      shipping: shipping.amount,
      tax,
      total: subtotal - discount + shipping.amount + tax,
    },
  };
}

export interface LineCharge {
  sku: string;
  quantity: number;
  unitPrice: number;
  taxRateBps: number;
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
}

/**
 * What `quantity` units of a line cost when `before` units of it were billed already: the line's amounts
 * prorated by cumulative quantity, so however a line is split across shipments its parts add up to it exactly.
 */
export function chargeForUnits(line: PricedLine, before: number, quantity: number): LineCharge {
  const share = (amount: number) =>
    mulDivRound(amount, before + quantity, line.quantity) - mulDivRound(amount, before, line.quantity);
  const subtotal = share(line.subtotal);
  const discount = share(line.discount);
  const tax = share(line.tax);
  return {
    sku: line.sku,
    quantity,
    unitPrice: line.unitPrice,
    taxRateBps: line.taxRateBps,
    subtotal,
    discount,
    tax,
    total: subtotal - discount + tax,
  };
}

export function sum(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}

export interface Bill {
  currency: string;
  lines: LineCharge[];
  subtotal: number;
  discount: number;
  shipping: number;
  /** Line taxes plus the shipping tax. */
  tax: number;
  total: number;
}

/**
 * What one shipment costs (its capture and its invoice): each line's units prorated after what was billed
 * before, plus the order's shipping charge on the first bill. Every bill of an order together equals the order.
 */
export function billFor(
  priced: Pick<PricedOrder, 'lines' | 'shipping'> & { currency: string },
  billedBefore: ReadonlyMap<string, number>,
  quantities: readonly { sku: string; quantity: number }[],
  includeShipping: boolean,
): Bill {
  const lines = quantities
    .filter((entry) => entry.quantity > 0)
    .map((entry) => {
      const line = priced.lines.find((candidate) => candidate.sku === entry.sku);
      if (!line) throw new Error(`no priced line ${entry.sku}`);
      return chargeForUnits(line, billedBefore.get(entry.sku) ?? 0, entry.quantity);
    });
  const shipping = includeShipping ? priced.shipping.amount : 0;
  const subtotal = sum(lines.map((line) => line.subtotal));
  const discount = sum(lines.map((line) => line.discount));
  const tax = sum(lines.map((line) => line.tax)) + (includeShipping ? priced.shipping.tax : 0);
  return {
    currency: priced.currency,
    lines,
    subtotal,
    discount,
    shipping,
    tax,
    total: subtotal - discount + shipping + tax,
  };
}
