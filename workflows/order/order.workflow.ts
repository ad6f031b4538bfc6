import {
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { AllocatedShipment } from '../../activities/inventory';
import type { OrderProgress } from '../../activities/order-record';
import type { ValidatedOrder } from '../../activities/pricing';
import { applyApproval, approvalReasons } from '../../domain/approval';
import { formatDuration } from '../../domain/duration';
import { toMajorUnits } from '../../domain/money';
import { NOTHING_LEFT_TO_SHIP, isTerminal, type CancelReason, type OrderStatus, type RejectReason } from '../../domain/order';
import { priceQuantities, sum } from '../../domain/pricing';
import {
  INVALID_ORDER_REQUEST,
  ORDER_STATE_CONFLICT,
  approveOrderUpdate,
  cancelOrderUpdate,
  orderStateQuery,
  rejectOrderUpdate,
  resumeBackorderUpdate,
  type ApproveRequest,
  type OrderState,
  type OrderWorkflowInput,
  type ShipmentState,
} from './messages';
import { BackorderedSkusKey, OrderStatusKey, OrderTotalKey } from './search-attributes';

const steps = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
// Read-model writes are quick database statements: local activities spare them a round trip to the server.
const readModel = proxyLocalActivities<OrderActivities>({ startToCloseTimeout: '10s' });

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
 * validate & price -> approval quota -> authorize payment -> reserve stock -> pick -> ship -> capture
 * -> invoice -> delivery -> return window closes. Cancellation, rejection and payment failure stop it and
 * undo what was done, newest first.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const { orderId, settings } = input;
  const state: OrderState = { orderId, status: 'PENDING', reasons: [], lines: [], shipments: [] };
  const compensations: { description: string; undo: () => Promise<void> }[] = [];
  let eventSeq = 0;
  let cancelRequest: { reason: string } | undefined;
  let approvalDecision: ({ approved: true } & ApproveRequest) | { approved: false; reason: string } | undefined;
  let resumeRequested = false;
  let allocationAttempts = 0;
  let handingToCarrier = false;

  // ---- What people can ask of a running order -------------------------------------------------------

  setHandler(orderStateQuery, () => state);

  setHandler(
    approveOrderUpdate,
    async (request) => {
      approvalDecision = { approved: true, ...request };
      await condition(() => state.status !== 'AWAITING_APPROVAL');
      return { status: state.status };
    },
    {
      validator: (request) => {
        requireAwaitingApproval();
        const result = applyApproval(state.lines, request.lines);
        if (!result.ok) throw ApplicationFailure.create({ type: INVALID_ORDER_REQUEST, message: result.errors.join('; '), nonRetryable: true });
      },
    },
  );

  setHandler(
    rejectOrderUpdate,
    async ({ reason }) => {
      approvalDecision = { approved: false, reason };
      await condition(() => state.status !== 'AWAITING_APPROVAL');
      return { status: state.status };
    },
    { validator: (_request) => requireAwaitingApproval() },
  );

  setHandler(
    cancelOrderUpdate,
    async ({ reason }) => {
      cancelRequest ??= { reason };
      await condition(() => isTerminal(state.status));
      return { status: state.status };
    },
    {
      validator: (_request) => {
        const blocker = cancellationBlocker();
        if (blocker) conflict(blocker);
      },
    },
  );

  setHandler(
    resumeBackorderUpdate,
    async () => {
      const attempt = allocationAttempts;
      resumeRequested = true;
      await condition(() => allocationAttempts > attempt || isTerminal(state.status));
      return { status: state.status };
    },
    { validator: () => (state.status === 'BACKORDERED' ? undefined : conflict(`order is ${state.status}, not BACKORDERED`)) },
  );

  // ---- The business process ----------------------------------------------------------------------------

  try {
    const priced = await validateAndPrice();
    await obtainApproval(priced);
    await authorizePayment(priced);
    const shipments = await reserveStock();
    for (const shipment of shipments) await fulfil(shipment);
    await setStatus('SHIPPED', 'Every line is with the carrier, captured and invoiced');
    await awaitDelivery();
    await setStatus('DELIVERED', 'Every shipment is delivered');
    setCurrentDetails(`Return window open for ${formatDuration(settings.returnWindowMs)}`);
    await sleep(settings.returnWindowMs);
    await setStatus('COMPLETED', 'Return window closed');
  } catch (error) {
    if (!(error instanceof OrderStopped)) throw error;
    await compensate();
    await setStatus(error.status, `${error.status === 'CANCELLED' ? 'Cancelled' : 'Rejected'}: ${error.reason}`, {
      ...(error.status === 'CANCELLED' ? { cancelReason: error.reason as CancelReason } : { rejectReason: error.reason as RejectReason }),
      reasons: error.reasons,
    });
  }
  setCurrentDetails('');
  return state;

  // ---- Steps, each next to what undoes it --------------------------------------------------------------

  async function validateAndPrice(): Promise<Extract<ValidatedOrder, { valid: true }>> {
    const result = await steps.validateAndPriceOrder({ orderId });
    if (!result.valid) throw new OrderStopped('REJECTED', 'invalid', result.reasons);
    state.totals = result.totals;
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
    upsertSearchAttributes([{ key: OrderTotalKey, value: toMajorUnits(result.totals.total, result.totals.currency) }]);
    await recordEvent({ type: 'priced', message: `Priced: total ${result.totals.total} ${result.totals.currency}`, detail: { totals: result.totals } });
    stopIfCancelled();
    return result;
  }

  async function obtainApproval(priced: Extract<ValidatedOrder, { valid: true }>): Promise<void> {
    const reasons = approvalReasons(priced.approval);
    if (reasons.length > 0) {
      await setStatus('AWAITING_APPROVAL', `Needs approval: ${reasons.join('; ')}`, { reasons });
      waitFor('approval', `Awaiting approval (${reasons.join('; ')}); rejected after ${formatDuration(settings.approvalTimeoutMs)}`);
      const decided = await condition(() => approvalDecision !== undefined || cancelRequest !== undefined, settings.approvalTimeoutMs);
      stopIfCancelled();
      if (!decided) throw new OrderStopped('REJECTED', 'approval_timeout', [`no decision within ${formatDuration(settings.approvalTimeoutMs)}`]);
      if (!approvalDecision!.approved) throw new OrderStopped('REJECTED', 'rejected', [approvalDecision!.reason]);
    }
    const decision = approvalDecision?.approved ? approvalDecision : undefined;
    const approved = applyApproval(state.lines, decision?.lines);
    if (!approved.ok) throw new Error(`approval was validated but no longer applies: ${approved.errors.join('; ')}`);
    for (const line of state.lines) {
      line.approvedQuantity = approved.approved.get(line.sku) ?? 0;
      line.cancelledQuantity = line.quantity - line.approvedQuantity;
    }
    await recordEvent({
      type: 'approved',
      message: decision ? `Approved${decision.note ? `: ${decision.note}` : ''}` : 'Within every approval quota',
      approvedQuantities: Object.fromEntries(approved.approved),
    });
  }

  async function authorizePayment(priced: Extract<ValidatedOrder, { valid: true }>): Promise<void> {
    await setStatus('AUTHORIZING', 'Authorizing payment');
    const approvedLines = priceQuantities(priced.lines, new Map(state.lines.map((line) => [line.sku, line.approvedQuantity])));
    const amount = sum(approvedLines.map((line) => line.total));
    if (input.payment.method === 'invoice') {
      await recordEvent({ type: 'payment', message: `Invoice terms: ${amount} ${priced.totals.currency} billed per shipment` });
      return;
    }
    const result = await steps.authorizePayment({ orderId, amount, currency: priced.totals.currency, token: input.payment.token ?? '' });
    if (result.status === 'declined') throw new OrderStopped('CANCELLED', 'payment_declined', [`payment declined: ${result.reason}`]);
    state.authorization = { id: result.authorizationId, amount };
    compensations.push({
      description: 'void the payment authorization',
      undo: () => steps.voidAuthorization({ orderId, authorizationId: result.authorizationId, amount, currency: priced.totals.currency }),
    });
    await recordEvent({ type: 'payment', message: `Authorized ${amount} ${priced.totals.currency}`, detail: { authorizationId: result.authorizationId } });
    stopIfCancelled();
  }

  async function reserveStock(): Promise<AllocatedShipment[]> {
    const lines = state.lines.filter((line) => line.approvedQuantity > 0).map((line) => ({ sku: line.sku, quantity: line.approvedQuantity }));
    for (;;) {
      const shipment = await steps.reserveStock({ orderId, seq: state.shipments.length + 1, lines, destination: input.shippingAddress });
      allocationAttempts += 1;
      if (shipment) {
        state.shipments.push({ id: shipment.id, warehouse: shipment.warehouse, lines: shipment.lines, status: 'allocated' });
        for (const line of shipment.lines) lineOf(line.sku).reservedQuantity += line.quantity;
        compensations.push({ description: `release stock reserved for ${shipment.id}`, undo: () => steps.releaseReservations({ orderId, shipmentId: shipment.id }) });
        upsertSearchAttributes([{ key: BackorderedSkusKey, value: [] }]);
        await setStatus('ALLOCATED', `Reserved in warehouse ${shipment.warehouse}`, { detail: { shipmentId: shipment.id } });
        stopIfCancelled();
        return [shipment];
      }
      const skus = lines.map((line) => line.sku);
      upsertSearchAttributes([{ key: BackorderedSkusKey, value: skus }]);
      if (state.status !== 'BACKORDERED') await setStatus('BACKORDERED', 'No warehouse can ship every line now', { detail: { skus } });
      waitFor('stock', `Waiting for stock of ${skus.join(', ')}; cancelled after ${formatDuration(settings.backorderTimeoutMs)}`);
      const resumed = await condition(() => resumeRequested || cancelRequest !== undefined, settings.backorderTimeoutMs);
      stopIfCancelled();
      if (!resumed) throw new OrderStopped('CANCELLED', 'backorder_expired', [`no stock within ${formatDuration(settings.backorderTimeoutMs)}`]);
      resumeRequested = false;
    }
  }

  async function fulfil(allocated: AllocatedShipment): Promise<void> {
    const shipment = shipmentOf(allocated.id);
    const { pickListId } = await steps.createPickList({ orderId, shipmentId: shipment.id, priority: input.priority });
    shipment.pickListId = pickListId;
    shipment.status = 'picking';
    compensations.push({ description: `cancel pick list ${pickListId}`, undo: () => steps.cancelPickList({ pickListId }) });
    await setStatus('PICKING', `Pick list ${pickListId} sent to warehouse ${shipment.warehouse}`);
    stopIfCancelled();

    // Auto mode: the simulated warehouse confirms every line as picked.
    const picked = await steps.confirmPickList({ orderId, pickListId });
    for (const line of picked) lineOf(line.sku).pickedQuantity += line.pickedQuantity;
    await recordEvent({ type: 'picked', message: `Picked ${pickListId}` });
    stopIfCancelled();

    handingToCarrier = true;
    const booking = await steps.shipShipment({ orderId, shipmentId: shipment.id, destination: input.shippingAddress });
    shipment.status = 'shipped';
    shipment.carrier = booking.carrier;
    shipment.carrierTrackingNumber = booking.trackingNumber;
    for (const line of shipment.lines) {
      lineOf(line.sku).shippedQuantity += line.quantity;
      lineOf(line.sku).reservedQuantity -= line.quantity;
    }
    await recordEvent({ type: 'shipped', message: `${shipment.id} shipped with ${booking.carrier} ${booking.trackingNumber}` });

    if (state.authorization) {
      const { amount } = await steps.capturePayment({ orderId, shipmentId: shipment.id, authorizationId: state.authorization.id });
      shipment.capturedAmount = amount;
      await recordEvent({ type: 'payment', message: `Captured ${amount} for ${shipment.id}` });
    }
    const invoice = await steps.issueInvoice({ orderId, shipmentId: shipment.id });
    shipment.invoiceNumber = invoice.number;
    await recordEvent({ type: 'invoiced', message: `Invoice ${invoice.number} issued for ${shipment.id}` });
  }

  async function awaitDelivery(): Promise<void> {
    waitFor('carrier', `Simulated carrier delivers in ${formatDuration(settings.carrierDeliveryDelayMs)}`);
    await sleep(settings.carrierDeliveryDelayMs);
    for (const shipment of state.shipments.filter((candidate) => candidate.status === 'shipped')) {
      await steps.recordShipmentEvent({ orderId, shipmentId: shipment.id, status: 'delivered', detail: 'simulated carrier', eventKey: `${shipment.id}:simulated:delivered` });
      shipment.status = 'delivered';
      for (const line of shipment.lines) lineOf(line.sku).deliveredQuantity += line.quantity;
    }
  }

  async function compensate(): Promise<void> {
    for (const compensation of [...compensations].reverse()) {
      await compensation.undo();
      await recordEvent({ type: 'compensated', message: `Compensation: ${compensation.description}` });
    }
    for (const shipment of state.shipments) if (shipment.status !== 'shipped' && shipment.status !== 'delivered') shipment.status = 'cancelled';
    for (const line of state.lines) {
      line.reservedQuantity = 0;
      line.cancelledQuantity = line.quantity - line.shippedQuantity;
    }
  }

  // ---- Bookkeeping -------------------------------------------------------------------------------------

  function stopIfCancelled(): void {
    if (cancelRequest) throw new OrderStopped('CANCELLED', 'requested', [cancelRequest.reason]);
  }

  function cancellationBlocker(): string | undefined {
    if (NOTHING_LEFT_TO_SHIP.includes(state.status)) return `order is ${state.status}: nothing is left to ship, use a return instead`;
    if (isTerminal(state.status)) return `order is already ${state.status}`;
    if (handingToCarrier) return 'order is being handed to the carrier: use a return once it has shipped';
    return undefined;
  }

  function requireAwaitingApproval(): void {
    if (state.status !== 'AWAITING_APPROVAL' || approvalDecision) conflict(`order is ${state.status}, not awaiting approval`);
  }

  function lineOf(sku: string) {
    const line = state.lines.find((candidate) => candidate.sku === sku);
    if (!line) throw new Error(`order ${orderId} has no line ${sku}`);
    return line;
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
    if (extra.reasons) state.reasons = extra.reasons;
    if (extra.cancelReason) state.cancelReason = extra.cancelReason;
    if (extra.rejectReason) state.rejectReason = extra.rejectReason;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    await recordEvent({ type: 'status', message, status, ...extra });
  }

  async function recordEvent(event: Omit<OrderProgress, 'orderId' | 'seq'>): Promise<void> {
    eventSeq += 1;
    await readModel.recordOrderProgress({ orderId, seq: eventSeq, ...event });
  }
}

function conflict(message: string): never {
  throw ApplicationFailure.create({ type: ORDER_STATE_CONFLICT, message, nonRetryable: true });
}
