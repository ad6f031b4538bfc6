import { createHmac, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { eventView, invoiceSummaryView, shipmentView } from '../../db/orders';
import { carrierEventUpdate, confirmPickUpdate } from '../../workflows/order/messages';
import type { ApiDeps, RawBodyRequest } from '../app';
import { updateOrder } from '../order-updates';
import { HttpProblem, notFound, parse } from '../problem';
import { carrierEventSchema, confirmPickSchema, pickListQuerySchema } from '../schemas';

/** Pick lists (manual mode), shipments and carrier events, invoices, and the public tracking data. */
export function fulfillmentRoutes(deps: ApiDeps): Router {
  const { db, auth, config } = deps;
  const router = Router();

  /** Work queue per warehouse: wave by wave, highest priority first, then oldest first. */
  router.get('/pick-lists', auth.requireRole('warehouse'), async (req, res) => {
    const filter = parse(pickListQuerySchema, req.query, 'query');
    const query = db('pick_lists').where({ status: filter.status }).orderBy([{ column: 'wave' }, { column: 'priority' }, { column: 'created_at' }, { column: 'id' }]).limit(filter.limit);
    if (filter.warehouse) query.where({ warehouse_code: filter.warehouse });
    const lists = await query;
    const lines = await db('pick_list_lines').whereIn('pick_list_id', lists.map((list) => list.id)).orderBy('sku');
    res.json({
      items: lists.map((list) => ({
        id: list.id,
        orderId: list.order_id,
        shipmentId: list.shipment_id,
        warehouse: list.warehouse_code,
        wave: list.wave,
        priority: list.priority,
        status: list.status,
        createdAt: list.created_at,
        confirmedAt: list.confirmed_at,
        lines: lines.filter((line) => line.pick_list_id === list.id).map((line) => ({ sku: line.sku, quantity: line.quantity, pickedQuantity: line.picked_quantity })),
      })),
    });
  });

  /** Lines not listed were picked in full; a lower pickedQuantity is a short pick (re-allocated or backordered). */
  router.post('/pick-lists/:id/confirm', auth.requireRole('warehouse'), async (req, res) => {
    const request = parse(confirmPickSchema, req.body ?? {});
    const pickList = await db('pick_lists').where({ id: String(req.params.id) }).first('id', 'order_id');
    if (!pickList) throw notFound(`no pick list ${req.params.id}`);
    res.json(await updateOrder(deps, pickList.order_id, (order) => order.executeUpdate(confirmPickUpdate, { args: [{ pickListId: pickList.id, lines: request.lines }] })));
  });

  router.get('/shipments/:id', auth.anyRole, async (req, res) => {
    const shipment = await db('shipments').where({ id: String(req.params.id) }).first();
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
    const expected = createHmac('sha256', config.carrierWebhookSecret).update((req as RawBodyRequest).rawBody ?? Buffer.alloc(0)).digest();
    const presented = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new HttpProblem(401, 'X-OMS-Signature does not match the body: sign the raw body with HMAC-SHA256 and OMS_CARRIER_WEBHOOK_SECRET, hex-encoded');
    }
    next();
  };

  router.post('/shipments/:id/events', carrierOrSignature, async (req, res) => {
    const event = parse(carrierEventSchema, req.body);
    const shipment = await db('shipments').where({ id: String(req.params.id) }).first('id', 'order_id');
    if (!shipment) throw notFound(`no shipment ${req.params.id}`);
    res.json(await updateOrder(deps, shipment.order_id, (order) => order.executeUpdate(carrierEventUpdate, { args: [{ shipmentId: shipment.id, ...event }] })));
  });

  router.get('/invoices', auth.anyRole, async (req, res) => {
    const query = db('invoices').orderBy([{ column: 'issued_at', order: 'desc' }, { column: 'number', order: 'desc' }]).limit(200);
    if (typeof req.query.orderId === 'string') query.where({ order_id: req.query.orderId });
    res.json({ items: (await query).map(invoiceSummaryView) });
  });

  router.get('/invoices/:number', auth.anyRole, async (req, res) => {
    const invoice = await db('invoices').where({ number: String(req.params.number) }).first();
    if (!invoice) throw notFound(`no invoice ${req.params.number}`);
    res.json({ ...invoiceSummaryView(invoice), lines: invoice.lines });
  });

  /** Public: what a customer may see with the tracking number alone. No names, emails or addresses. */
  router.get('/track/:trackingNumber', async (req, res) => {
    const order = await db('orders').where({ tracking_number: String(req.params.trackingNumber) }).first('id', 'tracking_number', 'status', 'promised_delivery_date', 'created_at');
    if (!order) throw notFound('no order has this tracking number');
    const [lines, shipments, events] = await Promise.all([
      db('order_lines as l').join('products as p', 'p.sku', 'l.sku').where('l.order_id', order.id).orderBy('l.line_no')
        .select('l.sku', 'p.name', 'l.quantity', 'l.shipped_quantity', 'l.delivered_quantity', 'l.cancelled_quantity'),
      db('shipments').where({ order_id: order.id }).orderBy('seq'),
      db('shipment_events as e').join('shipments as s', 's.id', 'e.shipment_id').where('s.order_id', order.id).orderBy('e.occurred_at').select('e.*'),
    ]);
    res.json({
      trackingNumber: order.tracking_number,
      status: order.status,
      placedAt: order.created_at,
      promisedDeliveryDate: order.promised_delivery_date,
      items: lines.map((line) => ({
        sku: line.sku,
        name: line.name,
        quantity: line.quantity,
        shippedQuantity: line.shipped_quantity,
        deliveredQuantity: line.delivered_quantity,
        cancelledQuantity: line.cancelled_quantity,
      })),
      shipments: shipments
        .filter((shipment) => shipment.carrier_tracking_number)
        .map((shipment) => ({
          carrier: shipment.carrier,
          service: shipment.service,
          carrierTrackingNumber: shipment.carrier_tracking_number,
          status: shipment.status,
          shippedAt: shipment.shipped_at,
          deliveredAt: shipment.delivered_at,
          events: events.filter((event) => event.shipment_id === shipment.id).map(eventView),
        })),
    });
  });

  return router;
}
