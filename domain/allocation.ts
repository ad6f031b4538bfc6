import type { Address } from './order';

export interface WarehouseCandidate {
  code: string;
  region: string;
  priority: number;
}

/**
 * The order in which warehouses are asked to ship an order: lower warehouse priority first, and among
 * equals the one in the destination's region, then by code so the choice is stable.
 */
export function rankWarehouses<W extends WarehouseCandidate>(warehouses: readonly W[], destination: Pick<Address, 'region'>): W[] {
  const inRegion = (warehouse: W) => (warehouse.region === destination.region ? 0 : 1);
  return [...warehouses].sort((a, b) => a.priority - b.priority || inRegion(a) - inRegion(b) || a.code.localeCompare(b.code));
}

/** Whether a warehouse's available stock covers every line in full. */
export function coversAllLines(lines: readonly { sku: string; quantity: number }[], available: ReadonlyMap<string, number>): boolean {
  return lines.every((line) => (available.get(line.sku) ?? 0) >= line.quantity);
}
