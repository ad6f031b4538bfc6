import {
  approveOrderUpdate,
  cancelOrderUpdate,
  carrierEventUpdate,
  confirmPickUpdate,
  rejectOrderUpdate,
  requestReturnUpdate,
  resumeBackorderUpdate,
  type ApproveRequest,
  type CancelRequest,
  type CarrierEventRequest,
  type ConfirmPickRequest,
  type RejectRequest,
  type ReturnRequest,
} from '../workflows/order/messages';
import { NotFoundError } from './errors';
import { updateOrder, type OrderUpdateDeps } from './order-updates';

/**
 * Changes to a running order, each a Temporal Update the order's workflow decides on. `updateId` (from the
 * request's Idempotency-Key) makes a retried request apply once.
 */
export function createOrderActions(deps: OrderUpdateDeps) {
  const { db } = deps;
  return {
    approveOrder: (orderId: string, request: ApproveRequest, updateId?: string) =>
      updateOrder(deps, orderId, (order) => order.executeUpdate(approveOrderUpdate, { args: [request], updateId })),
    rejectOrder: (orderId: string, request: RejectRequest, updateId?: string) =>
      updateOrder(deps, orderId, (order) => order.executeUpdate(rejectOrderUpdate, { args: [request], updateId })),
    cancelOrder: (orderId: string, request: CancelRequest, updateId?: string) =>
      updateOrder(deps, orderId, (order) => order.executeUpdate(cancelOrderUpdate, { args: [request], updateId })),
    resumeBackorder: (orderId: string) =>
      updateOrder(deps, orderId, (order) => order.executeUpdate(resumeBackorderUpdate)),
    /** An RMA for shipped units within the return window; refused once the window has closed. */
    requestReturn: (orderId: string, request: ReturnRequest, updateId?: string) =>
      updateOrder(deps, orderId, (order) => order.executeUpdate(requestReturnUpdate, { args: [request], updateId })),

    /** Lines not listed were picked in full; a lower pickedQuantity is a short pick (re-allocated or backordered). */
    async confirmPick(pickListId: string, lines: ConfirmPickRequest['lines']) {
      const pickList = await db('pick_lists').where({ id: pickListId }).first('id', 'order_id');
      if (!pickList) throw new NotFoundError(`no pick list ${pickListId}`);
      return updateOrder(deps, pickList.order_id, (order) =>
        order.executeUpdate(confirmPickUpdate, { args: [{ pickListId: pickList.id, lines }] }),
      );
    },

    /** A carrier's tracking event for one of the order's shipments. */
    async recordCarrierEvent(shipmentId: string, event: Omit<CarrierEventRequest, 'shipmentId'>) {
      const shipment = await db('shipments').where({ id: shipmentId }).first('id', 'order_id');
      if (!shipment) throw new NotFoundError(`no shipment ${shipmentId}`);
      return updateOrder(deps, shipment.order_id, (order) =>
        order.executeUpdate(carrierEventUpdate, { args: [{ shipmentId: shipment.id, ...event }] }),
      );
    },
  };
}
