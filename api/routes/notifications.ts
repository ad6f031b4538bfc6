import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { parse } from '../problem';
import { notificationsQuerySchema } from '../schemas';

/** The customer emails sent or waiting (SPEC section 6): support and admin. */
export function notificationRoutes({ auth, services }: ApiDeps): Router {
  const router = Router();
  router.get('/notifications', auth.requireRole('support'), async (req, res) => {
    res.json(await services.listNotifications(parse(notificationsQuerySchema, req.query, 'query')));
  });
  router.get('/notifications/:id', auth.requireRole('support'), async (req, res) => {
    res.json(await services.getNotification(String(req.params.id)));
  });
  return router;
}
