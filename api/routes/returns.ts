import { Router } from 'express';
import { returnView } from '../../db/orders';
import type { ApiDeps } from '../deps';
import { requestKeyOf } from '../idempotency-header';
import { notFound, parse } from '../problem';
import { receiveReturnSchema } from '../schemas';

/** Returns (RMAs). Their IDs hold a slash (`<orderId>/return-<n>`): URL-encode it as %2F. */
export function returnRoutes({ db, auth, services }: ApiDeps): Router {
  const router = Router();

  router.get('/returns/:id', auth.anyRole, async (req, res) => {
    const row = await db('returns')
      .where({ id: String(req.params.id) })
      .first();
    if (!row) throw notFound(`no return ${req.params.id}`);
    res.json(returnView(row));
  });

  /** Goods back at the warehouse: resellable units are restocked, damaged ones written off. */
  router.post('/returns/:id/receive', auth.requireRole('warehouse'), async (req, res) => {
    const request = parse(receiveReturnSchema, req.body);
    res.json(await services.receiveReturn(String(req.params.id), request, requestKeyOf(req, res)));
  });

  return router;
}
