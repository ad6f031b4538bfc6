import { Router } from 'express';
import { ORDER_EVENT_TYPES } from '../../domain/order-events';
import type { ApiDeps } from '../deps';
import { parse } from '../problem';
import {
  deliveriesQuerySchema,
  emptySchema,
  orderDeliveriesQuerySchema,
  webhookPatchSchema,
  webhookSchema,
} from '../schemas';

/** Webhook subscriptions and their delivery log (SPEC section 6): admin only. */
export function webhookRoutes({ auth, services }: ApiDeps): Router {
  const router = Router();
  const admin = auth.requireRole('admin');

  router.post('/webhooks', admin, async (req, res) => {
    const subscription = await services.createWebhook(parse(webhookSchema, req.body));
    res.status(201).location(`/v1/webhooks/${subscription.id}`).json(subscription);
  });
  router.get('/webhooks', admin, async (_req, res) => {
    res.json(await services.listWebhooks());
  });
  // Before `/webhooks/:id`, which would take these names for a subscription's id.
  router.get('/webhooks/event-types', admin, (_req, res) => {
    res.json({ items: ORDER_EVENT_TYPES });
  });
  router.get('/webhooks/deliveries', admin, async (req, res) => {
    res.json(await services.listOrderDeliveries(parse(orderDeliveriesQuerySchema, req.query, 'query')));
  });
  router.get('/webhooks/:id', admin, async (req, res) => {
    const id = String(req.params.id);
    res.json(await services.getWebhook(id));
  });
  router.patch('/webhooks/:id', admin, async (req, res) => {
    const id = String(req.params.id);
    res.json(await services.updateWebhook(id, parse(webhookPatchSchema, req.body)));
  });
  router.delete('/webhooks/:id', admin, async (req, res) => {
    const id = String(req.params.id);
    await services.deleteWebhook(id);
    res.status(204).end();
  });
  router.get('/webhooks/:id/deliveries', admin, async (req, res) => {
    const id = String(req.params.id);
    res.json(await services.listDeliveries(id, parse(deliveriesQuerySchema, req.query, 'query')));
  });
  router.post('/webhooks/:id/deliveries/:deliveryId/redeliver', admin, async (req, res) => {
    const [id, deliveryId] = [String(req.params.id), String(req.params.deliveryId)];
    parse(emptySchema, req.body ?? {});
    res.status(202).json(await services.redeliver(id, deliveryId));
  });

  return router;
}
