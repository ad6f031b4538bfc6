import { Router } from 'express';
import { eventView } from '../../db/orders';
import type { ApiDeps } from '../deps';
import { notFound } from '../problem';

/** The public tracking data: what a customer may see with the tracking number alone. */
export function trackingRoutes({ db }: ApiDeps): Router {
  const router = Router();

  /** Public: what a customer may see with the tracking number alone. No names, emails or addresses. */
  router.get('/track/:trackingNumber', async (req, res) => {
    const order = await db('orders')
      .where({ tracking_number: String(req.params.trackingNumber) })
      .first('id', 'tracking_number', 'status', 'promised_delivery_date', 'created_at');
    if (!order) throw notFound('no order has this tracking number');
    const [lines, shipments, events] = await Promise.all([
      db('order_lines as l')
        .join('products as p', 'p.sku', 'l.sku')
        .where('l.order_id', order.id)
        .orderBy('l.line_no')
        .select('l.sku', 'p.name', 'l.quantity', 'l.shipped_quantity', 'l.delivered_quantity', 'l.cancelled_quantity'),
      db('shipments').where({ order_id: order.id }).orderBy('seq'),
      db('shipment_events as e')
        .join('shipments as s', 's.id', 'e.shipment_id')
        .where('s.order_id', order.id)
        .orderBy('e.occurred_at')
        .select('e.*'),
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
