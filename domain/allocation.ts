import type { Address } from './order';

export interface WarehouseCandidate {
  code: string;
  region: string;
  priority: number;
}

export interface QuantityLine {
  sku: string;
  quantity: number;
}

/** Units per SKU over `lines` (a SKU may stand on several). */
export function unitsBySku(lines: Iterable<QuantityLine>): Map<string, number> {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  return units;
}

/** Available units per warehouse and SKU. */
export type Availability = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface AllocationPlan {
  shipments: { warehouse: string; lines: QuantityLine[] }[];
  /** What no warehouse can supply now. */
  unallocated: QuantityLine[];
}

/**
 * The order in which warehouses are asked to ship an order: lower warehouse priority first, and among
 * equals the one in the destination's region, then by code so the choice is stable.
 */
export function rankWarehouses<W extends WarehouseCandidate>(
  warehouses: readonly W[],
  destination: Pick<Address, 'region'>,
): W[] {
  const inRegion = (warehouse: W) => (warehouse.region === destination.region ? 0 : 1);
  return [...warehouses].sort(
    (a, b) => a.priority - b.priority || inRegion(a) - inRegion(b) || a.code.localeCompare(b.code),
  );
}

/** Whether a warehouse's available stock covers every line in full. */
export function coversAllLines(
  lines: readonly QuantityLine[],
  available: ReadonlyMap<string, number> | undefined,
): boolean {
  return lines.every((line) => (available?.get(line.sku) ?? 0) >= line.quantity);
}

/**
 * Allocation (SPEC section 3): one warehouse that can ship every line, the first in rank order; otherwise a
 * split with as few shipments as we can find — each round takes the warehouse that completes the most lines,
 * then supplies the most units, then ranks first — until nothing is left or no warehouse has anything.
 * Lines may be split across warehouses; the planned quantities always add up to at most what was asked.
 */
export function planAllocation(
  lines: readonly QuantityLine[],
  rankedWarehouses: readonly string[],
  availability: Availability,
): AllocationPlan {
  const wanted = lines.filter((line) => line.quantity > 0);
  const single = rankedWarehouses.find((warehouse) => coversAllLines(wanted, availability.get(warehouse)));
  if (single)
    return {
      shipments: wanted.length ? [{ warehouse: single, lines: wanted.map((line) => ({ ...line })) }] : [],
      unallocated: [],
    };

  const remaining = new Map(wanted.map((line) => [line.sku, line.quantity]));
  const unused = [...rankedWarehouses];
  const shipments: AllocationPlan['shipments'] = [];
  for (;;) {
    const scored = unused.map((warehouse, rank) => {
      const available = availability.get(warehouse);
      let completes = 0;
      let units = 0;
      for (const [sku, quantity] of remaining) {
        const supply = Math.min(quantity, available?.get(sku) ?? 0);
        units += supply;
        if (supply === quantity) completes += 1;
      }
      return { warehouse, rank, completes, units };
    });
    const best = scored
      .filter((candidate) => candidate.units > 0)
      .sort((a, b) => b.completes - a.completes || b.units - a.units || a.rank - b.rank)[0];
    if (!best) break;
    const available = availability.get(best.warehouse);
    const shipmentLines: QuantityLine[] = [];
    for (const [sku, quantity] of remaining) {
      const supply = Math.min(quantity, available?.get(sku) ?? 0);
      if (supply === 0) continue;
      shipmentLines.push({ sku, quantity: supply });
      if (supply === quantity) remaining.delete(sku);
      else remaining.set(sku, quantity - supply);
    }
    shipments.push({ warehouse: best.warehouse, lines: shipmentLines });
    unused.splice(unused.indexOf(best.warehouse), 1);
    if (remaining.size === 0) break;
  }
  return { shipments, unallocated: [...remaining].map(([sku, quantity]) => ({ sku, quantity })) };
}
