import { Router } from 'express';
import { paymentReconciliation } from '../../db/reports';
import type { ApiDeps } from '../app';
import { parse } from '../problem';
import { paymentReportQuerySchema } from '../schemas';

/** Reports (SPEC section 4). */
export function reportRoutes({ db, auth }: ApiDeps): Router {
  const router = Router();

  /** Payment reconciliation: every order's money, and every discrepancy found (none expected). */
  router.get('/reports/payments', auth.anyRole, async (req, res) => {
    const filter = parse(paymentReportQuerySchema, req.query, 'query');
    res.json(await paymentReconciliation(db, filter));
  });

  return router;
}
