import { Router } from 'express';
import { InvalidCursor, listOrders, orderDetail } from '../../db/orders';
import { orderWorkflowId } from '../../workflows/order/messages';
import type { BatchRow } from '../../services/batch-orders';
import { actorOf, principalOf } from '../auth';
import { ordersFromCsv } from '../batch-csv';
import { readBatchBody } from '../body-parsers';
import { ConcurrencyGate } from '../concurrency-gate';
import type { ApiDeps } from '../deps';
import { idempotencyKeyOf, requestKeyOf } from '../idempotency-header';
import { badRequest, notFound, parse, tryParse } from '../problem';
import {
  approveSchema,
  batchOrdersSchema,
  MAX_BATCH_ROWS,
  cancelSchema,
  editOrderSchema,
  holdSchema,
  emptySchema,
  listOrdersQuerySchema,
  placeOrderSchema,
  refundSchema,
  rejectSchema,
  returnSchema,
} from '../schemas';

/** Orders (SPEC section 4): placing starts a workflow; changes to a running order are Temporal Updates. */
export function orderRoutes({ db, auth, config, services }: ApiDeps): Router {
  const router = Router();

  router.post('/', auth.requireRole('sales'), async (req, res) => {
    const request = parse(placeOrderSchema, req.body);
    const idempotencyKey = idempotencyKeyOf(req);
    const placed = await services.placeOrder(request, { idempotencyKey, scope: `orders:${principalOf(res).keyId}` });
    if (placed.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res
      .status(202)
      .location(`/v1/orders/${placed.id}`)
      .json({ id: placed.id, trackingNumber: placed.trackingNumber, status: placed.status });
  });

  // A batch may be 5 MB and 1000 orders: a few at once keep the API's memory and its single orders' latency in bounds.
  const batchGate = new ConcurrencyGate({ running: 2, waiting: 8, what: 'batches', retryAfterSeconds: 5 });

  /** JSON `{orders:[...]}` or `text/csv` (see CSV_COLUMNS); answers one result per row, in order. */
  router.post('/batch', auth.requireRole('sales'), (req, res) =>
    batchGate.run(res, async () => {
      await readBatchBody(req, res);
      const csv = req.is('text/csv') === 'text/csv';
      const orders = csv
        ? ordersFromCsv(typeof req.body === 'string' ? req.body : '')
        : parse(batchOrdersSchema, req.body).orders;
      if (orders.length > MAX_BATCH_ROWS)
        throw badRequest(`a batch holds at most ${MAX_BATCH_ROWS} orders`, [
          { path: 'body', message: 'too many rows' },
        ]);
      const rows = orders.map((body): BatchRow => {
        const parsed = tryParse(placeOrderSchema, body);
        return 'data' in parsed ? { request: parsed.data } : parsed;
      });
      const placed = await services.placeBatch(rows, {
        idempotencyKey: idempotencyKeyOf(req),
        scope: `orders:${principalOf(res).keyId}`,
      });
      // A CSV row is also named by its line in the file (the header is line 1).
      const results = placed.map(({ index, ...outcome }) => ({
        index,
        ...(csv ? { line: index + 2 } : {}),
        ...outcome,
      }));
      res.json({
        accepted: results.filter((row) => row.id).length,
        rejected: results.filter((row) => row.errors).length,
        results,
      });
    }),
  );

  router.get('/', auth.anyRole, async (req, res) => {
    const filter = parse(listOrdersQuerySchema, req.query, 'query');
    try {
      res.json(await listOrders(db, filter));
    } catch (error) {
      if (error instanceof InvalidCursor)
        throw badRequest(error.message, [{ path: 'query.cursor', message: error.message }]);
      throw error;
    }
  });

  router.get('/:id', auth.anyRole, async (req, res) => {
    const order = await orderDetail(db, String(req.params.id));
    if (!order) throw notFound(`no order ${req.params.id}`);
    res.json(order);
  });

  router.get('/:id/history', auth.anyRole, async (req, res) => {
    const order = await orderDetail(db, String(req.params.id));
    if (!order) throw notFound(`no order ${req.params.id}`);
    const workflowId = orderWorkflowId(order.id);
    res.json({
      orderId: order.id,
      status: order.status,
      workflowId,
      temporalUiUrl: `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`,
      timeline: order.timeline,
    });
  });

  /** An edit before picking: 200 with the status once it took effect and the new totals; 409 once picking started. */
  router.patch('/:id', auth.requireRole('sales', 'support'), async (req, res) => {
    const request = parse(editOrderSchema, req.body);
    res.json(await services.editOrder(String(req.params.id), request, requestKeyOf(req, res), actorOf(res)));
  });

  router.post('/:id/approve', auth.requireRole('approver'), async (req, res) => {
    const request = parse(approveSchema, req.body ?? {});
    res.json(await services.approveOrder(String(req.params.id), request, requestKeyOf(req, res), actorOf(res)));
  });
  router.post('/:id/reject', auth.requireRole('approver'), async (req, res) => {
    const request = parse(rejectSchema, req.body);
    res.json(await services.rejectOrder(String(req.params.id), request, requestKeyOf(req, res), actorOf(res)));
  });
  router.post('/:id/cancel', auth.requireRole('support'), async (req, res) => {
    const request = parse(cancelSchema, req.body);
    res.json(await services.cancelOrder(String(req.params.id), request, requestKeyOf(req, res), actorOf(res)));
  });
  router.post('/:id/resume-backorder', auth.requireRole('support'), async (req, res) => {
    parse(emptySchema, req.body ?? {});
    res.json(await services.resumeBackorder(String(req.params.id), requestKeyOf(req, res), actorOf(res)));
  });
  router.post('/:id/hold', auth.requireRole('support'), async (req, res) => {
    const request = parse(holdSchema, req.body);
    res.json(await services.holdOrder(String(req.params.id), request, requestKeyOf(req, res), actorOf(res)));
  });
  router.post('/:id/release', auth.requireRole('support'), async (req, res) => {
    parse(emptySchema, req.body ?? {});
    res.json(await services.releaseOrder(String(req.params.id), requestKeyOf(req, res), actorOf(res)));
  });

  /** A refund of an amount or of shipped units, with its credit note; 409 beyond what was charged. */
  router.post('/:id/refunds', auth.requireRole('support'), async (req, res) => {
    const request = parse(refundSchema, req.body);
    res
      .status(201)
      .json(await services.refundOrder(String(req.params.id), request, requestKeyOf(req, res), actorOf(res)));
  });

  /** An RMA for shipped units within the return window: 201 `{id, status}`; 409 once the window has closed. */
  router.post('/:id/returns', auth.requireRole('support'), async (req, res) => {
    const request = parse(returnSchema, req.body);
    const opened = await services.requestReturn(String(req.params.id), request, requestKeyOf(req, res), actorOf(res));
    res
      .status(201)
      .location(`/v1/returns/${encodeURIComponent(opened.id)}`)
      .json(opened);
  });

  return router;
}
