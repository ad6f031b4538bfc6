import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  ParentClosePolicy,
  condition,
  currentUpdateInfo,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { AllocatedShipment } from '../../activities/inventory';
import type { ValidatedOrder } from '../../activities/pricing';
import type { QuantityLine } from '../../domain/allocation';
import { applyApproval, approvalReasons } from '../../domain/approval';
import { formatDuration } from '../../domain/duration';
import { pickListIdFor } from '../../domain/ids';
import { formatMoney, toMajorUnits } from '../../domain/money';
import {
  WITH_CARRIER_STATUSES,
  isTerminal,
  type CancelReason,
  type OrderStatus,
  type RejectReason,
  type ShipmentEventStatus,
} from '../../domain/order';
import { billFor, type Bill } from '../../domain/pricing';
import { changesOrderLines, type OrderProgress } from '../../domain/timeline';
import {
  INVALID_ORDER_REQUEST,
  ORDER_STATE_CONFLICT,
  approveOrderUpdate,
  cancelOrderUpdate,
  carrierEventUpdate,
  confirmPickUpdate,
  idempotencyKeyOfRefundUpdate,
  orderStateQuery,
  refundIdFor,
  refundOrderUpdate,
  rejectOrderUpdate,
  requestReturnUpdate,
  resumeBackorderUpdate,
  type ApproveRequest,
  type CarrierEventRequest,
  type ConfirmPickRequest,
  type ReturnRequest,
  type OrderState,
  type OrderWorkflowInput,
  type ShipmentState,
} from './messages';
import { BackorderedSkusKey, OrderStatusKey, OrderTotalKey } from './search-attributes';
import { returnWorkflowId } from '../return/messages';
import { returnWorkflow } from '../return/return.workflow';

const steps = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
// Read-model writes are quick database statements: local activities spare them a round trip to the server.
const readModel = proxyLocalActivities<OrderActivities>({ startToCloseTimeout: '10s' });
/**
 * Allocation, invoicing and carrier events only touch the database (idempotent, milliseconds): as local
 * activities each spares the server an activity task and mostly the order a workflow task (issue 6 bench: 84 ->
 * ~69 history events per order). Outside systems (payment provider, carrier) stay activities, and so do the steps
 * a cancellation may arrive during (pricing, picking): a running local activity holds the workflow task, so an
 * Update would wait for the step to end.
 */
const databaseSteps = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

type PricedOrder = Extract<ValidatedOrder, { valid: true }>;

/** Thrown inside the workflow to end the order early; compensations run before the final status is written. */
class OrderStopped extends Error {
  constructor(
    readonly status: 'CANCELLED' | 'REJECTED',
    readonly reason: CancelReason | RejectReason,
    readonly reasons: string[],
  ) {
    super(`${status}: ${reason}`);
  }
}

