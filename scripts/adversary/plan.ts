import type { BackorderPolicy } from '../../domain/order';
import { seededRandom } from '../system/seeded-random';
import type { RunCatalog } from './catalog';

/** What kind of order a profile places: each exercises a part of the pipeline the walk then attacks. */
export const ORDER_KINDS = {
  plain: 3,
  net30: 2,
  'over-limit': 3,
  backorder: 2,
  'wait-all': 1,
  'cancel-unavailable': 1,
  split: 2,
  promotion: 1,
  declined: 1,
  flaky: 1,
  expedite: 1,
} as const;
export type OrderKind = keyof typeof ORDER_KINDS;

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface PlaceOrderBody {
  customerId: string;
  lines: OrderLine[];
  payment: { method: 'card' | 'invoice'; token?: string };
  backorderPolicy?: BackorderPolicy;
  promotionCode?: string;
  expedite?: boolean;
}

export interface OrderProfile {
  index: number;
  kind: OrderKind;
  body: PlaceOrderBody;
  /** Actions of the random walk from placement on. */
  walkSteps: number;
  /** Actions once it is delivered, in its return window. */
  afterSalesSteps: number;
}

export const randomInt = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));
export const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];
export const chance = (random: () => number, probability: number) => random() < probability;

/** Each order's own random numbers, so its walk does not depend on how the other orders' walks interleave. */
export const orderRandom = (seed: number, index: number) => seededRandom((seed * 1_000_003 + index * 7_919 + 1) >>> 0);

/** `count` order profiles drawn from the run's seed. */
export function planOrders(count: number, seed: number, catalog: RunCatalog, maxWalkSteps: number): OrderProfile[] {
  const random = seededRandom(seed);
  const kinds = Object.entries(ORDER_KINDS) as [OrderKind, number][];
  const total = kinds.reduce((sum, [, weight]) => sum + weight, 0);
  const { skus, customers } = catalog;
  const card = (token = 'tok_ok') => ({ method: 'card' as const, token });
  return Array.from({ length: count }, (_, index) => {
    let roll = random() * total;
    const kind = kinds.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? 'plain';
    const everyday = () =>
      [skus.mug, skus.tee]
        .filter((_, position) => position === 0 || chance(random, 0.5))
        .map((sku) => ({ sku, quantity: randomInt(random, 1, 3) }));
    const customerId = chance(random, 0.3) ? customers.critical : customers.standard;
    const base: PlaceOrderBody = { customerId, lines: everyday(), payment: card() };
    // The scarce SKU (2 units in stock at the start) beside one unit of an everyday one.
    const scarce = (policy: BackorderPolicy, quantity: number, other: string): PlaceOrderBody => ({
      ...base,
      backorderPolicy: policy,
      lines: [
        { sku: skus.scarce, quantity },
        { sku: other, quantity: 1 },
      ],
    });
    const bodies: Record<OrderKind, () => PlaceOrderBody> = {
      plain: () => base,
      net30: () => ({ customerId: customers.net30, lines: everyday(), payment: { method: 'invoice' } }),
      // Above the product's maxOrderQuantity and the standard customer's approval limit.
      'over-limit': () => ({
        customerId: customers.standard,
        lines: [{ sku: skus.big, quantity: 3 }, ...(chance(random, 0.5) ? [{ sku: skus.mug, quantity: 2 }] : [])],
        payment: chance(random, 0.3) ? card('tok_flaky') : card(),
      }),
      backorder: () => scarce('ship_available', randomInt(random, 2, 4), skus.mug),
      'wait-all': () => scarce('wait_all', 3, skus.tee),
      'cancel-unavailable': () => scarce('cancel_unavailable', 3, skus.mug),
      split: () => ({
        ...base,
        lines: [
          { sku: skus.east, quantity: randomInt(random, 1, 2) },
          { sku: skus.west, quantity: randomInt(random, 1, 2) },
        ],
      }),
      promotion: () => ({ ...base, promotionCode: catalog.promotion }),
      declined: () => ({ ...base, payment: card('tok_decline') }),
      flaky: () => ({ ...base, payment: card('tok_flaky') }),
      expedite: () => ({ ...base, expedite: true }),
    };
    return {
      index,
      kind,
      body: bodies[kind](),
      walkSteps: randomInt(random, Math.ceil(maxWalkSteps / 2), maxWalkSteps),
      afterSalesSteps: randomInt(random, 2, Math.max(2, Math.ceil(maxWalkSteps / 2))),
    };
  });
}
