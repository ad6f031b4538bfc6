import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { actorOf } from '../auth';
import { parse } from '../problem';
import { confirmPickSchema, pickListQuerySchema } from '../schemas';

/** Pick lists for warehouse staff (manual mode). */
export function pickListRoutes({ db, auth, services }: ApiDeps): Router {
  const router = Router();

  /** Work queue per warehouse: wave by wave, highest priority first, then oldest first. */
  router.get('/pick-lists', auth.requireRole('warehouse'), async (req, res) => {
    const filter = parse(pickListQuerySchema, req.query, 'query');
    const query = db('pick_lists')
      .where({ status: filter.status })
      .orderBy([{ column: 'wave' }, { column: 'priority' }, { column: 'created_at' }, { column: 'id' }])
      .limit(filter.limit);
    if (filter.warehouse) query.where({ warehouse_code: filter.warehouse });
    const lists = await query;
    const lines = await db('pick_list_lines')
      .whereIn(
        'pick_list_id',
        lists.map((list) => list.id),
      )
      .orderBy('sku');
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
        lines: lines
          .filter((line) => line.pick_list_id === list.id)
          .map((line) => ({ sku: line.sku, quantity: line.quantity, pickedQuantity: line.picked_quantity })),
      })),
    });
  });

  /** Lines not listed were picked in full; a lower pickedQuantity is a short pick (re-allocated or backordered). */
  router.post('/pick-lists/:id/confirm', auth.requireRole('warehouse'), async (req, res) => {
    const request = parse(confirmPickSchema, req.body ?? {});
    res.json(await services.confirmPick(String(req.params.id), request.lines, actorOf(res)));
  });

  return router;
}
