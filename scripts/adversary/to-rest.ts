import type { OrderAgent, OpenedReturn } from './order-agent';
import { isTerminal, missingUnits, SETTLED_RETURN, WITH_CARRIER, type OrderView, type ReturnView } from './views';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DriveOptions {
  /** Stop once this holds (default: terminal with every return settled). */
  until?: (view: OrderView, returnsSettled: boolean) => boolean;
  /**
   * Let some waits run into the system's own timeouts (holds, an exception parcel, returns left unreceived), and
   * report when the system does not act on them. Off while only advancing an order to delivery.
   */
  patient: boolean;
}

const atRest = (view: OrderView, returnsSettled: boolean) =>
  isTerminal(view.status) &&
  returnsSettled &&
  (view.status !== 'CANCELLED' || !view.shipments.some((shipment) => WITH_CARRIER.includes(shipment.status)));

/**
 * Drives one order to rest with valid requests only, as the people around it would: approves, releases holds (or
 * lets a few expire), confirms every pick in full, delivers every parcel (or lets an exception wait for the
 * delivery timeout), receives the stock a backorder waits for, and receives returns (or lets a few wait for the
 * receipt timeout). Every wait the contract bounds (SPEC 3, Never stuck) is waited for only that long, plus grace:
 * a wait past it is a violation, and the run then acts so the rest of the order can still be checked.
 * Returns when the order is terminal with its returns settled, or at `deadline`.
 */
export async function driveOrder(agent: OrderAgent, deadline: number, options: DriveOptions): Promise<void> {
  const { env } = agent;
  const { timeouts, graceMs } = env;
  const until = options.until ?? atRest;
  const label = options.patient ? 'rest:' : 'advance:';
  const waitForHoldExpiry = options.patient && agent.chance(0.3);
  const leaveException = options.patient && agent.chance(0.3);
  let heldSince: number | undefined;
  let holdReported = false;
  let exceptionSince: number | undefined;
  let lastReceiptAt = 0;
  const findings = env.requester.findings;
  while (Date.now() < deadline) {
    // After an answer that was itself a violation (a 5xx, no answer), give the system a moment before asking again.
    const violationsBefore = findings.violations.length;
    const view = await agent.observe();
    if (!view) {
      await sleep(1_000);
      continue;
    }
    const returnsSettled = await settleReturns(agent, view, options.patient);
    if (until(view, returnsSettled)) return;
    const withCarrier = view.shipments.filter((shipment) => WITH_CARRIER.includes(shipment.status));

    if (view.status === 'AWAITING_APPROVAL') {
      const answer = await agent.send({
        method: 'POST',
        path: `/v1/orders/${agent.id}/approve`,
        as: 'approver',
        body: {},
        headers: { 'idempotency-key': agent.key('rest-approve') },
      });
      agent.note(`${label} approve`, answer);
      await sleep(findings.violations.length > violationsBefore ? 3_000 : 0);
      continue;
    }

    if (view.status === 'ON_HOLD') {
      heldSince ??= Date.now();
      const overdue = Date.now() - heldSince > timeouts.holdMs + graceMs;
      if (waitForHoldExpiry && overdue && !holdReported) {
        holdReported = true;
        findings.add({
          check: 'hold-never-expires',
          orderId: agent.id,
          message: `ON_HOLD (${view.holdReason ?? 'no reason'}) for ${Date.now() - heldSince} ms, past OMS_HOLD_TIMEOUT (${timeouts.holdMs} ms) and grace: the order should be CANCELLED (hold_expired)`,
        });
      }
      if (env.holds.supported !== false && (!waitForHoldExpiry || overdue)) {
        const answer = await agent.send({
          method: 'POST',
          path: `/v1/orders/${agent.id}/release`,
          as: 'support',
          body: {},
        });
        agent.note(`${label} release${waitForHoldExpiry ? ' after waiting for the hold to expire' : ''}`, answer);
        heldSince = undefined;
      } else await sleep(1_000);
      await sleep(findings.violations.length > violationsBefore ? 3_000 : 0);
      continue;
    }

    let acted = false;
    for (const shipment of view.shipments.filter((candidate) => candidate.pickList?.status === 'open')) {
      const listId = shipment.pickList!.id;
      const answer = await agent.send({
        method: 'POST',
        path: `/v1/pick-lists/${encodeURIComponent(listId)}/confirm`,
        as: 'warehouse',
        body: {},
      });
      agent.note(`${label} confirm ${listId} in full`, answer);
      acted = true;
    }

    for (const shipment of withCarrier) {
      // One exception may wait for OMS_DELIVERY_TIMEOUT, when the order has nothing else to wait for.
      const waitsForTimeout =
        leaveException && shipment.status === 'exception' && view.status === 'SHIPPED' && withCarrier.length === 1;
      if (waitsForTimeout) {
        exceptionSince ??= Date.now();
        if (Date.now() - exceptionSince <= timeouts.deliveryMs + graceMs) continue;
        findings.add({
          check: 'delivery-never-times-out',
          orderId: agent.id,
          message: `shipment ${shipment.id} in exception for ${Date.now() - exceptionSince} ms, past OMS_DELIVERY_TIMEOUT (${timeouts.deliveryMs} ms) and grace, and the order is still ${view.status}: it should complete without that delivery`,
        });
      }
      const answer = await agent.send({
        method: 'POST',
        path: `/v1/shipments/${encodeURIComponent(shipment.id)}/events`,
        as: 'carrier',
        body: { status: 'delivered', at: new Date().toISOString() },
      });
      agent.note(`${label} deliver ${shipment.id}`, answer);
      acted = true;
    }
    if (leaveException && withCarrier.length === 0) exceptionSince = undefined;

    const missing = view.lines.filter((line) => missingUnits(line) > 0);
    const waiting = view.status === 'BACKORDERED' || view.status === 'PARTIALLY_SHIPPED';
    if (waiting && missing.length > 0 && Date.now() - lastReceiptAt > 5_000) {
      lastReceiptAt = Date.now();
      for (const line of missing) await env.receiveStock(line.sku, missingUnits(line), agent.id);
      const answer = await agent.send({
        method: 'POST',
        path: `/v1/orders/${agent.id}/resume-backorder`,
        as: 'support',
        body: {},
      });
      agent.note(
        `${label} restock ${missing.map((line) => `${missingUnits(line)} ${line.sku}`).join(', ')}; resume`,
        answer,
      );
      acted = true;
    }
    await sleep(findings.violations.length > violationsBefore ? 3_000 : acted ? 0 : 500);
  }
}

