import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import { findOrderSummary, findRefund, InvalidCursor, listOrders, orderDetail } from '../../db/orders';
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  orderWorkflowId,
  refundIdFor,
  refundOrderUpdate,
  refundUpdateId,
  rejectOrderUpdate,
  requestReturnUpdate,
  resumeBackorderUpdate,
} from '../../workflows/order/messages';
import type { ApiDeps } from '../app';
import { principalOf } from '../auth';
import { idempotencyKeyOf } from '../idempotency-key';
import { problemFromFailure, updateIdFrom, updateOrder } from '../order-updates';
import { ordersFromCsv, placeBatch } from '../batch-orders';
import { placeOrder, randomCode } from '../place-order';
import { refundWorkflow } from '../../workflows/refund/refund.workflow';
import { badRequest, notFound, parse } from '../problem';
import {
  approveSchema,
  batchOrdersSchema,
  cancelSchema,
  emptySchema,
  listOrdersQuerySchema,
  placeOrderSchema,
  refundSchema,
  rejectSchema,
  returnSchema,
} from '../schemas';

/** Orders (SPEC section 4): placing starts a workflow; changes to a running order are Temporal Updates. */
export function orderRoutes(deps: ApiDeps): Router {
  const { db, auth, config } = deps;
  const router = Router();

  router.post('/', auth.requireRole('sales'), async (req, res) => {
    const request = parse(placeOrderSchema, req.body);
    const idempotencyKey = idempotencyKeyOf(req);
    const placed = await placeOrder(deps, request, { idempotencyKey, scope: `orders:${principalOf(res).keyId}` });
    if (placed.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res
      .status(202)
      .location(`/v1/orders/${placed.id}`)
      .json({ id: placed.id, trackingNumber: placed.trackingNumber, status: placed.status });
  });

  /** JSON `{orders:[...]}` or `text/csv` (see CSV_COLUMNS); answers one result per row, in order. */
  router.post('/batch', auth.requireRole('sales'), async (req, res) => {
    const csv = req.is('text/csv') === 'text/csv';
    const orders = csv
      ? ordersFromCsv(typeof req.body === 'string' ? req.body : '')
      : parse(batchOrdersSchema, req.body).orders;
    if (orders.length > 1000)
      throw badRequest('a batch holds at most 1000 orders', [{ path: 'body', message: 'too many rows' }]);
    const results = await placeBatch(deps, orders, {
      idempotencyKey: idempotencyKeyOf(req),
      scope: `orders:${principalOf(res).keyId}`,
      csv,
    });
    res.json({
      accepted: results.filter((row) => row.id).length,
      rejected: results.filter((row) => row.errors).length,
      results,
    });
  });

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

  router.post('/:id/approve', auth.requireRole('approver'), async (req, res) => {
    const request = parse(approveSchema, req.body ?? {});
    res.json(
      await updateOrder(deps, String(req.params.id), (order) =>
        order.executeUpdate(approveOrderUpdate, { args: [request], updateId: updateIdFrom(req, 'approve') }),
      ),
    );
  });
  router.post('/:id/reject', auth.requireRole('approver'), async (req, res) => {
    const request = parse(rejectSchema, req.body);
    res.json(
      await updateOrder(deps, String(req.params.id), (order) =>
        order.executeUpdate(rejectOrderUpdate, { args: [request], updateId: updateIdFrom(req, 'reject') }),
      ),
    );
  });
  router.post('/:id/cancel', auth.requireRole('support'), async (req, res) => {
    const request = parse(cancelSchema, req.body);
    res.json(
      await updateOrder(deps, String(req.params.id), (order) =>
        order.executeUpdate(cancelOrderUpdate, { args: [request], updateId: updateIdFrom(req, 'cancel') }),
      ),
    );
  });
  router.post('/:id/resume-backorder', auth.requireRole('support'), async (req, res) => {
    parse(emptySchema, req.body ?? {});
    res.json(await updateOrder(deps, String(req.params.id), (order) => order.executeUpdate(resumeBackorderUpdate)));
  });

  /**
   * A refund of an amount or of shipped units, with its credit note; 409 beyond what was charged. A running
   * order decides it itself (an Update); once its workflow has completed, a refund workflow does.
   */
  router.post('/:id/refunds', auth.requireRole('support'), async (req, res) => {
    const request = parse(refundSchema, req.body);
    const orderId = String(req.params.id);
    const key = idempotencyKeyOf(req);
    const refundAfterCompletion = async () => {
      // With an Idempotency-Key the refund's ID comes from it, as it did while the order ran (refundIdFor): a retry
      // answers with the refund already made, or joins the one under way; it never makes a second one.
      const refundId = refundIdFor(orderId, key ?? randomCode(8));
      const made = key === undefined ? undefined : await findRefund(db, refundId);
      if (made) return { status: (await findOrderSummary(db, orderId))!.status, ...made };
      try {
        const refund = await deps.temporal.workflow
          .execute(refundWorkflow, {
            taskQueue: deps.taskQueue,
            workflowId: refundId,
            args: [{ orderId, refundId, ...request }],
          })
          .catch((error) =>
            error instanceof WorkflowExecutionAlreadyStartedError
              ? deps.temporal.workflow.getHandle<typeof refundWorkflow>(refundId).result()
              : Promise.reject(error),
          );
        const current = await findOrderSummary(db, orderId);
        return { status: current!.status, ...refund };
      } catch (error) {
        throw problemFromFailure(error);
      }
    };
    res.status(201).json(
      await updateOrder(
        deps,
        orderId,
        (order) =>
          order.executeUpdate(refundOrderUpdate, {
            args: [request],
            updateId: key === undefined ? undefined : refundUpdateId(key),
          }),
        refundAfterCompletion,
      ),
    );
  });

  /** An RMA for shipped units within the return window: 201 `{id, status}`; 409 once the window has closed. */
  router.post('/:id/returns', auth.requireRole('support'), async (req, res) => {
    const request = parse(returnSchema, req.body);
    const opened = await updateOrder(deps, String(req.params.id), (order) =>
      order.executeUpdate(requestReturnUpdate, { args: [request], updateId: updateIdFrom(req, 'return') }),
    );
    res
      .status(201)
      .location(`/v1/returns/${encodeURIComponent(opened.id)}`)
      .json(opened);
  });

  return router;
}
