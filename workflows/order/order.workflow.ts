import {
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  setCurrentDetails,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { PricedOrderResult } from '../../contract';
import { formatDuration } from '../../domain/duration';
import { isTerminal, type CancelReason, type RejectReason } from '../../domain/order';
import { Compensations, compensate } from './compensations';
import {
  approveOrderUpdate,
  cancelOrderUpdate,
  carrierEventUpdate,
  confirmPickUpdate,
  editOrderUpdate,
  holdOrderUpdate,
  idempotencyKeyOfRefundUpdate,
  orderStateQuery,
  refundIdFor,
  refundOrderUpdate,
  rejectOrderUpdate,
  releaseOrderUpdate,
  requestReturnUpdate,
  resumeBackorderUpdate,
  type ApproveRequest,
  type EditRequest,
  type OrderState,
  type OrderWorkflowInput,
  type RefundRequest,
} from './messages';
import { OrderBook, OrderStopped, isWithCarrier, unitsText } from './order-book';
import type { OrderRun } from './order-run';
import { REFUND_ID_FROM_UPDATE } from './patches';
import { OrderRuntime } from './runtime';
import { conflict } from '../refusals';
import { fulfilApprovedQuantities } from './steps/allocation';
import { obtainApproval } from './steps/approval';
import { applyCarrierEvent, awaitDeliveries, deliveredMessage } from './steps/delivery';
import { priceApproveAndFulfil } from './steps/edits';
import { authorizePayment, releaseUncapturedAmount } from './steps/payment';
import { validateAndPrice } from './steps/pricing';
import { performRefund } from './steps/refunds';
import { openReturn } from './steps/returns';

/**
 * One order, from entry to the end of its return window (SPEC section 1):
 * validate & price -> approval quota -> authorize payment -> allocate stock (split across warehouses,
 * backorders by policy) -> per shipment: pick -> ship -> capture -> invoice -> delivery -> return window.
 * Cancellation, rejection and payment failure stop it and undo what was done, newest first. Support's hold, or a
 * step that fails for good, holds it until released (steps/holds.ts).
 *
 * This file wires what people and carriers may ask of an order and runs the process; each step is in `steps/`
 * beside what undoes it, the order's books and rules in `order-book.ts`, the Temporal mechanics in `runtime.ts`.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const { orderId, settings } = input;
  const book = new OrderBook(orderId);
  const runtime = new OrderRuntime(book);
  const { state, afterSales } = book;
  const run: OrderRun = { input, book, state, runtime, compensations: new Compensations(), billing: Promise.resolve() };

  // ---- What people and carriers can ask of a running order ---------------------------------------------------

  /**
   * An Update that waits for the order to move on answers once it is held instead: a hold may last days, and every
   * Update left waiting counts against Temporal's limit of Updates in flight per workflow.
   */
  const answersWhileHeld = () => runtime.neverStuck && state.status === 'ON_HOLD';

  setHandler(orderStateQuery, () => state);

  setHandler(
    approveOrderUpdate,
    runtime.accepted(describeApproval, async (request) => {
      book.approvalDecision = { approved: true, ...request };
      await condition(() => state.status !== 'AWAITING_APPROVAL');
      return { status: state.status };
    }),
    { validator: (request) => book.validateApproval(request.lines) },
  );

  setHandler(
    rejectOrderUpdate,
    runtime.accepted(
      ({ reason }) => `Request: reject (${reason})`,
      async ({ reason }) => {
        book.approvalDecision = { approved: false, reason };
        await condition(() => state.status !== 'AWAITING_APPROVAL');
        return { status: state.status };
      },
    ),
    { validator: (_request) => book.requireAwaitingApproval() },
  );

  setHandler(
    cancelOrderUpdate,
    runtime.accepted(
      ({ reason }) => `Request: cancel (${reason})`,
      async ({ reason }) => {
        book.cancelRequest ??= { reason };
        run.interrupt?.();
        // Answered once cancelled, or once held by a compensation that failed for good (support sees why).
        const compensationHeld = () => answersWhileHeld() && run.compensating === true && run.hold !== undefined;
        await condition(() => isTerminal(state.status) || compensationHeld());
        return { status: state.status };
      },
    ),
    {
      validator: (_request) => {
        const blocker = book.cancellationBlocker();
        if (blocker) conflict(blocker);
      },
    },
  );

  setHandler(
    resumeBackorderUpdate,
    runtime.accepted(
      () => 'Request: resume the backorder',
      async () => {
        const attempt = book.allocationAttempts;
        book.resumeRequested = true;
        // An order busy with other shipments allocates again once it would wait: the request is noted, not awaited.
        if (runtime.neverStuck && state.waitingFor !== 'stock') return { status: state.status };
        await condition(() => book.allocationAttempts > attempt || isTerminal(state.status));
        return { status: state.status };
      },
    ),
    { validator: (_request) => book.requireUnitsToAllocate() },
  );

  setHandler(
    editOrderUpdate,
    runtime.accepted(describeEdit, async (request) => {
      book.editRequest = request;
      book.edits += 1;
      const edit = book.edits;
      // Answered once the edit took effect: priced again and waiting (approval, stock) or allocated; or stopped.
      await condition(() => book.editsSettled >= edit || isTerminal(state.status) || answersWhileHeld());
      return { status: state.status, totals: state.totals ?? null };
    }),
    { validator: (request) => book.validateEdit(request, runtime.edits) },
  );

  setHandler(
    holdOrderUpdate,
    runtime.accepted(
      ({ reason }) => `Request: hold (${reason})`,
      async ({ reason }) => {
        book.holdRequest = { reason };
        // In effect once the order stops before its next step (at once while it waits); too late once it has shipped.
        await condition(() => state.status === 'ON_HOLD' || book.holdRequest === undefined || !book.holdable());
        if (state.status === 'ON_HOLD') return { status: state.status, holdReason: state.holdReason! };
        book.holdRequest = undefined;
        return conflict(`order is ${state.status}: it shipped before the hold took effect`);
      },
    ),
    { validator: ({ reason }) => book.validateHold(reason) },
  );

  setHandler(
    releaseOrderUpdate,
    runtime.accepted(
      () => 'Request: release the hold',
      async () => {
        book.releaseRequested = true;
        await condition(() => state.status !== 'ON_HOLD');
        return { status: state.status };
      },
    ),
    { validator: (_request) => book.requireOnHold() },
  );

  setHandler(
    confirmPickUpdate,
    runtime.accepted(
      ({ pickListId }) => `Request: confirm pick list ${pickListId}`,
      async (request) => {
        book.pickConfirmations.set(request.pickListId, request.lines);
        const shipment = book.shipmentOfPickList(request.pickListId)!;
        // Answer once the pick is acted on: the shipment billed (or dropped, when nothing was picked) and the
        // order's status moved on, unless other shipments of the order are still being picked.
        // An exchange's replacement is never billed: it is acted on once it ships.
        const shippedReplacement = () => runtime.neverStuck && shipment.replacement === true && isWithCarrier(shipment);
        const handled = () =>
          shipment.invoiceNumber !== undefined || shipment.status === 'cancelled' || shippedReplacement();
        const othersPicking = () => state.shipments.some((other) => other !== shipment && other.status === 'picking');
        await condition(
          () =>
            isTerminal(state.status) ||
            answersWhileHeld() ||
            (handled() && (state.status !== 'PICKING' || othersPicking())),
        );
        return { status: state.status };
      },
    ),
    { validator: (request) => book.validatePickConfirmation(request.pickListId, request.lines) },
  );

  setHandler(
    refundOrderUpdate,
    runtime.accepted(describeRefund, async (request) => {
      // Named by the request's Idempotency-Key, as it would be once the order has completed, so a retry then
      // finds this refund. Refunds made before this change keep their numbered IDs on replay.
      const key = idempotencyKeyOfRefundUpdate(currentUpdateInfo()?.id);
      const refundId =
        key !== undefined && runtime.hasPatch(REFUND_ID_FROM_UPDATE) ? refundIdFor(orderId, key) : undefined;
      const charge = afterSales.refundCharge(request);
      const refund = await performRefund(run, charge, request.reason, { lines: request.lines, namedId: refundId });
      return { status: state.status, ...refund };
    }),
    { validator: (request) => void afterSales.refundCharge(request) },
  );

  setHandler(
    requestReturnUpdate,
    runtime.accepted(
      ({ lines, resolution, reason }) => `Request: return ${unitsText(lines)} for ${resolution} (${reason})`,
      (request) => openReturn(run, request),
    ),
    { validator: (request) => afterSales.validateReturn(request) },
  );

  setHandler(
    carrierEventUpdate,
    runtime.accepted(
      ({ shipmentId, status }) => `Request: carrier event ${shipmentId} ${status}`,
      async (event) => {
        book.carrierEventCount += 1;
        const eventKey = `${event.shipmentId}:${event.status}:${event.at ?? `untimed-${book.carrierEventCount}`}`;
        await applyCarrierEvent(run, event, eventKey);
        return { status: state.status };
      },
    ),
    { validator: (event) => book.requireWithCarrier(event.shipmentId) },
  );

  // ---- The business process ----------------------------------------------------------------------------------

  runtime.startTimelineWriter();
  let stopped: OrderStopped | undefined;
  try {
    let priced: PricedOrderResult;
    // Orders started before edits replay the pipeline as it was, with the same awaits.
    if (runtime.edits) priced = await priceApproveAndFulfil(run);
    else {
      priced = await validateAndPrice(run);
      await obtainApproval(run, priced);
      await authorizePayment(run, priced);
      await fulfilApprovedQuantities(run, priced);
    }
    await releaseUncapturedAmount(run, priced);
    await runtime.setStatus('SHIPPED', 'Every shippable line is with a carrier, captured and invoiced');
    await awaitDeliveries(run);
    await runtime.setStatus('DELIVERED', deliveredMessage(run));
  } catch (error) {
    if (!(error instanceof OrderStopped)) throw error;
    stopped = error;
    await compensate(run);
    const cancelled = error.status === 'CANCELLED';
    await runtime.setStatus(error.status, `${cancelled ? 'Cancelled' : 'Rejected'}: ${error.reason}`, {
      ...(cancelled ? { cancelReason: error.reason as CancelReason } : { rejectReason: error.reason as RejectReason }),
      reasons: error.reasons,
    });
    // What shipped before the cancellation is still on its way: keep taking its carrier events.
    await awaitDeliveries(run);
  }
  // Returns are taken for what was delivered: the whole order, or what shipped before it was cancelled.
  if (!stopped || (runtime.neverStuck && book.anythingShipped())) {
    setCurrentDetails(`Return window open for ${formatDuration(settings.returnWindowMs)}`);
    afterSales.returnWindowOpen = true;
    await sleep(settings.returnWindowMs);
    afterSales.returnWindowOpen = false;
    if (afterSales.openReturns > 0) {
      setCurrentDetails(`Return window closed; waiting for ${afterSales.openReturns} open return(s)`);
      await condition(() => afterSales.openReturns === 0);
    }
  }
  if (!stopped) await runtime.setStatus('COMPLETED', 'Return window closed');
  // An Update still running (a refund between its provider call and its credit note) must finish: completing now
  // would abandon it half done. So must the timeline.
  if (runtime.neverStuck) {
    // From here the order takes no more requests: one accepted in the last task would be abandoned unanswered.
    book.closing = true;
    await condition(() => allHandlersFinished() && runtime.timelineWritten());
  } else {
    await condition(allHandlersFinished);
    if (runtime.timelineInBatches) await condition(() => runtime.timelineWritten());
  }
  setCurrentDetails('');
  return state;
}

function describeApproval({ lines, note }: ApproveRequest): string {
  const reduced = lines?.length
    ? ` with ${lines.map((line) => `${line.approvedQuantity} × ${line.sku}`).join(', ')}`
    : '';
  return `Request: approve${reduced}${note ? ` (${note})` : ''}`;
}

function describeRefund({ amount, lines, reason }: RefundRequest): string {
  const what = lines?.length ? unitsText(lines) : `${amount} in minor units`;
  return `Request: refund ${what} (${reason})`;
}

function describeEdit({ lines, shippingAddress, expedite }: EditRequest): string {
  const changes = [
    lines ? `lines ${unitsText(lines)}` : undefined,
    shippingAddress ? 'the shipping address' : undefined,
    expedite !== undefined ? `expedite ${expedite ? 'on' : 'off'}` : undefined,
  ].filter(Boolean);
  return `Request: edit ${changes.join(', ')}`;
}
