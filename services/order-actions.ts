import {
  approveOrderUpdate,
  cancelOrderUpdate,
  carrierEventUpdate,
  confirmPickUpdate,
  editOrderUpdate,
  holdOrderUpdate,
  rejectOrderUpdate,
  releaseOrderUpdate,
  requestReturnUpdate,
  resumeBackorderUpdate,
  type ApproveRequest,
  type CancelRequest,
  type CarrierEventRequest,
  type ConfirmPickRequest,
  type EditRequest,
  type HoldRequest,
  type RejectRequest,
  type ReturnRequest,
} from '../workflows/order/messages';
import type { AuditActor } from '../domain/audit';
import { findProducts } from '../db/catalog';
import { NotFoundError, RuleViolationError } from './errors';
import { lineProblems } from './place-order';
import type { RequestKey } from './idempotency-keys';
import { requireLinesOfOrder } from './request-lines';
import { updateOrder, type OrderUpdateDeps } from './order-updates';

/**
 * Changes to a running order, each a Temporal Update the order's workflow decides on. With an Idempotency-Key
 * (`idempotency`), a retried request applies once and answers as the first did; the key with another request: 422.
 */
export function createOrderActions(deps: OrderUpdateDeps) {
  const { db } = deps;
  return {
    approveOrder: (orderId: string, request: ApproveRequest, idempotency?: RequestKey, actor?: AuditActor) =>
      updateOrder(deps, orderId, { action: 'approve', request, idempotency }, (order, updateId) =>
        order.executeUpdate(approveOrderUpdate, { args: [{ ...request, actor }], updateId }),
      ),
    rejectOrder: (orderId: string, request: RejectRequest, idempotency?: RequestKey, actor?: AuditActor) =>
      updateOrder(deps, orderId, { action: 'reject', request, idempotency }, (order, updateId) =>
        order.executeUpdate(rejectOrderUpdate, { args: [{ ...request, actor }], updateId }),
      ),
    cancelOrder: (orderId: string, request: CancelRequest, idempotency?: RequestKey, actor?: AuditActor) =>
      updateOrder(deps, orderId, { action: 'cancel', request, idempotency }, (order, updateId) =>
        order.executeUpdate(cancelOrderUpdate, { args: [{ ...request, actor }], updateId }),
      ),
    resumeBackorder: (orderId: string, idempotency?: RequestKey, actor?: AuditActor) =>
      updateOrder(deps, orderId, { action: 'resume', request: {}, idempotency }, (order, updateId) =>
        order.executeUpdate(resumeBackorderUpdate, { args: [{ actor }], updateId }),
      ),
    /**
     * An edit before picking (SPEC section 3, Edits): new lines are checked as on placing (each SKU once, existing,
     * active, in the order's currency: 422 listing every reason) before the order sees them; the order refuses what
     * its state does not allow (409 once picking started) and answers once the edit took effect.
     */
    async editOrder(orderId: string, request: EditRequest, idempotency?: RequestKey, actor?: AuditActor) {
      if (request.lines) {
        const order = await db('orders').where({ id: orderId }).first('currency');
        if (!order) throw new NotFoundError(`no order ${orderId}`);
        const products = await findProducts(
          db,
          request.lines.map((line) => line.sku),
        );
        const errors = lineProblems(request.lines, products, order.currency);
        if (errors.length > 0)
          throw new RuleViolationError(
            `the edit cannot be accepted: ${errors.map((error) => error.message).join('; ')}`,
            errors,
          );
      }
      return updateOrder(deps, orderId, { action: 'edit', request, idempotency }, (order, updateId) =>
        order.executeUpdate(editOrderUpdate, { args: [{ ...request, actor }], updateId }),
      );
    },
    /** Support's hold: the order stops before its next step (at once while it waits); 409 once it has shipped. */
    holdOrder: (orderId: string, request: HoldRequest, idempotency?: RequestKey, actor?: AuditActor) =>
      updateOrder(deps, orderId, { action: 'hold', request, idempotency }, (order, updateId) =>
        order.executeUpdate(holdOrderUpdate, { args: [{ ...request, actor }], updateId }),
      ),
    /** A held order goes on where it stopped (a step that failed is tried again); 409 when it is not held. */
    releaseOrder: (orderId: string, idempotency?: RequestKey, actor?: AuditActor) =>
      updateOrder(deps, orderId, { action: 'release', request: {}, idempotency }, (order, updateId) =>
        order.executeUpdate(releaseOrderUpdate, { args: [{ actor }], updateId }),
      ),
    /**
     * An RMA for shipped units within the return window; refused once the window has closed. Lines naming a SKU
     * twice or one the order does not have are refused here (422), before the order sees them.
     */
    async requestReturn(orderId: string, request: ReturnRequest, idempotency?: RequestKey, actor?: AuditActor) {
      await requireLinesOfOrder(db, orderId, request.lines);
      return updateOrder(deps, orderId, { action: 'return', request, idempotency }, (order, updateId) =>
        order.executeUpdate(requestReturnUpdate, { args: [{ ...request, actor }], updateId }),
      );
    },

    /** Lines not listed were picked in full; a lower pickedQuantity is a short pick (re-allocated or backordered). */
    async confirmPick(pickListId: string, lines: ConfirmPickRequest['lines'], actor?: AuditActor) {
      const pickList = await db('pick_lists').where({ id: pickListId }).first('id', 'order_id');
      if (!pickList) throw new NotFoundError(`no pick list ${pickListId}`);
      const request = { pickListId: pickList.id, lines };
      return updateOrder(deps, pickList.order_id, { action: 'confirmPick', request }, (order) =>
        order.executeUpdate(confirmPickUpdate, { args: [{ ...request, actor }] }),
      );
    },

    /** A carrier's tracking event for one of the order's shipments. */
    async recordCarrierEvent(shipmentId: string, event: Omit<CarrierEventRequest, 'shipmentId'>, actor?: AuditActor) {
      const shipment = await db('shipments').where({ id: shipmentId }).first('id', 'order_id');
      if (!shipment) throw new NotFoundError(`no shipment ${shipmentId}`);
      const request = { shipmentId: shipment.id, ...event };
      return updateOrder(deps, shipment.order_id, { action: 'carrierEvent', request }, (order) =>
        order.executeUpdate(carrierEventUpdate, { args: [{ ...request, actor }] }),
      );
    },
  };
}