/**
 * One order, from entry to the end of its return window (SPEC section 1):
 * validate & price -> approval quota -> authorize payment -> allocate stock (split across warehouses,
 * backorders by policy) -> per shipment: pick -> ship -> capture -> invoice -> delivery -> return window.
 * Cancellation, rejection and payment failure stop it and undo what was done, newest first.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const { orderId, settings } = input;
  // An order started before these steps became local activities replays, and finishes, with activities.
  const inWorker = patched('database-steps-as-local-activities') ? databaseSteps : steps;
  // Orders started before writes waited for Updates to be recorded replay without it (see `databaseWrite`).
  const writesWaitForUpdates = patched('writes-after-updates-wait-for-history');
  // ... and before local activities ran one at a time (see `oneLocalActivityAtATime`).
  const localActivitiesInTurn = patched('one-local-activity-at-a-time');
  let localActivityTurn: Promise<unknown> = Promise.resolve();
  let localActivitiesInFlight = 0;
  // ... and before timeline entries were written together (see `writeTimelineWhenIdle`).
  const timelineInBatches = patched('timeline-written-in-batches');
  /** Timeline entries made and not yet written, and the write under way. */
  const unwrittenTimeline: OrderProgress[] = [];
  let timelineWrite: { changesLines: boolean; done: Promise<void> } | undefined;
  /** Updates accepted by this order, and how many of them are known to be in its history. */
  let acceptedUpdates = 0;
  let recordedUpdates = 0;
  const state: OrderState = {
    orderId,
    status: 'PENDING',
    reasons: [],
    lines: [],
    shipments: [],
    refunds: [],
    returns: [],
  };
  const compensations: { description: string; undo: () => Promise<void> }[] = [];
  /** Approved units not yet on a live shipment, per SKU. */
  const toAllocate = new Map<string, number>();
  const pickConfirmations = new Map<string, ConfirmPickRequest['lines']>();
  let eventSeq = 0;
  /** Numbers carrier events that carry no time of their own, so each is recorded once and none is merged. */
  let carrierEventCount = 0;
  let allocationRound = 0;
  let cancelRequest: { reason: string } | undefined;
  let approvalDecision: ({ approved: true } & ApproveRequest) | { approved: false; reason: string } | undefined;
  let resumeRequested = false;
  let allocationAttempts = 0;
  let backorderExpired = false;
  let backorderTimer: CancellationScope | undefined;
  let billing: Promise<unknown> = Promise.resolve();
  let shippingBilled = false;
  const handingOver = new Set<string>();
  let pricedOrder: PricedOrder | undefined;
  /** Units refunded per SKU, and money promised to refunds still running: both count before they finish. */
  const refundedUnits = new Map<string, number>();
  let refundCount = 0;
  let pendingRefundAmount = 0;
  /** Units on returns per SKU (requested), returns not yet settled, and whether returns are accepted now. */
  const unitsOnReturns = new Map<string, number>();
  let openReturns = 0;
  let returnWindowOpen = false;
  /** Warehouses that came up short on a pick: the shortfall is allocated elsewhere until stock is resumed. */
  const shortWarehouses = new Set<string>();

  // ---- What people and carriers can ask of a running order ---------------------------------------------

  setHandler(orderStateQuery, () => state);

  setHandler(
    approveOrderUpdate,
    accepted(async (request) => {
      approvalDecision = { approved: true, ...request };
      await condition(() => state.status !== 'AWAITING_APPROVAL');
      return { status: state.status };
    }),
    {
      validator: (request) => {
        requireAwaitingApproval();
        const result = applyApproval(state.lines, request.lines);
        if (!result.ok) invalid(result.errors.join('; '));
      },
    },
  );

  setHandler(
    rejectOrderUpdate,
    accepted(async ({ reason }) => {
      approvalDecision = { approved: false, reason };
      await condition(() => state.status !== 'AWAITING_APPROVAL');
      return { status: state.status };
    }),
    { validator: (_request) => requireAwaitingApproval() },
  );

  setHandler(
    cancelOrderUpdate,
    accepted(async ({ reason }) => {
      cancelRequest ??= { reason };
      await condition(() => isTerminal(state.status));
      return { status: state.status };
    }),
    {
      validator: (_request) => {
        const blocker = cancellationBlocker();
        if (blocker) conflict(blocker);
      },
    },
  );

  setHandler(
    resumeBackorderUpdate,
    accepted(async () => {
      const attempt = allocationAttempts;
      resumeRequested = true;
      await condition(() => allocationAttempts > attempt || isTerminal(state.status));
      return { status: state.status };
    }),
    {
      validator: () =>
        state.waitingFor === 'stock' ? undefined : conflict(`order is ${state.status} and not waiting for stock`),
    },
  );

  setHandler(
    confirmPickUpdate,
    accepted(async (request) => {
      pickConfirmations.set(request.pickListId, request.lines);
      const shipment = shipmentOfPickList(request.pickListId)!;
      // Answer once the pick is acted on: the shipment billed (or dropped, when nothing was picked) and the
      // order's status moved on, unless other shipments of the order are still being picked.
      const handled = () => shipment.invoiceNumber !== undefined || shipment.status === 'cancelled';
      const othersPicking = () => state.shipments.some((other) => other !== shipment && other.status === 'picking');
      await condition(() => isTerminal(state.status) || (handled() && (state.status !== 'PICKING' || othersPicking())));
      return { status: state.status };
    }),
    {
      validator: (request) => {
        // Staff may confirm as soon as the pick list is listed, even before the workflow has heard it was created.
        const shipment = shipmentOfPickList(request.pickListId);
        const open = shipment?.status === 'allocated' || shipment?.status === 'picking';
        if (!shipment || !open || pickConfirmations.has(request.pickListId))
          conflict(`pick list ${request.pickListId} is not open for picking`);
        for (const line of request.lines) {
          const planned = shipment.lines.find((candidate) => candidate.sku === line.sku);
          if (!planned) invalid(`${line.sku} is not on pick list ${request.pickListId}`);
          if (
            !Number.isInteger(line.pickedQuantity) ||
            line.pickedQuantity < 0 ||
            line.pickedQuantity > planned.quantity
          ) {
            invalid(`${line.sku}: pickedQuantity must be a whole number from 0 to ${planned.quantity}`);
          }
        }
      },
    },
  );

  setHandler(
    refundOrderUpdate,
    accepted(async (request) => {
      // Named by the request's Idempotency-Key, as it would be once the order has completed, so a retry then
      // finds this refund. Refunds made before this change keep their numbered IDs on replay.
      const key = idempotencyKeyOfRefundUpdate(currentUpdateInfo()?.id);
      const refundId = key !== undefined && patched('refund-id-from-update') ? refundIdFor(orderId, key) : undefined;
      const refund = await performRefund(refundCharge(request), request.reason, request.lines, refundId);
      return { status: state.status, ...refund };
    }),
    { validator: (request) => void refundCharge(request) },
  );

  setHandler(
    requestReturnUpdate,
    accepted(async (request) => {
      const id = returnWorkflowId(orderId, state.returns.length + 1);
      for (const line of request.lines)
        unitsOnReturns.set(line.sku, (unitsOnReturns.get(line.sku) ?? 0) + line.quantity);
      state.returns.push({ id, status: 'AWAITING_RECEIPT', resolution: request.resolution });
      openReturns += 1;
      const rma = {
        returnId: id,
        orderId,
        lines: request.lines,
        reason: request.reason,
        resolution: request.resolution,
      };
      // Recorded before the child starts, so the RMA can be read as soon as this Update answers.
      await steps.recordReturn.executeWithOptions(
        summary(`Record RMA ${id}: ${unitsText(request.lines)} for ${request.resolution}`),
        [rma],
      );
      const child = await startChild(returnWorkflow, {
        workflowId: id,
        args: [rma],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      await recordEvent({
        type: 'return',
        message: `Return ${id} opened for ${unitsText(request.lines)} (${request.resolution}): ${request.reason}`,
      });
      void settleReturn(id, child, request);
      return { id, status: 'AWAITING_RECEIPT' as const };
    }),
    {
      validator: (request) => {
        if (!returnWindowOpen)
          conflict(`order is ${state.status}: returns are accepted during the return window after delivery`);
        for (const line of request.lines) {
          const shipped = state.lines.find((candidate) => candidate.sku === line.sku)?.shippedQuantity ?? 0;
          const returnable = shipped - (unitsOnReturns.get(line.sku) ?? 0);
          if (line.quantity > returnable)
            conflict(`${line.sku}: ${line.quantity} to return but ${returnable} shipped and not already on a return`);
        }
      },
    },
  );

  setHandler(
    carrierEventUpdate,
    accepted(async (event) => {
      carrierEventCount += 1;
      await applyCarrierEvent(
        event,
        `${event.shipmentId}:${event.status}:${event.at ?? `untimed-${carrierEventCount}`}`,
      );
      return { status: state.status };
    }),
    {
      validator: (event) => {
        const shipment = state.shipments.find((candidate) => candidate.id === event.shipmentId);
        if (!shipment || !WITH_CARRIER_STATUSES.includes(shipment.status))
          conflict(`shipment ${event.shipmentId} is not with a carrier`);
      },
    },
  );

  // ---- The business process ----------------------------------------------------------------------------

  if (timelineInBatches) void writeTimelineWhenIdle();
  try {
    const priced = await validateAndPrice();
    await obtainApproval(priced);
    await authorizePayment(priced);
    await fulfilApprovedQuantities(priced);
    await releaseUncapturedAmount(priced);
    await setStatus('SHIPPED', 'Every shippable line is with a carrier, captured and invoiced');
    await awaitDeliveries();
    await setStatus('DELIVERED', 'Every shipment is delivered');
    setCurrentDetails(`Return window open for ${formatDuration(settings.returnWindowMs)}`);
    returnWindowOpen = true;
    await sleep(settings.returnWindowMs);
    returnWindowOpen = false;
    if (openReturns > 0) {
      setCurrentDetails(`Return window closed; waiting for ${openReturns} open return(s)`);
      await condition(() => openReturns === 0);
    }
    await setStatus('COMPLETED', 'Return window closed');
  } catch (error) {
    if (!(error instanceof OrderStopped)) throw error;
    await compensate();
    await setStatus(error.status, `${error.status === 'CANCELLED' ? 'Cancelled' : 'Rejected'}: ${error.reason}`, {
      ...(error.status === 'CANCELLED'
        ? { cancelReason: error.reason as CancelReason }
        : { rejectReason: error.reason as RejectReason }),
      reasons: error.reasons,
    });
    // What shipped before the cancellation is still on its way: keep taking its carrier events.
    await awaitDeliveries();
  }
  // An Update still running (a refund between its provider call and its credit note) must finish: completing now
  // would abandon it half done. So must the timeline.
  await condition(allHandlersFinished);
  if (timelineInBatches) await condition(() => unwrittenTimeline.length === 0 && timelineWrite === undefined);
  setCurrentDetails('');
  return state;

  // ---- Steps, each next to what undoes it --------------------------------------------------------------

  async function validateAndPrice(): Promise<PricedOrder> {
    const result = await steps.validateAndPriceOrder.executeWithOptions(
      summary(`Validate ${orderId} against master data and price it`),
      [{ orderId }],
    );
    if (!result.valid) throw new OrderStopped('REJECTED', 'invalid', result.reasons);
    pricedOrder = result;
    state.totals = result.totals;
    state.promisedDeliveryDate = result.promisedDeliveryDate;
    state.lines = result.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      approvedQuantity: 0,
      reservedQuantity: 0,
      pickedQuantity: 0,
      shippedQuantity: 0,
      deliveredQuantity: 0,
      returnedQuantity: 0,
      cancelledQuantity: 0,
    }));
    compensations.push({
      description: 'give back the promotion use',
      undo: async () => {
        if (!state.shipments.some(isWithCarrier))
          await steps.releasePromotion.executeWithOptions(summary('Give the promotion use back'), [{ orderId }]);
      },
    });
    upsertSearchAttributes([{ key: OrderTotalKey, value: toMajorUnits(result.totals.total, result.totals.currency) }]);
    await recordEvent({
      type: 'priced',
      message: `Priced: total ${result.totals.total} ${result.totals.currency}`,
      detail: { totals: result.totals, promisedDeliveryDate: result.promisedDeliveryDate },
    });
    stopIfCancelled();
    return result;
  }

  async function obtainApproval(priced: PricedOrder): Promise<void> {
    const reasons = approvalReasons(priced.approval);
    if (reasons.length > 0) {
      await setStatus('AWAITING_APPROVAL', `Needs approval: ${reasons.join('; ')}`, { reasons });
      waitFor(
        'approval',
        `Awaiting approval (${reasons.join('; ')}); rejected after ${formatDuration(settings.approvalTimeoutMs)}`,
      );
      const decided = await condition(
        () => approvalDecision !== undefined || cancelRequest !== undefined,
        settings.approvalTimeoutMs,
      );
      stopIfCancelled();
      if (!decided)
        throw new OrderStopped('REJECTED', 'approval_timeout', [
          `no decision within ${formatDuration(settings.approvalTimeoutMs)}`,
        ]);
      if (!approvalDecision!.approved) throw new OrderStopped('REJECTED', 'rejected', [approvalDecision!.reason]);
    }
    const decision = approvalDecision?.approved ? approvalDecision : undefined;
    const approved = applyApproval(state.lines, decision?.lines);
    if (!approved.ok) throw new Error(`approval was validated but no longer applies: ${approved.errors.join('; ')}`);
    for (const line of state.lines) {
      line.approvedQuantity = approved.approved.get(line.sku) ?? 0;
      line.cancelledQuantity = line.quantity - line.approvedQuantity;
      if (line.approvedQuantity > 0) toAllocate.set(line.sku, line.approvedQuantity);
    }
    await recordEvent({
      type: 'approved',
      message: decision ? `Approved${decision.note ? `: ${decision.note}` : ''}` : 'Within every approval quota',
      approvedQuantities: Object.fromEntries(approved.approved),
    });
  }

  async function authorizePayment(priced: PricedOrder): Promise<void> {
    await setStatus('AUTHORIZING', 'Authorizing payment');
    const approvedUnits = state.lines.map((line) => ({ sku: line.sku, quantity: line.approvedQuantity }));
    const amount = billFor({ ...priced, currency: priced.totals.currency }, new Map(), approvedUnits, true).total;
    if (input.payment.method === 'invoice') {
      await recordEvent({
        type: 'payment',
        message: `Invoice terms: ${amount} ${priced.totals.currency} billed per shipment`,
      });
      return;
    }
    const result = await steps.authorizePayment.executeWithOptions(
      summary(`Authorize ${formatMoney(amount, priced.totals.currency)} on the card`),
      [{ orderId, amount, currency: priced.totals.currency, token: input.payment.token ?? '' }],
    );
    if (result.status === 'declined')
      throw new OrderStopped('CANCELLED', 'payment_declined', [`payment declined: ${result.reason}`]);
    state.authorization = { id: result.authorizationId, amount };
    compensations.push({ description: 'void the payment authorization', undo: () => releaseUncapturedAmount(priced) });
    await recordEvent({
      type: 'payment',
      message: `Authorized ${amount} ${priced.totals.currency}`,
      detail: { authorizationId: result.authorizationId },
    });
    stopIfCancelled();
  }

  /**
   * Allocation rounds until every approved unit is shipped or cancelled: reserve what the policy allows,
   * fulfil those shipments, and wait for stock (receipts and support resume a waiting order) for the rest.
   */
  async function fulfilApprovedQuantities(priced: PricedOrder): Promise<void> {
    for (;;) {
      const wanted = openQuantities();
      if (wanted.length === 0) break;
      allocationRound += 1;
      const allocation = {
        orderId,
        round: allocationRound,
        lines: wanted,
        destination: input.shippingAddress,
        allOrNothing: input.backorderPolicy === 'wait_all',
        excludeWarehouses: [...shortWarehouses],
      };
      const reserving = summary(`Reserve ${unitsText(wanted)} (round ${allocationRound}, ${input.backorderPolicy})`);
      const result = await databaseWrite(inWorker, (proxy) =>
        proxy.allocateStock.executeWithOptions(reserving, [allocation]),
      );
      allocationAttempts += 1;
      for (const shipment of result.shipments) allocated(shipment);
      if (result.shipments.length > 0 && !anythingShipped()) {
        await setStatus(
          'ALLOCATED',
          `Reserved in ${result.shipments.map((shipment) => `${shipment.warehouse} (${shipment.id})`).join(', ')}`,
        );
      }
      stopIfCancelled();
      if (result.unallocated.length > 0 && input.backorderPolicy === 'cancel_unavailable') {
        await cancelUnits(result.unallocated, 'unavailable');
      }
      // Every shipment runs to a safe point (shipped and billed, or stopped) before a failure or a
      // cancellation is acted on, so compensation never races a shipment still being handed over.
      const outcomes = await Promise.allSettled(result.shipments.map((shipment) => fulfil(priced, shipment)));
      const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      if (openQuantities().length > 0 && result.unallocated.length > 0) await awaitStock();
    }
    backorderTimer?.cancel();
    if (!anythingShipped()) {
      throw new OrderStopped(
        'CANCELLED',
        backorderExpired ? 'backorder_expired' : 'unavailable',
        state.reasons.length ? state.reasons : ['nothing could be shipped'],
      );
    }
    // A wait for stock can end one way in a workflow task that dies (a resume, then a local allocation) and another
    // in its retry (the backorder expired): the dead task's reservations must not outlive the order's need.
    if (backorderTimer) await releaseUnknownShipments();
  }

  async function fulfil(priced: PricedOrder, allocatedShipment: AllocatedShipment): Promise<void> {
    const shipment = shipmentOf(allocatedShipment.id);
    const { pickListId } = await steps.createPickList.executeWithOptions(
      summary(`Send the pick list of ${shipment.id} to warehouse ${shipment.warehouse}: ${unitsText(shipment.lines)}`),
      [{ orderId, shipmentId: shipment.id, priority: input.priority }],
    );
    shipment.pickListId = pickListId;
    shipment.status = 'picking';
    compensations.push({
      description: `cancel pick list ${pickListId}`,
      undo: () => steps.cancelPickList.executeWithOptions(summary(`Cancel pick list ${pickListId}`), [{ pickListId }]),
    });
    if (!anythingShipped())
      await setStatus('PICKING', `Pick list ${pickListId} sent to warehouse ${shipment.warehouse}`);
    else
      await recordEvent({
        type: 'picking',
        message: `Pick list ${pickListId} sent to warehouse ${shipment.warehouse}`,
      });
    stopIfCancelled();

    let reported: ConfirmPickRequest['lines'] | undefined;
    if (settings.fulfillmentMode === 'manual') {
      waitFor('pick', `Waiting for warehouse ${shipment.warehouse} to confirm pick list ${pickListId}`);
      await condition(() => pickConfirmations.has(pickListId) || cancelRequest !== undefined);
      stopIfCancelled();
      reported = pickConfirmations.get(pickListId);
    }
    const picked = await steps.confirmPickList.executeWithOptions(
      summary(
        reported ? `Record the pick staff confirmed for ${pickListId}` : `Simulated warehouse picks ${pickListId}`,
      ),
      [{ orderId, pickListId, lines: reported }],
    );
    if (!shipment.replacement) await recordPick(shipment, picked);
    stopIfCancelled();
    if (shipment.lines.length === 0) {
      shipment.status = 'cancelled';
      return;
    }

    handingOver.add(shipment.id);
    const booking = await steps.shipShipment.executeWithOptions(
      summary(`Hand ${shipment.id} (${unitsText(shipment.lines)}) to the carrier, ${priced.shipping.service}`),
      [{ orderId, shipmentId: shipment.id, destination: input.shippingAddress, service: priced.shipping.service }],
    );
    handingOver.delete(shipment.id);
    shipment.status = 'shipped';
    shipment.carrier = booking.carrier;
    shipment.carrierTrackingNumber = booking.trackingNumber;
    if (shipment.replacement) {
      await recordEvent({
        type: 'shipped',
        message: `Replacement ${shipment.id} shipped from ${shipment.warehouse} with ${booking.carrier} ${booking.trackingNumber}`,
      });
      if (settings.fulfillmentMode === 'auto') void simulateDelivery(shipment);
      return;
    }
    for (const line of shipment.lines) {
      lineOf(line.sku).shippedQuantity += line.quantity;
      lineOf(line.sku).reservedQuantity -= line.quantity;
    }
    await recordEvent({
      type: 'shipped',
      message: `${shipment.id} shipped from ${shipment.warehouse} with ${booking.carrier} ${booking.service} ${booking.trackingNumber}`,
    });
    if (
      openQuantities().length > 0 ||
      state.shipments.some((other) => other.status === 'allocated' || other.status === 'picking')
    ) {
      if (state.status !== 'PARTIALLY_SHIPPED')
        await setStatus('PARTIALLY_SHIPPED', `${shipment.id} shipped; other lines still wait`);
    }
    if (settings.fulfillmentMode === 'auto') void simulateDelivery(shipment);
    await bill(priced, shipment);
  }

  /** Capture and invoice one shipment; bills are made one at a time so each knows what was billed before. */
  function bill(priced: PricedOrder, shipment: ShipmentState): Promise<unknown> {
    billing = billing.then(async () => {
      const billedBefore = new Map<string, number>();
      for (const other of state.shipments) {
        if (other.invoiceNumber)
          for (const line of other.lines) billedBefore.set(line.sku, (billedBefore.get(line.sku) ?? 0) + line.quantity);
      }
      const charge = billFor(
        { ...priced, currency: priced.totals.currency },
        billedBefore,
        shipment.lines,
        !shippingBilled,
      );
      shippingBilled = true;
      if (state.authorization) {
        await steps.capturePayment.executeWithOptions(
          summary(`Capture ${formatMoney(charge.total, charge.currency)} for ${shipment.id}`),
          [
            {
              orderId,
              shipmentId: shipment.id,
              authorizationId: state.authorization.id,
              amount: charge.total,
              currency: charge.currency,
            },
          ],
        );
        shipment.capturedAmount = charge.total;
        await recordEvent({ type: 'payment', message: `Captured ${charge.total} for ${shipment.id}` });
      }
      const invoicing = summary(`Invoice ${formatMoney(charge.total, charge.currency)} for ${shipment.id}`);
      const invoice = await databaseWrite(inWorker, (proxy) =>
        proxy.issueInvoice.executeWithOptions(invoicing, [{ orderId, shipmentId: shipment.id, bill: charge }]),
      );
      shipment.invoiceNumber = invoice.number;
      shipment.invoiceTotal = invoice.total;
      await recordEvent({
        type: 'invoiced',
        message: `Invoice ${invoice.number} issued for ${shipment.id}: ${invoice.total}`,
      });
    });
    return billing;
  }

  /** Waits for a receipt or support to resume allocation, or for OMS_BACKORDER_TIMEOUT to cancel what is missing. */
  async function awaitStock(): Promise<void> {
    const skus = openQuantities().map((line) => line.sku);
    upsertSearchAttributes([{ key: BackorderedSkusKey, value: skus }]);
    if (!anythingShipped()) {
      if (state.status !== 'BACKORDERED')
        await setStatus('BACKORDERED', `Waiting for stock of ${skus.join(', ')}`, { detail: { skus } });
    } else if (state.status !== 'PARTIALLY_SHIPPED') {
      await setStatus('PARTIALLY_SHIPPED', `Shipped what was available; waiting for ${skus.join(', ')}`, {
        detail: { skus },
      });
    }
    if (!backorderTimer) {
      backorderTimer = new CancellationScope();
      backorderTimer
        .run(() => sleep(settings.backorderTimeoutMs))
        .then(
          () => (backorderExpired = true),
          (error) => {
            if (!isCancellation(error)) throw error;
          },
        );
    }
    waitFor(
      'stock',
      `Waiting for stock of ${skus.join(', ')}; cancelled after ${formatDuration(settings.backorderTimeoutMs)}`,
    );
    await condition(() => resumeRequested || backorderExpired || cancelRequest !== undefined);
    state.waitingFor = undefined;
    setCurrentDetails(
      backorderExpired ? 'Backorder expired: cancelling what is missing' : `Allocating ${skus.join(', ')} again`,
    );
    resumeRequested = false;
    shortWarehouses.clear();
    stopIfCancelled();
    upsertSearchAttributes([{ key: BackorderedSkusKey, value: [] }]);
    if (backorderExpired) {
      await cancelUnits(openQuantities(), 'backorder_expired');
      allocationAttempts += 1;
    }
  }

  /** Units that will never ship (unavailable, expired backorder): cancelled on their lines. */
  async function cancelUnits(lines: readonly QuantityLine[], reason: CancelReason): Promise<void> {
    if (lines.length === 0) return;
    for (const line of lines) {
      lineOf(line.sku).cancelledQuantity += line.quantity;
      toAllocate.set(line.sku, (toAllocate.get(line.sku) ?? 0) - line.quantity);
    }
    const text = unitsText(lines);
    state.reasons = [`${reason}: ${text}`];
    await recordEvent({
      type: 'lines_cancelled',
      message: `Cancelled ${text} (${reason})`,
      cancelledUnits: Object.fromEntries(lines.map((line) => [line.sku, line.quantity])),
    });
  }

  /** After the last shipment: the part of the authorization that will never be captured is voided. */
  async function releaseUncapturedAmount(priced: PricedOrder): Promise<void> {
    if (!state.authorization) return;
    const captured = state.shipments.reduce((total, shipment) => total + (shipment.capturedAmount ?? 0), 0);
    const remainder = state.authorization.amount - captured;
    if (remainder <= 0 || state.authorization.voided) return;
    await steps.voidAuthorization.executeWithOptions(
      summary(`Void the uncaptured ${formatMoney(remainder, priced.totals.currency)}`),
      [{ orderId, authorizationId: state.authorization.id, amount: remainder, currency: priced.totals.currency }],
    );
    state.authorization.voided = true;
    await recordEvent({
      type: 'payment',
      message: `Voided the uncaptured ${remainder} ${priced.totals.currency} of the authorization`,
    });
  }

  async function awaitDeliveries(): Promise<void> {
    const delivered = () => state.shipments.filter(isWithCarrier).every((shipment) => shipment.status === 'delivered');
    if (!delivered()) {
      waitFor(
        'carrier',
        settings.fulfillmentMode === 'auto'
          ? `Simulated carrier delivers ${formatDuration(settings.carrierDeliveryDelayMs)} after shipment`
          : 'Waiting for carrier delivery events',
      );
      await condition(delivered);
    }
  }

  /** Auto mode: the simulated carrier delivers each shipment OMS_CARRIER_DELIVERY_DELAY after it ships. */
  async function simulateDelivery(shipment: ShipmentState): Promise<void> {
    await sleep(settings.carrierDeliveryDelayMs);
    await applyCarrierEvent(
      { shipmentId: shipment.id, status: 'delivered', detail: 'simulated carrier' },
      `${shipment.id}:simulated:delivered`,
    );
  }

  async function applyCarrierEvent(event: CarrierEventRequest, eventKey: string): Promise<void> {
    const shipment = shipmentOf(event.shipmentId);
    const recording = summary(`Carrier: ${shipment.id} ${event.status.replace(/_/g, ' ')}`);
    const shipmentEvent = {
      orderId,
      shipmentId: shipment.id,
      status: event.status,
      occurredAt: event.at,
      detail: event.detail,
      eventKey,
    };
    await databaseWrite(inWorker, (proxy) => proxy.recordShipmentEvent.executeWithOptions(recording, [shipmentEvent]));
    if (shipment.status === 'delivered') return;
    shipment.status = event.status as ShipmentEventStatus;
    if (event.status === 'delivered' && !shipment.replacement)
      for (const line of shipment.lines) lineOf(line.sku).deliveredQuantity += line.quantity;
    await recordEvent({
      type: event.status === 'exception' ? 'carrier_exception' : 'carrier',
      message: `${shipment.id}: ${event.status.replace(/_/g, ' ')}${event.detail ? ` (${event.detail})` : ''}`,
    });
  }

  async function compensate(): Promise<void> {
    for (const compensation of [...compensations].reverse()) {
      await compensation.undo();
      await recordEvent({ type: 'compensated', message: `Compensation: ${compensation.description}` });
    }
    await releaseUnknownShipments();
    for (const shipment of state.shipments) if (!isWithCarrier(shipment)) shipment.status = 'cancelled';
    for (const line of state.lines) {
      line.reservedQuantity = 0;
      line.cancelledQuantity = line.quantity - line.shippedQuantity;
    }
    toAllocate.clear();
  }

  /**
   * Stock that a local allocation reserved in a workflow task that never got recorded (its worker died) goes back:
   * the retried task may have taken another path and not know those shipments. Orders started before this
   * replay without it.
   */
  async function releaseUnknownShipments(): Promise<void> {
    if (!patched('release-unknown-shipments')) return;
    const knownShipmentIds = state.shipments.map((shipment) => shipment.id);
    const released = await steps.releaseUnknownShipments.executeWithOptions(
      summary('Release stock held by shipments this order does not know'),
      [{ orderId, knownShipmentIds }],
    );
    if (released.length > 0)
      await recordEvent({
        type: 'compensated',
        message: `Released ${released.join(', ')}: reserved by an allocation whose result was lost`,
      });
  }

  /** Refund money (card) and issue the credit note; the amount counts as refunded from the start. Numbered unless named. */
  async function performRefund(
    charge: Bill,
    reason: string,
    lines?: { sku: string; quantity: number }[],
    namedId?: string,
  ) {
    refundCount += 1;
    const refundId = namedId ?? `${orderId}:refund:${refundCount}`;
    for (const line of lines ?? []) refundedUnits.set(line.sku, (refundedUnits.get(line.sku) ?? 0) + line.quantity);
    pendingRefundAmount += charge.total;
    try {
      if (state.authorization) {
        await steps.refundPayment.executeWithOptions(
          summary(`Refund ${formatMoney(charge.total, charge.currency)} to the card`),
          [
            {
              orderId,
              refundId,
              authorizationId: state.authorization.id,
              amount: charge.total,
              currency: charge.currency,
              reason,
            },
          ],
        );
      }
      const creditNote = await steps.issueCreditNote.executeWithOptions(
        summary(`Credit note for ${formatMoney(charge.total, charge.currency)}`),
        [{ orderId, refundId, bill: charge, reason }],
      );
      state.refunds.push({ id: refundId, amount: charge.total, creditNote: creditNote.number, reason });
      await recordEvent({
        type: 'refund',
        message: `Refunded ${charge.total} ${charge.currency} (${reason}); credit note ${creditNote.number}`,
      });
      return { refundId, amount: charge.total, creditNote: creditNote.number };
    } catch (error) {
      for (const line of lines ?? []) refundedUnits.set(line.sku, refundedUnits.get(line.sku)! - line.quantity);
      throw error;
    } finally {
      pendingRefundAmount -= charge.total;
    }
  }

  /**
   * When a return's goods are in: refund them with a credit note, or send the same SKUs again through
   * allocation, picking and shipping at no charge (refunded instead when the replacement is out of stock).
   */
  async function settleReturn(
    id: string,
    child: ChildWorkflowHandle<typeof returnWorkflow>,
    request: ReturnRequest,
  ): Promise<void> {
    const record = state.returns.find((candidate) => candidate.id === id)!;
    const { received } = await child.result();
    record.status = 'RECEIVED';
    const units = new Map<string, number>();
    for (const line of received) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
    for (const [sku, quantity] of units) lineOf(sku).returnedQuantity += quantity;
    const lines = [...units].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));
    try {
      if (lines.length > 0 && request.resolution === 'exchange') {
        const replacement = await shipReplacement(lines);
        if (replacement) {
          record.status = 'EXCHANGED';
          await steps.settleReturn.executeWithOptions(summary(`Return ${id} exchanged: replacement ${replacement}`), [
            { returnId: id, status: 'EXCHANGED', replacementShipmentId: replacement },
          ]);
          return;
        }
      }
      const charge = lines.length > 0 ? tryRefundCharge(lines) : undefined;
      if (!charge) {
        record.status = 'CLOSED';
        await steps.settleReturn.executeWithOptions(summary(`Return ${id} closed: nothing owed`), [
          { returnId: id, status: 'CLOSED' },
        ]);
        return;
      }
      const refund = await performRefund(charge, `return ${id}: ${request.reason}`, lines);
      record.status = 'REFUNDED';
      await steps.settleReturn.executeWithOptions(summary(`Return ${id} refunded: credit note ${refund.creditNote}`), [
        { returnId: id, status: 'REFUNDED', refundId: refund.refundId, creditNote: refund.creditNote },
      ]);
    } finally {
      openReturns -= 1;
    }
  }

  /** An exchange: the same SKUs allocated, picked and shipped again, unbilled. */
  async function shipReplacement(lines: QuantityLine[]): Promise<string | undefined> {
    allocationRound += 1;
    const replacement = {
      orderId,
      round: allocationRound,
      lines,
      destination: input.shippingAddress,
      allOrNothing: true,
      replacement: true,
    };
    const result = await databaseWrite(inWorker, (proxy) =>
      proxy.allocateStock.executeWithOptions(summary(`Reserve the replacement ${unitsText(lines)}`), [replacement]),
    );
    if (result.shipments.length === 0) return undefined;
    for (const shipment of result.shipments) {
      state.shipments.push({
        id: shipment.id,
        warehouse: shipment.warehouse,
        lines: shipment.lines.map((line) => ({ ...line })),
        status: 'allocated',
        replacement: true,
      });
    }
    await Promise.all(result.shipments.map((shipment) => fulfil(pricedOrder!, shipment)));
    return result.shipments.map((shipment) => shipment.id).join(',');
  }

  /** The refund for returned units, or undefined when nothing is owed (already refunded by support). */
  function tryRefundCharge(lines: QuantityLine[]): Bill | undefined {
    try {
      return refundCharge({ lines });
    } catch {
      return undefined;
    }
  }

  // ---- Bookkeeping -------------------------------------------------------------------------------------

  /**
   * What a refund request gives back, or why it cannot be given (SPEC section 3, refunds): an amount, or units
   * of shipped lines at the prices they were billed; never more than was charged and not yet refunded.
   */
  function refundCharge(request: { amount?: number; lines?: { sku: string; quantity: number }[] }): Bill {
    if (!pricedOrder) conflict('nothing has been charged yet');
    const currency = pricedOrder.totals.currency;
    const charged = state.shipments.reduce(
      (total, shipment) =>
        total + (state.authorization ? (shipment.capturedAmount ?? 0) : (shipment.invoiceTotal ?? 0)),
      0,
    );
    if (charged === 0) conflict('nothing has been charged yet: cancel the order instead');
    if ((request.amount === undefined) === (request.lines === undefined))
      invalid('give either an amount or lines to refund');
    let charge: Bill;
    if (request.lines) {
      for (const line of request.lines) {
        const shipped = state.lines.find((candidate) => candidate.sku === line.sku)?.shippedQuantity ?? 0;
        const left = shipped - (refundedUnits.get(line.sku) ?? 0);
        if (line.quantity > left)
          conflict(`${line.sku}: ${line.quantity} to refund but only ${left} shipped and not refunded`);
      }
      charge = billFor({ ...pricedOrder, currency }, refundedUnits, request.lines, false);
    } else {
      // An amount off the order as a whole: a goodwill adjustment without a tax breakdown.
      const amount = request.amount!;
      charge = { currency, lines: [], subtotal: amount, discount: 0, shipping: 0, tax: 0, total: amount };
    }
    const refundable =
      charged - state.refunds.reduce((total, refund) => total + refund.amount, 0) - pendingRefundAmount;
    if (charge.total > refundable)
      conflict(`a refund of ${charge.total} exceeds the ${refundable} ${currency} charged and not yet refunded`);
    if (charge.total <= 0) invalid('a refund must be more than 0');
    return charge;
  }

  function allocated(shipment: AllocatedShipment): void {
    state.shipments.push({
      id: shipment.id,
      warehouse: shipment.warehouse,
      lines: shipment.lines.map((line) => ({ ...line })),
      status: 'allocated',
    });
    for (const line of shipment.lines) {
      lineOf(line.sku).reservedQuantity += line.quantity;
      toAllocate.set(line.sku, (toAllocate.get(line.sku) ?? 0) - line.quantity);
    }
    compensations.push({
      description: `release stock reserved for ${shipment.id}`,
      undo: () =>
        steps.releaseReservations.executeWithOptions(summary(`Release the stock reserved for ${shipment.id}`), [
          { orderId, shipmentId: shipment.id },
        ]),
    });
  }

  /** A short pick shrinks the shipment; the missing units go back to be allocated again. */
  async function recordPick(shipment: ShipmentState, picked: { sku: string; pickedQuantity: number }[]): Promise<void> {
    const shorts: string[] = [];
    for (const line of picked) {
      const planned = shipment.lines.find((candidate) => candidate.sku === line.sku)!;
      const short = planned.quantity - line.pickedQuantity;
      lineOf(line.sku).pickedQuantity += line.pickedQuantity;
      if (short > 0) {
        shorts.push(`${short} × ${line.sku}`);
        shortWarehouses.add(shipment.warehouse);
        lineOf(line.sku).reservedQuantity -= short;
        toAllocate.set(line.sku, (toAllocate.get(line.sku) ?? 0) + short);
        planned.quantity = line.pickedQuantity;
      }
    }
    shipment.lines = shipment.lines.filter((line) => line.quantity > 0);
    const summary = picked.map((line) => `${line.pickedQuantity} × ${line.sku}`).join(', ');
    await recordEvent({
      type: 'picked',
      message: `Picked ${shipment.pickListId}: ${summary}${shorts.length ? `; short ${shorts.join(', ')}, re-allocated` : ''}`,
    });
  }

  function openQuantities(): QuantityLine[] {
    return [...toAllocate].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));
  }

  function anythingShipped(): boolean {
    return state.shipments.some(isWithCarrier);
  }

  function isWithCarrier(shipment: ShipmentState): boolean {
    return WITH_CARRIER_STATUSES.includes(shipment.status);
  }

  function stopIfCancelled(): void {
    if (cancelRequest) throw new OrderStopped('CANCELLED', 'requested', [cancelRequest.reason]);
  }

  /** Cancellation is refused once nothing is left to ship (SPEC section 3): shipped or being handed over. */
  function cancellationBlocker(): string | undefined {
    if (isTerminal(state.status)) return `order is already ${state.status}`;
    const stillToShip =
      openQuantities().length > 0 ||
      state.shipments.some(
        (shipment) => !isWithCarrier(shipment) && shipment.status !== 'cancelled' && !handingOver.has(shipment.id),
      );
    if (state.status === 'PENDING' || state.status === 'AWAITING_APPROVAL' || state.status === 'AUTHORIZING')
      return undefined;
    if (!stillToShip) {
      return handingOver.size > 0
        ? 'order is being handed to the carrier: use a return once it has shipped'
        : `order is ${state.status}: nothing is left to ship, use a return instead`;
    }
    return undefined;
  }

  function requireAwaitingApproval(): void {
    if (state.status !== 'AWAITING_APPROVAL' || approvalDecision)
      conflict(`order is ${state.status}, not awaiting approval`);
  }

  function lineOf(sku: string) {
    const line = state.lines.find((candidate) => candidate.sku === sku);
    if (!line) throw new Error(`order ${orderId} has no line ${sku}`);
    return line;
  }

  function shipmentOfPickList(pickListId: string): ShipmentState | undefined {
    return state.shipments.find((candidate) => pickListIdFor(candidate.id) === pickListId);
  }

  function shipmentOf(id: string): ShipmentState {
    const shipment = state.shipments.find((candidate) => candidate.id === id);
    if (!shipment) throw new Error(`order ${orderId} has no shipment ${id}`);
    return shipment;
  }

  /** What the order waits for, shown on the query and as the workflow's current details in the Temporal UI. */
  function waitFor(what: NonNullable<OrderState['waitingFor']>, details: string): void {
    state.waitingFor = what;
    setCurrentDetails(details);
  }

  async function setStatus(status: OrderStatus, message: string, extra: Partial<OrderProgress> = {}): Promise<void> {
    state.status = status;
    state.waitingFor = undefined;
    // The Temporal UI's current details always say where the order is; a wait replaces them with what it waits for.
    setCurrentDetails(`**${status}** · ${message}`);
    if (extra.reasons) state.reasons = extra.reasons;
    if (extra.cancelReason) state.cancelReason = extra.cancelReason;
    if (extra.rejectReason) state.rejectReason = extra.rejectReason;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    await recordEvent({ type: 'status', message, status, ...extra });
  }

  async function recordEvent(event: Omit<OrderProgress, 'orderId' | 'seq'>): Promise<void> {
    eventSeq += 1;
    const progress = { orderId, seq: eventSeq, ...event };
    if (timelineInBatches) {
      unwrittenTimeline.push(progress);
      return;
    }
    await databaseWrite(readModel, (proxy) =>
      proxy.recordOrderProgress.executeWithOptions(summary(event.message), [progress]),
    );
  }

  /**
   * Timeline entries are written together: the ones made since the last write, as one local activity, once the order
   * waits for anything but a local activity (a step, a timer, a person, the end). A workflow task does not complete
   * while a local activity runs, so the read model still follows each task that changed the order, with about one
   * write per task instead of one per entry.
   */
  async function writeTimelineWhenIdle(): Promise<void> {
    for (;;) {
      await condition(
        () => unwrittenTimeline.length > 0 && localActivitiesInFlight === 0 && timelineWrite === undefined,
      );
      await writeTimeline();
    }
  }

  async function writeTimeline(): Promise<void> {
    const entries = unwrittenTimeline.splice(0);
    const recording = summary(entries.map((entry) => entry.message).join(' · '));
    const done = databaseWrite(
      readModel,
      (proxy) => proxy.recordOrderTimeline.executeWithOptions(recording, [entries]),
      { timeline: true },
    );
    timelineWrite = { changesLines: entries.some(changesOrderLines), done };
    try {
      await done;
    } finally {
      timelineWrite = undefined;
    }
  }

  /** Before a database step: the entries that change order lines (an approval, cancelled units) are written first. */
  async function writeEntriesStepsCountOn(): Promise<void> {
    while (timelineWrite?.changesLines || unwrittenTimeline.some(changesOrderLines)) {
      await (timelineWrite ? timelineWrite.done.catch(() => undefined) : writeTimeline());
    }
  }

  /**
   * Local activities of this order, one at a time. A worker replaying a workflow task (its cache lost, e.g. after a
   * kill -9) resolves that task's local activities in the order they were started, while the first run resolved them
   * as they finished; with two coroutines each waiting on one (billing, a carrier event), the next steps were then
   * started in another order and took each other's recorded results (chaos run: an invoice step handed a timeline
   * write's empty result, and the order stuck on a failing workflow task). With one in flight at a time, both runs
   * resolve them in the same order.
   */
  function oneLocalActivityAtATime<Result>(run: () => Promise<Result>): Promise<Result> {
    if (!localActivitiesInTurn) return run();
    localActivitiesInFlight += 1;
    const result = localActivityTurn.then(run);
    localActivityTurn = result.then(
      () => void (localActivitiesInFlight -= 1),
      () => void (localActivitiesInFlight -= 1),
    );
    return result;
  }

  /** Wraps an Update handler: counts the Update as accepted but not yet known to be in the history. */
  function accepted<Args extends unknown[], Reply>(
    handler: (...args: Args) => Promise<Reply>,
  ): (...args: Args) => Promise<Reply> {
    return (...args) => {
      acceptedUpdates += 1;
      return handler(...args);
    };
  }

  /**
   * Runs a database write as the local activity `local`, except while an Update this order accepted is not yet
   * known to be in its history: then as an activity. An Update is recorded only when the workflow task that accepted
   * it completes, and a local activity runs inside that task, so a worker dying in between would leave a write
   * standing for an Update the workflow never got (the read model showing an approval while the order still
   * awaits it). An activity is only scheduled once that task, and the Update with it, are recorded. A step (not the
   * timeline's own write) first waits for the timeline entries it counts on.
   */
  async function databaseWrite<Result>(
    local: typeof steps,
    write: (proxy: typeof steps) => Promise<Result>,
    options: { timeline?: boolean } = {},
  ): Promise<Result> {
    if (timelineInBatches && !options.timeline) await writeEntriesStepsCountOn();
    if (!writesWaitForUpdates || acceptedUpdates === recordedUpdates)
      return oneLocalActivityAtATime(() => write(local));
    const pending = acceptedUpdates;
    const result = await write(steps);
    recordedUpdates = pending;
    return result;
  }
}

/** A one-line summary the Temporal UI shows on a step's activity: what this call does, with its figures. */
function summary(text: string): { summary: string } {
  return { summary: text };
}

function unitsText(lines: readonly QuantityLine[]): string {
  return lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
}

function conflict(message: string): never {
  throw ApplicationFailure.create({ type: ORDER_STATE_CONFLICT, message, nonRetryable: true });
}

function invalid(message: string): never {
  throw ApplicationFailure.create({ type: INVALID_ORDER_REQUEST, message, nonRetryable: true });
}
