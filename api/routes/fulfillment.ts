import { Router } from 'express';
import { eventView, invoiceSummaryView, shipmentView } from '../../db/orders';
import type { ApiDeps } from '../app';
import { notFound } from '../problem';

/** Shipments, invoices and the public tracking page's data. */
export function fulfillmentRoutes({ db, auth }: ApiDeps): Router {
  const router = Router();

  router.get('/shipments/:id', auth.anyRole, async (req, res) => {
    const shipment = await db('shipments').where({ id: req.params.id }).first();
    if (!shipment) throw notFound(`no shipment ${req.params.id}`);
    const [lines, events] = await Promise.all([
      db('shipment_lines').where({ shipment_id: shipment.id }).orderBy('sku').select('sku', 'quantity'),
      db('shipment_events').where({ shipment_id: shipment.id }).orderBy('occurred_at'),
    ]);
    res.json({ ...shipmentView(shipment), lines, events: events.map(eventView) });
  });

  router.get('/invoices', auth.anyRole, async (req, res) => {
    const query = db('invoices').orderBy([{ column: 'issued_at', order: 'desc' }, { column: 'number', order: 'desc' }]).limit(200);
    if (typeof req.query.orderId === 'string') query.where({ order_id: req.query.orderId });
    res.json({ items: (await query).map(invoiceSummaryView) });
  });

  router.get('/invoices/:number', auth.anyRole, async (req, res) => {
    const invoice = await db('invoices').where({ number: req.params.number }).first();
    if (!invoice) throw notFound(`no invoice ${req.params.number}`);
    res.json({ ...invoiceSummaryView(invoice), lines: invoice.lines });
  });

  /** Public: what a customer may see with the tracking number alone. No names, emails or addresses. */
  router.get('/track/:trackingNumber', async (req, res) => {
    const order = await db('orders').where({ tracking_number: req.params.trackingNumber }).first('id', 'tracking_number', 'status', 'promised_delivery_date', 'created_at');
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
