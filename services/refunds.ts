import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { findOrderSummary, findRefund } from '../db/orders';
import {
  refundIdFor,
  refundOrderUpdate,
  refundUpdateId,
  type RefundReply,
  type RefundRequest,
} from '../workflows/order/messages';
import { refundWorkflow } from '../workflows/refund/refund.workflow';
import { keyName, type RequestKey } from './idempotency-keys';
import { randomCode } from './ids';
import {
  domainErrorFromFailure,
  refusalError,
  updateOrder,
  withinAnswerLimit,
  type OrderUpdateDeps,
} from './order-updates';
import { requireLinesOfOrder } from './request-lines';
import type { AuditActor } from '../domain/audit';

export function createRefunds(deps: OrderUpdateDeps & { temporal: Client; taskQueue: string }) {
  return {
    /**
     * A refund of an amount or of shipped units, with its credit note; a StateConflictError beyond what was
     * charged or when the payment provider refuses it. A running order decides it itself (an Update); once its
     * workflow has completed, a refund workflow does. Lines naming a SKU twice or one the order does not have are
     * refused here (422).
     */
    async refundOrder(
      orderId: string,
      request: RefundRequest,
      idempotency?: RequestKey,
      actor?: AuditActor,
    ): Promise<RefundReply> {
      if (request.lines) await requireLinesOfOrder(deps.db, orderId, request.lines);
      return updateOrder(
        deps,
        orderId,
        // The order names a keyed refund after the key (`refundUpdateId`), as refundAfterCompletion does.
        { action: 'refund', request, idempotency, updateIdOf: refundUpdateId },
        (order, updateId) => order.executeUpdate(refundOrderUpdate, { args: [{ ...request, actor }], updateId }),
        () => refundAfterCompletion(orderId, request, idempotency),
      );
    },
  };

  async function refundAfterCompletion(
    orderId: string,
    request: RefundRequest,
    idempotency: RequestKey | undefined,
  ): Promise<RefundReply> {
    const { db, temporal } = deps;
    // With an Idempotency-Key the refund's ID comes from it, as it did while the order ran (refundIdFor): a retry
    // answers with the refund already made, or joins the one under way; it never makes a second one.
    const refundId = refundIdFor(orderId, idempotency ? keyName(idempotency) : randomCode(8));
    const made = idempotency === undefined ? undefined : await findRefund(db, refundId);
    if (made) return { status: (await findOrderSummary(db, orderId))!.status, ...made };
    try {
      const outcome = await withinAnswerLimit(temporal, () =>
        temporal.workflow
          .execute(refundWorkflow, {
            taskQueue: deps.taskQueue,
            workflowId: refundId,
            args: [{ orderId, refundId, ...request }],
          })
          .catch((error) =>
            error instanceof WorkflowExecutionAlreadyStartedError
              ? temporal.workflow.getHandle<typeof refundWorkflow>(refundId).result()
              : Promise.reject(error),
          ),
      );
      if ('refused' in outcome) {
        throw (
          refusalError(outcome.refused.type, outcome.refused.message) ??
          new Error(`refund ${refundId} refused: ${outcome.refused.message}`)
        );
      }
      const current = await findOrderSummary(db, orderId);
      return { status: current!.status, ...outcome };
    } catch (error) {
      throw domainErrorFromFailure(error);
    }
  }
}
