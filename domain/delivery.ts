/** The business day (UTC) an order placed at `placedAt` leaves the warehouse, given its same-day cutoff hour. */
export function shipDate(placedAt: Date, cutoffHourUtc: number): Date {
  const day = startOfUtcDay(placedAt);
  return placedAt.getUTCHours() < cutoffHourUtc ? day : addDays(day, 1);
}

/** The date promised to the customer: the ship date plus the carrier's transit days. */
export function promisedDeliveryDate(placedAt: Date, cutoffHourUtc: number, transitDays: number): string {
  return addDays(shipDate(placedAt, cutoffHourUtc), transitDays).toISOString().slice(0, 10);
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}