/** Receives the run's open returns (or waits for the receipt timeout on those left); true when all are settled. */
async function settleReturns(agent: OrderAgent, view: OrderView, patient: boolean): Promise<boolean> {
  let settled = true;
  for (const opened of agent.returns.values()) {
    const current = await agent.send<ReturnView>({
      method: 'GET',
      path: `/v1/returns/${encodeURIComponent(opened.id)}`,
      as: 'warehouse',
    });
    if (current.status !== 200) {
      settled = false;
      continue;
    }
    if (SETTLED_RETURN.includes(current.body.status)) continue;
    settled = false;
    if (current.body.status === 'AWAITING_RECEIPT' && !opened.received && (patient || !opened.leave))
      await receiveOrWait(agent, opened, view);
  }
  return settled;
}

async function receiveOrWait(agent: OrderAgent, opened: OpenedReturn, view: OrderView): Promise<void> {
  const { timeouts, graceMs } = agent.env;
  const waited = Date.now() - opened.openedAt;
  if (opened.leave && waited <= timeouts.returnReceiptMs + graceMs) return;
  if (Date.now() - (opened.lastReceiptAttempt ?? 0) < 5_000) return;
  opened.lastReceiptAttempt = Date.now();
  if (opened.leave && !opened.reportedOverdue) {
    opened.reportedOverdue = true;
    agent.env.requester.findings.add({
      check: 'return-never-closed',
      orderId: agent.id,
      message: `return ${opened.id} AWAITING_RECEIPT ${waited} ms after it was opened, past OMS_RETURN_RECEIPT_TIMEOUT (${timeouts.returnReceiptMs} ms) and grace: it should be CLOSED (order ${view.status})`,
    });
  }
  const answer = await agent.send({
    method: 'POST',
    path: `/v1/returns/${encodeURIComponent(opened.id)}/receive`,
    as: 'warehouse',
    body: { lines: opened.lines.map((line) => ({ ...line, condition: 'resellable' })) },
    headers: { 'idempotency-key': agent.key('rest-receive') },
  });
  if (answer.status === 200) opened.received = true;
  agent.note(`rest: receive ${opened.id} in full`, answer);
}
