import { createHmac, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { eventView, shipmentView } from '../../db/orders';
import { actorOf, markCarrierSignature } from '../auth';
import type { ApiDeps, RawBodyRequest } from '../deps';
import { HttpProblem, notFound, parse } from '../problem';
import { carrierEventSchema } from '../schemas';

/** Shipments and the carrier events that move them to delivery. */
export function shipmentRoutes({ db, auth, config, services }: ApiDeps): Router {
  const router = Router();

  router.get('/shipments/:id', auth.anyRole, async (req, res) => {
    const shipment = await db('shipments')
      .where({ id: String(req.params.id) })
      .first();
    if (!shipment) throw notFound(`no shipment ${req.params.id}`);
    const [lines, events] = await Promise.all([
      db('shipment_lines').where({ shipment_id: shipment.id }).orderBy('sku').select('sku', 'quantity'),
      db('shipment_events').where({ shipment_id: shipment.id }).orderBy('occurred_at'),
    ]);
    res.json({ ...shipmentView(shipment), lines, events: events.map(eventView) });
  });

  /**
   * A carrier's tracking event, authenticated by a carrier key or by `X-OMS-Signature`: the hex HMAC-SHA256
   * of the raw body with OMS_CARRIER_WEBHOOK_SECRET (SPEC section 3, shipment).
   */
  const carrierOrSignature: RequestHandler = (req, res, next) => {
    const signature = req.header('x-oms-signature');
    if (signature === undefined) return auth.requireRole('carrier')(req, res, next);
    const expected = createHmac('sha256', config.carrierWebhookSecret)
      .update((req as RawBodyRequest).rawBody ?? Buffer.alloc(0))
      .digest();
    const presented = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new HttpProblem(
        401,
        'X-OMS-Signature does not match the body: sign the raw body with HMAC-SHA256 and OMS_CARRIER_WEBHOOK_SECRET, hex-encoded',
      );
    }
    markCarrierSignature(res);
    next();
  };

  router.post('/shipments/:id/events', carrierOrSignature, async (req, res) => {
    const event = parse(carrierEventSchema, req.body);
    res.json(await services.recordCarrierEvent(String(req.params.id), event, actorOf(res)));
  });

  return router;
}
