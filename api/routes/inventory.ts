import { Router } from 'express';
import { stockLedger, stockLevels } from '../../db/stock';
import type { ApiDeps } from '../deps';
import { requestKeyOf } from '../idempotency-header';
import { parse } from '../problem';
import { adjustmentSchema, inventoryQuerySchema, ledgerQuerySchema, receiptSchema } from '../schemas';

/** Stock in, corrections, levels and the ledger (SPEC section 4). Every change is one ledger row. */
export function inventoryRoutes({ db, auth, services }: ApiDeps): Router {
  const router = Router();

  /**
   * The same reference, or the same Idempotency-Key and body, again moves nothing (200 `duplicate`); the key with
   * another body is refused (422). New stock resumes the orders waiting for it.
   */
  router.post('/receipts', auth.requireRole('warehouse'), async (req, res) => {
    const receipt = parse(receiptSchema, req.body);
    const { result, level, restockWorkflow } = await services.receiveStock(receipt, requestKeyOf(req, res));
    res.status(result === 'applied' ? 201 : 200).json({ duplicate: result === 'duplicate', level, restockWorkflow });
  });

  /**
   * A negative adjustment may not take on-hand stock below what is reserved for orders (409). The same
   * Idempotency-Key again moves nothing (200 `duplicate`); with another body it is refused (422).
   */
  router.post('/adjustments', auth.requireRole('warehouse'), async (req, res) => {
    const adjustment = parse(adjustmentSchema, req.body);
    const { result, level } = await services.adjustStock(adjustment, requestKeyOf(req, res));
    res.status(result === 'applied' ? 201 : 200).json({ duplicate: result === 'duplicate', level });
  });

  router.get('/', auth.anyRole, async (req, res) => {
    const filter = parse(inventoryQuerySchema, req.query, 'query');
    res.json({ items: await stockLevels(db, filter) });
  });

  router.get('/ledger', auth.anyRole, async (req, res) => {
    res.json(await stockLedger(db, parse(ledgerQuerySchema, req.query, 'query')));
  });

  return router;
}
