import type { Address } from './order';

/** One row of a carrier's rate table: the price of a parcel up to `maxWeightGrams` in a zone. */
export interface ShippingRate {
  service: string;
  zone: number;
  maxWeightGrams: number;
  amount: number;
  transitDays: number;
}

export interface ShippingQuote {
  service: string;
  amount: number;
  transitDays: number;
}

/** Zone 1: same region; 2: same country; 3: abroad. */
export function shippingZone(
  from: Pick<Address, 'region' | 'country'>,
  to: Pick<Address, 'region' | 'country'>,
): number {
  if (from.country !== to.country) return 3;
  return from.region === to.region ? 1 : 2;
}

/** Each service's price for a parcel: its cheapest bracket that takes the weight; services that cannot are left out. */
export function quoteShipping(rates: readonly ShippingRate[], zone: number, weightGrams: number): ShippingQuote[] {
  const byService = new Map<string, ShippingQuote>();
  for (const rate of rates) {
    if (rate.zone !== zone || rate.maxWeightGrams < weightGrams) continue;
    const current = byService.get(rate.service);
    if (!current || rate.amount < current.amount)
      byService.set(rate.service, { service: rate.service, amount: rate.amount, transitDays: rate.transitDays });
  }
  return [...byService.values()];
}

/** Carrier service by rate and promised date: the cheapest, or for an expedited order the fastest. */
export function chooseService(quotes: readonly ShippingQuote[], expedite: boolean): ShippingQuote | undefined {
  const byPrice = (a: ShippingQuote, b: ShippingQuote) => a.amount - b.amount || a.transitDays - b.transitDays;
  const bySpeed = (a: ShippingQuote, b: ShippingQuote) => a.transitDays - b.transitDays || a.amount - b.amount;
  return [...quotes].sort(expedite ? bySpeed : byPrice)[0];
}
