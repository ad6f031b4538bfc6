import type { ApiExchange } from '../system/api-client';
import type { RunCatalog } from './catalog';
import { recordOf } from './findings';
import { chance, pick, randomInt } from './plan';
import { fieldOf, MALFORMED, REFUSED, succeeded, type KeyMode, type Requester } from './requests';
import type { StockLevelView } from './views';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The warehouse's stock desk: receipts (the scarce SKU's free waiting orders) and adjustments, valid and hostile,
 * on the run's own SKUs, while the orders walk. Receipts are idempotent by reference, adjustments by
 * Idempotency-Key (README, Interpretations: a repeat answers 200 `duplicate: true` and moves nothing).
 */
export class WarehouseDesk {
  private receipts = 0;
  private adjustments = 0;
  readonly steps: string[] = [];

  constructor(
    private readonly requester: Requester,
    private readonly catalog: RunCatalog,
    private readonly random: () => number,
  ) {}

  /** A receipt of a new reference, for an order that waits for the stock (the rest phase) or for the scarce SKU. */
  async receive(sku: string, quantity: number, orderId?: string): Promise<void> {
    this.receipts += 1;
    const body = {
      warehouse: 'EWR',
      sku,
      quantity,
      reference: `adversary-${this.catalog.tag}-receipt-${this.receipts}`,
    };
    const answer = await this.requester.call({
      method: 'POST',
      path: '/v1/inventory/receipts',
      as: 'warehouse',
      orderId,
      body,
      expect: { statuses: [201], why: 'a receipt of a new reference moves stock' },
    });
    this.steps.push(`receipt ${JSON.stringify(body)}${orderId ? ` for ${orderId}` : ''} -> ${answer.status}`);
  }

  /** Acts every second or so until `done`. */
  async run(done: () => boolean): Promise<void> {
    while (!done()) {
      await sleep(randomInt(this.random, 500, 2_000));
      if (done()) break;
      await this.act();
    }
  }

  private async act(): Promise<void> {
    const { skus } = this.catalog;
    const roll = this.random();
    if (roll < 0.3) return this.receive(skus.scarce, randomInt(this.random, 1, 3));
    if (roll < 0.4) return this.receiptReplay();
    if (roll < 0.7) return this.adjustment();
    return this.hostile();
  }

  /** The same reference again moves nothing: 200 `duplicate: true`. */
  private async receiptReplay(): Promise<void> {
    const body = {
      warehouse: 'EWR',
      sku: this.catalog.skus.mug,
      quantity: 5,
      reference: `adversary-${this.catalog.tag}-replayed`,
    };
    const first = await this.requester.call({ method: 'POST', path: '/v1/inventory/receipts', as: 'warehouse', body });
    const repeat = await this.requester.call({
      method: 'POST',
      path: '/v1/inventory/receipts',
      as: 'warehouse',
      body,
      expect: { statuses: [200], why: 'a receipt of a reference received before moves nothing (200 duplicate)' },
    });
    if (repeat.status === 200 && fieldOf(repeat.body, 'duplicate') !== true)
      this.requester.findings.add({
        check: 'idempotency',
        message: 'a receipt of a reference received before must say duplicate: true',
        exchange: recordOf(repeat),
      });
    this.steps.push(`receipt replay ${JSON.stringify(body)} -> ${first.status}, ${repeat.status}`);
  }

  /** An adjustment with an Idempotency-Key, in one of the key modes; never below what is reserved. */
  private async adjustment(): Promise<void> {
    const { skus } = this.catalog;
    const sku = pick(this.random, [skus.mug, skus.tee, skus.scarce, skus.big]);
    const level = await this.level('EWR', sku);
    const delta = chance(this.random, 0.6)
      ? randomInt(this.random, 1, 4)
      : -randomInt(this.random, 1, Math.max(1, Math.min(3, (level?.available ?? 0) || 1)));
    const body = { warehouse: 'EWR', sku, delta, reason: 'adversary: cycle count' };
    const mode: KeyMode = pick(this.random, ['once', 'replay', 'reuse', 'concurrent']);
    this.adjustments += 1;
    const answer = await this.requester.keyed(
      {
        method: 'POST',
        path: '/v1/inventory/adjustments',
        as: 'warehouse',
        body,
        otherBody: { ...body, delta: delta + 1 === 0 ? 2 : delta + 1 },
        key: `adversary-${this.catalog.tag}-adjustment-${this.adjustments}`,
        sameAnswer: adjustmentRepeatDifference,
      },
      mode,
    );
    this.steps.push(`adjust ${JSON.stringify(body)} (key ${mode}) -> ${answer.status}`);
  }

  private async hostile(): Promise<void> {
    const { skus } = this.catalog;
    const level = await this.level('EWR', skus.mug);
    const probes: [string, string, unknown, readonly number[]][] = [
      [
        'adjustment of 0',
        '/v1/inventory/adjustments',
        { warehouse: 'EWR', sku: skus.mug, delta: 0, reason: 'x' },
        MALFORMED,
      ],
      [
        'adjustment below what is reserved',
        '/v1/inventory/adjustments',
        { warehouse: 'EWR', sku: skus.mug, delta: -((level?.onHand ?? 0) + 1), reason: 'adversary: shrinkage' },
        [409],
      ],
      [
        'adjustment of an unknown SKU',
        '/v1/inventory/adjustments',
        { warehouse: 'EWR', sku: `${this.catalog.tag}-NOTHING`, delta: 1, reason: 'x' },
        [422],
      ],
      [
        'receipt in an unknown warehouse',
        '/v1/inventory/receipts',
        { warehouse: 'NOWHERE', sku: skus.mug, quantity: 1, reference: 'x' },
        [422],
      ],
      [
        'receipt of 0 units',
        '/v1/inventory/receipts',
        { warehouse: 'EWR', sku: skus.mug, quantity: 0, reference: 'x' },
        MALFORMED,
      ],
      [
        'receipt of -5 units',
        '/v1/inventory/receipts',
        { warehouse: 'EWR', sku: skus.mug, quantity: -5, reference: 'x' },
        MALFORMED,
      ],
    ];
    const [what, path, body, statuses] = pick(this.random, probes);
    const answer = await this.requester.call({
      method: 'POST',
      path,
      as: 'warehouse',
      body,
      expect: { statuses: statuses.length ? statuses : REFUSED, why: what },
    });
    this.steps.push(`${what} -> ${answer.status}`);
  }

  private async level(warehouse: string, sku: string): Promise<StockLevelView | undefined> {
    const answer = await this.requester.call<{ items: StockLevelView[] }>({
      method: 'GET',
      path: `/v1/inventory?sku=${encodeURIComponent(sku)}&warehouse=${warehouse}`,
      as: 'warehouse',
    });
    return answer.status === 200 ? answer.body.items[0] : undefined;
  }
}

/** An adjustment repeated with its key: both accepted, and at most one of them moved the stock. */
function adjustmentRepeatDifference(first: ApiExchange, repeat: ApiExchange): string | undefined {
  if (succeeded(first) !== succeeded(repeat)) return `status ${first.status}, then ${repeat.status}`;
  if (!succeeded(first)) return undefined;
  const moved = [first, repeat].filter((answer) => fieldOf(answer.body, 'duplicate') === false).length;
  return moved > 1 ? 'both moved the stock (duplicate: false twice)' : undefined;
}
