import { Router } from 'express';
import { listAudit } from '../../db/audit';
import { InvalidCursor } from '../../db/orders';
import type { ApiDeps } from '../deps';
import { badRequest, parse } from '../problem';
import { auditQuerySchema } from '../schemas';

/** The audit log (SPEC section 6): who did what, newest first. Written by api/audit.ts and the CLI. */
export function auditRoutes({ db, auth }: ApiDeps): Router {
  const router = Router();

  router.get('/audit', auth.requireRole('admin'), async (req, res) => {
    const filter = parse(auditQuerySchema, req.query, 'query');
    try {
      res.json(await listAudit(db, filter));
    } catch (error) {
      if (error instanceof InvalidCursor)
        throw badRequest(error.message, [{ path: 'query.cursor', message: error.message }]);
      throw error;
    }
  });

  return router;
}
