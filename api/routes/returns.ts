import { Router } from 'express';
import { receiveReturnUpdate } from '../../workflows/return/messages';
import type { ApiDeps } from '../app';
import { sendUpdate, updateIdFrom } from '../order-updates';
import { conflict, notFound, parse } from '../problem';
import { receiveReturnSchema } from '../schemas';

type Row = Record<string, any>;

const returnView = (row: Row) => ({
  id: row.id,
  orderId: row.order_id,
  status: row.status,
  resolution: row.resolution,
  reason: row.reason,
  lines: row.lines,
  receivedLines: row.received_lines,
  refundId: row.refund_id,
  creditNote: row.credit_note,
  replacementShipmentId: row.replacement_shipment_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Returns (RMAs). Their IDs hold a slash (`<orderId>/return-<n>`): URL-encode it as %2F. */
export function returnRoutes({ db, auth, temporal }: ApiDeps): Router {
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
    const id = String(req.params.id);
    const row = await db('returns').where({ id }).first('status');
    if (!row) throw notFound(`no return ${id}`);
    const reply = await sendUpdate(
      temporal.workflow.getHandle(id),
      (handle) =>
        handle.executeUpdate(receiveReturnUpdate, { args: [request], updateId: updateIdFrom(req, 'receive') }),
      async () => {
        throw conflict(`return ${id} is ${row.status}`);
      },
    );
    res.json(reply);
  });

  return router;
}
