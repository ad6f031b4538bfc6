import { Router } from 'express';
import { principalOf } from '../auth';
import type { ApiDeps } from '../deps';

/** Who the key is: its role and id (never the key), so a client such as the console offers only what it may do. */
export function meRoutes({ auth }: ApiDeps): Router {
  const router = Router();
  router.get('/me', auth.anyRole, (_req, res) => {
    const { role, keyId } = principalOf(res);
    res.json({ role, keyId });
  });
  return router;
}
