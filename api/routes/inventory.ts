import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import { ensureStockRow, moveStock, stockLevels, type StockLevel } from '../../db/stock';
import { restockWorkflowId } from '../../workflows/restock/restock.workflow';
import type { ApiDeps } from '../app';
import { findIdempotencyKey, idempotencyKeyOf, requestHashOf, storeIdempotencyKey } from '../idempotency-key';
import { conflict, parse, unprocessable, type ProblemFieldError } from '../problem';
import { adjustmentSchema, inventoryQuerySchema, ledgerQuerySchema, receiptSchema } from '../schemas';

const NUMERIC_OUT_OF_RANGE = '22003';
/** Adjustment keys are one namespace for every caller, as their movement keys (`adjustment:<key>`) are. */
const ADJUSTMENT_KEYS = 'inventory-adjustments';

/** Stock in, corrections, levels and the ledger (SPEC section 4). Every change is one ledger row. */
export function inventoryRoutes({ db, auth, temporal, taskQueue }: ApiDeps): Router {
  const router = Router();

  async function requireKnown(warehouse: string, sku: string) {
    const [warehouseRow, productRow] = await Promise.all([
      db('warehouses').where({ code: warehouse }).first('code'),
      db('products').where({ sku }).first('sku'),
    ]);
    const errors: ProblemFieldError[] = [];
    if (!warehouseRow) errors.push({ path: 'body.warehouse', message: `warehouse ${warehouse} does not exist` });
    if (!productRow) errors.push({ path: 'body.sku', message: `product ${sku} does not exist` });
    if (errors.length > 0) throw unprocessable(errors.map((error) => error.message).join('; '), errors);
  }

  /** A movement beyond what a stock row can count (2^31 - 1 units) is refused as a conflict with the level, not a 500. */
  async function withinStockRange<T>(sku: string, warehouse: string, move: () => Promise<T>): Promise<T> {
    try {
      return await move();
    } catch (error) {
      if ((error as { code?: string }).code !== NUMERIC_OUT_OF_RANGE) throw error;
      throw conflict(`stock of ${sku} in ${warehouse} would exceed 2147483647 units`, [
        { path: 'body', message: 'too much stock for one warehouse' },
      ]);
    }
  }

  /** A pair that never had stock has no row (a refused first movement leaves none): its level is zero. */
  async function levelOf(warehouse: string, sku: string): Promise<StockLevel> {
    const [level] = await stockLevels(db, { warehouse, sku });
    return level ?? { sku, warehouse, onHand: 0, reserved: 0, available: 0 };
  }

  /**
   * Receiving the same reference again for the same warehouse and SKU is a safe retry: it moves nothing.
   * New stock resumes the orders waiting for the SKU (a restock workflow per receipt, highest priority first).
   */
  router.post('/receipts', auth.requireRole('warehouse'), async (req, res) => {
    const receipt = parse(receiptSchema, req.body);
    await requireKnown(receipt.warehouse, receipt.sku);
    const movementKey = `receipt:${receipt.warehouse}:${receipt.sku}:${receipt.reference}`;
    const result = await withinStockRange(receipt.sku, receipt.warehouse, () =>
      db.transaction(async (trx) => {
        await ensureStockRow(trx, receipt.warehouse, receipt.sku);
        return moveStock(trx, {
          warehouse: receipt.warehouse,
          sku: receipt.sku,
          reason: 'receipt',
          onHandDelta: receipt.quantity,
          reservedDelta: 0,
          reference: receipt.reference,
          movementKey,
        });
      }),
    );
    const restockWorkflow = restockWorkflowId(movementKey);
    try {
      await temporal.workflow.start('restockWorkflow', {
        taskQueue,
        workflowId: restockWorkflow,
        args: [{ sku: receipt.sku }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    res.status(result === 'applied' ? 201 : 200).json({
      duplicate: result === 'duplicate',
      level: await levelOf(receipt.warehouse, receipt.sku),
      restockWorkflow,
    });
  });

  /**
   * A negative adjustment may not take on-hand stock below what is reserved for orders (409). The same
   * Idempotency-Key again moves nothing (200 `duplicate`); with another body it is refused (422).
   */
  router.post('/adjustments', auth.requireRole('warehouse'), async (req, res) => {
    const adjustment = parse(adjustmentSchema, req.body);
    await requireKnown(adjustment.warehouse, adjustment.sku);
    const key = idempotencyKeyOf(req);
    const requestHash = requestHashOf(adjustment);
    const movementKey = `adjustment:${key ?? randomUUID()}`;
    const seen = key !== undefined && (await findIdempotencyKey(db, ADJUSTMENT_KEYS, key, requestHash)) !== undefined;
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
            if (moved === 'applied' && key !== undefined)
              await storeIdempotencyKey(trx, ADJUSTMENT_KEYS, key, requestHash, movementKey);
            return moved;
          }),
        );
    // A concurrent first use of the key won the race: the body rule applies to its request too.
    if (result === 'duplicate' && key !== undefined && !seen)
      await findIdempotencyKey(db, ADJUSTMENT_KEYS, key, requestHash);
    if (result === 'insufficient') {
      const level = await levelOf(adjustment.warehouse, adjustment.sku);
      throw conflict(
        `adjusting by ${adjustment.delta} would leave ${level.onHand + adjustment.delta} on hand against ${level.reserved} reserved`,
        [{ path: 'body.delta', message: `at least ${-(level.onHand - level.reserved)} allowed` }],
      );
    }
    res
      .status(result === 'applied' ? 201 : 200)
      .json({ duplicate: result === 'duplicate', level: await levelOf(adjustment.warehouse, adjustment.sku) });
  });

  router.get('/', auth.anyRole, async (req, res) => {
    const filter = parse(inventoryQuerySchema, req.query, 'query');
    res.json({ items: await stockLevels(db, filter) });
  });

  router.get('/ledger', auth.anyRole, async (req, res) => {
    const filter = parse(ledgerQuerySchema, req.query, 'query');
    const query = db('stock_ledger').orderBy('id', 'desc').limit(filter.limit);
    if (filter.sku) query.where('sku', filter.sku);
    if (filter.warehouse) query.where('warehouse_code', filter.warehouse);
    if (filter.orderId) query.where('order_id', filter.orderId);
    const rows = await query;
    res.json({
      items: rows.map((row) => ({
        id: row.id,
        sku: row.sku,
        warehouse: row.warehouse_code,
        reason: row.reason,
        onHandDelta: row.on_hand_delta,
        reservedDelta: row.reserved_delta,
        orderId: row.order_id,
        reference: row.reference,
        at: row.created_at,
      })),
    });
  });

  return router;
}
