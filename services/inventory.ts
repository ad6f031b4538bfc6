import { randomUUID } from 'node:crypto';
import { requestRestock, type RestockRun } from '../db/backorders';
import type { Db } from '../db/connection';
import { ensureStockRow, moveStock, stockLevels, type MovementResult, type StockLevel } from '../db/stock';
import { restockWorkflowId } from '../domain/ids';
import { RuleViolationError, StateConflictError, type FieldError } from './errors';
import {
  findIdempotencyKey,
  keyName,
  keyScope,
  requestHashOf,
  storeIdempotencyKey,
  type RequestKey,
} from './idempotency-keys';
import type { RestockStarts } from './restock-starts';

const NUMERIC_OUT_OF_RANGE = '22003';
const UNIQUE_VIOLATION = '23505';

export interface StockReceipt {
  warehouse: string;
  sku: string;
  quantity: number;
  reference: string;
}

export interface StockAdjustment {
  warehouse: string;
  sku: string;
  /** Positive or negative, never 0. */
  delta: number;
  reason: string;
}

/** `applied`: the stock moved; `duplicate`: the same receipt or adjustment moved it before, nothing moved now. */
export interface StockChange {
  result: MovementResult;
  level: StockLevel;
}

/** Stock in and corrections (SPEC section 4). Every change is one ledger row. */
export function createInventory({ db, restockStarts }: { db: Db; restockStarts: RestockStarts }) {
  async function requireKnown(warehouse: string, sku: string) {
    const [warehouseRow, productRow] = await Promise.all([
      db('warehouses').where({ code: warehouse }).first('code'),
      db('products').where({ sku }).first('sku'),
    ]);
    const errors: FieldError[] = [];
    if (!warehouseRow) errors.push({ path: 'body.warehouse', message: `warehouse ${warehouse} does not exist` });
    if (!productRow) errors.push({ path: 'body.sku', message: `product ${sku} does not exist` });
    if (errors.length > 0) throw new RuleViolationError(errors.map((error) => error.message).join('; '), errors);
  }

  /** A movement beyond what a stock row can count (2^31 - 1 units) is refused as a conflict with the level, not a 500. */
  async function withinStockRange<T>(sku: string, warehouse: string, move: () => Promise<T>): Promise<T> {
    try {
      return await move();
    } catch (error) {
      if ((error as { code?: string }).code !== NUMERIC_OUT_OF_RANGE) throw error;
      throw new StateConflictError(`stock of ${sku} in ${warehouse} would exceed 2147483647 units`, [
        { path: 'body', message: 'too much stock for one warehouse' },
      ]);
    }
  }

  /** A pair that never had stock has no row (a refused first movement leaves none): its level is zero. */
  async function levelOf(warehouse: string, sku: string): Promise<StockLevel> {
    const [level] = await stockLevels(db, { warehouse, sku });
    return level ?? { sku, warehouse, onHand: 0, reserved: 0, available: 0 };
  }

  /** A request's Idempotency-Key as stored: in the caller's scope for `action`, with the request's fingerprint. */
  const keyed = (action: string, request: unknown, idempotency: RequestKey | undefined) =>
    idempotency && { scope: keyScope(action, idempotency), key: idempotency.key, requestHash: requestHashOf(request) };
  type KeyedRequest = NonNullable<ReturnType<typeof keyed>>;

  /** Whether the key was used before for this very request; another request with it is refused (422). */
  async function seenBefore(request: KeyedRequest | undefined): Promise<boolean> {
    return (
      request !== undefined &&
      (await findIdempotencyKey(db, request.scope, request.key, request.requestHash)) !== undefined
    );
  }

  return {
    /**
     * Receiving the same reference again for the same warehouse and SKU is a safe retry: it moves nothing. So is the
     * same Idempotency-Key with the same body; with another body it is refused. New stock resumes the orders waiting
     * for the SKU: a restock run per receipt (highest priority first), requested in the receipt's transaction and
     * started after it, so a failed start is retried by the sweeper and the receipt still answers.
     */
    async receiveStock(
      receipt: StockReceipt,
      idempotency?: RequestKey,
    ): Promise<StockChange & { restockWorkflow: string }> {
      await requireKnown(receipt.warehouse, receipt.sku);
      const movementKey = `receipt:${receipt.warehouse}:${receipt.sku}:${receipt.reference}`;
      const restockWorkflow = restockWorkflowId(movementKey);
      const key = keyed('receipts', receipt, idempotency);
      const seen = await seenBefore(key);
      const result = seen
        ? 'duplicate'
        : await withinStockRange(receipt.sku, receipt.warehouse, () =>
            db.transaction(async (trx) => {
              await ensureStockRow(trx, receipt.warehouse, receipt.sku);
              const moved = await moveStock(trx, {
                warehouse: receipt.warehouse,
                sku: receipt.sku,
                reason: 'receipt',
                onHandDelta: receipt.quantity,
                reservedDelta: 0,
                reference: receipt.reference,
                movementKey,
              });
              if (moved !== 'applied') return moved;
              if (key) await storeIdempotencyKey(trx, key.scope, key.key, key.requestHash, movementKey);
              await requestRestock(trx, { workflowId: restockWorkflow, sku: receipt.sku }, { ifWaiting: false });
              return moved;
            }),
          ).catch(async (error: unknown) => {
            // Another receipt with this key (another reference) committed first: refused as a reuse of the key.
            if (!key || (error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
            await seenBefore(key);
            throw error;
          });
      // A concurrent first use of the key won the race: the body rule applies to its request too.
      if (result === 'duplicate' && !seen) await seenBefore(key);
      // A retried receipt also retries its run's start, if that is still pending.
      await restockStarts.start([restockWorkflow]);
      return { result, level: await levelOf(receipt.warehouse, receipt.sku), restockWorkflow };
    },

    /**
     * A negative adjustment may not take on-hand stock below what is reserved for orders (StateConflictError).
     * The same Idempotency-Key again moves nothing (`duplicate`); with another body it is refused. A positive one
     * resumes the orders waiting for the SKU, as a receipt does (only when some order waits).
     */
    async adjustStock(adjustment: StockAdjustment, idempotency?: RequestKey): Promise<StockChange> {
      await requireKnown(adjustment.warehouse, adjustment.sku);
      const key = keyed('adjustments', adjustment, idempotency);
      const movementKey = `adjustment:${idempotency ? keyName(idempotency) : randomUUID()}`;
      const seen = await seenBefore(key);
      let restock: RestockRun | undefined;
      const result = seen
        ? 'duplicate'
        : await withinStockRange(adjustment.sku, adjustment.warehouse, () =>
            db.transaction(async (trx) => {
              await ensureStockRow(trx, adjustment.warehouse, adjustment.sku);
              const moved = await moveStock(trx, {
                warehouse: adjustment.warehouse,
                sku: adjustment.sku,
                reason: 'adjustment',
                onHandDelta: adjustment.delta,
                reservedDelta: 0,
                reference: adjustment.reason,
                movementKey,
              });
              if (moved !== 'applied') return moved;
              if (key) await storeIdempotencyKey(trx, key.scope, key.key, key.requestHash, movementKey);
              if (adjustment.delta > 0)
                restock = await requestRestock(
                  trx,
                  { workflowId: restockWorkflowId(movementKey), sku: adjustment.sku },
                  { ifWaiting: true },
                );
              return moved;
            }),
          );
      // A concurrent first use of the key won the race: the body rule applies to its request too.
      if (result === 'duplicate' && !seen) await seenBefore(key);
      if (result === 'insufficient') {
        const level = await levelOf(adjustment.warehouse, adjustment.sku);
        throw new StateConflictError(
          `adjusting by ${adjustment.delta} would leave ${level.onHand + adjustment.delta} on hand against ${level.reserved} reserved`,
          [{ path: 'body.delta', message: `at least ${-(level.onHand - level.reserved)} allowed` }],
        );
      }
      if (restock) await restockStarts.start([restock.workflowId]);
      return { result, level: await levelOf(adjustment.warehouse, adjustment.sku) };
    },
  };
}
