import { ParentClosePolicy, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { ReturnOpenedDetail } from '../../../domain/order-events';
import type { ReturnAuthorization } from '../../../contract';
import type { QuantityLine } from '../../../domain/allocation';
import { waitLimits } from '../../../domain/order';
import type { Bill } from '../../../domain/pricing';
import { returnWorkflowId } from '../../return/messages';
import { returnWorkflow } from '../../return/return.workflow';
import type { ReturnRequest } from '../messages';
import { unitsText } from '../order-book';
import type { OrderRun } from '../order-run';
import { activities, summary } from '../runtime';
import { fulfil } from './fulfilment';
import { performRefund, RefundAbandoned, type RefundMade } from './refunds';

/**
 * An RMA during the return window: recorded, then its own child workflow (`<orderId>/return-<n>`) waits for the
 * goods; `settleReturn` takes over when they are in.
 */
export async function openReturn(
  run: OrderRun,
  request: ReturnRequest,
): Promise<{ id: string; status: 'AWAITING_RECEIPT' }> {
  const { runtime } = run;
  const { afterSales } = run.book;
  const { orderId } = run.input;
  const id = returnWorkflowId(orderId, run.state.returns.length + 1);
  afterSales.returnOpened(id, request);
  const rma: ReturnAuthorization = {
    returnId: id,
    orderId,
    lines: request.lines,
    reason: request.reason,
    resolution: request.resolution,
  };
  if (runtime.neverStuck) rma.receiptTimeoutMs = waitLimits(run.input.settings).returnReceiptTimeoutMs;
  const units = unitsText(request.lines);
  // Recorded before the child starts, so the RMA can be read as soon as this Update answers.
  await activities.recordReturn.executeWithOptions(summary(`Record RMA ${id}: ${units} for ${request.resolution}`), [
    rma,
  ]);
  const child = await startChild(returnWorkflow, {
    workflowId: id,
    args: [rma],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  const opened: ReturnOpenedDetail = {
    returnId: id,
    lines: request.lines,
    resolution: request.resolution,
    reason: request.reason,
  };
  await runtime.recordEvent({
    type: 'return',
    message: `Return ${id} opened for ${units} (${request.resolution}): ${request.reason}`,
    detail: { ...opened },
  });
  void settleReturn(run, id, child, request);
  return { id, status: 'AWAITING_RECEIPT' as const };
}

/**
 * When a return's goods are in: refund them with a credit note, or send the same SKUs again through
 * allocation, picking and shipping at no charge (refunded instead when the replacement is out of stock).
 */
async function settleReturn(
  run: OrderRun,
  id: string,
  child: ChildWorkflowHandle<typeof returnWorkflow>,
  request: ReturnRequest,
): Promise<void> {
  const { afterSales } = run.book;
  const record = afterSales.returnOf(id);
  const { received, expired } = await child.result();
  const lines = afterSales.returnReceived(id, received);
  try {
    if (lines.length > 0 && request.resolution === 'exchange') {
      const replacement = await shipReplacement(run, lines);
      if (replacement) {
        record.status = 'EXCHANGED';
        await activities.settleReturn.executeWithOptions(
          summary(`Return ${id} exchanged: replacement ${replacement}`),
          [{ returnId: id, status: 'EXCHANGED', replacementShipmentId: replacement }],
        );
        return;
      }
    }
    const refunding = lines.length === 0 ? undefined : refundOfReturn(run, lines);
    const reason = `return ${id}: ${request.reason}`;
    const refund =
      refunding &&
      (await (run.runtime.neverStuck
        ? refundOrAbandon(run, refunding, reason)
        : performRefund(run, refunding.charge, reason, { lines: refunding.lines })));
    if (!refund) {
      record.status = 'CLOSED';
      const why = expired ? 'no goods arrived in time' : refunding ? 'its refund was left undone' : 'nothing owed';
      await activities.settleReturn.executeWithOptions(summary(`Return ${id} closed: ${why}`), [
        { returnId: id, status: 'CLOSED' },
      ]);
      return;
    }
    record.status = 'REFUNDED';
    await activities.settleReturn.executeWithOptions(
      summary(`Return ${id} refunded: credit note ${refund.creditNote}`),
      [{ returnId: id, status: 'REFUNDED', refundId: refund.refundId, creditNote: refund.creditNote }],
    );
  } finally {
    afterSales.openReturns -= 1;
  }
}

/** An exchange: the same SKUs allocated, picked and shipped again, unbilled. Undefined when out of stock. */
async function shipReplacement(run: OrderRun, lines: QuantityLine[]): Promise<string | undefined> {
  const { book, input } = run;
  book.allocationRound += 1;
  const replacement = {
    orderId: input.orderId,
    round: book.allocationRound,
    lines,
    destination: input.shippingAddress,
    allOrNothing: true,
    replacement: true,
  };
  const result = await run.runtime.databaseStep((proxy) =>
    proxy.allocateStock.executeWithOptions(summary(`Reserve the replacement ${unitsText(lines)}`), [replacement]),
  );
  if (result.shipments.length === 0) return undefined;
  for (const shipment of result.shipments) book.allocatedReplacement(shipment);
  await Promise.all(result.shipments.map((shipment) => fulfil(run, book.priced!, shipment)));
  return result.shipments.map((shipment) => shipment.id).join(',');
}

/** What returned units are refunded: capped at what is still refundable, or nothing (older orders: all or nothing). */
function refundOfReturn(run: OrderRun, lines: QuantityLine[]): { charge: Bill; lines: QuantityLine[] } | undefined {
  const { afterSales } = run.book;
  if (run.runtime.neverStuck) return afterSales.returnRefund(lines);
  const charge = afterSales.tryRefundCharge(lines);
  return charge && { charge, lines };
}

/** A return's refund; undefined when it failed for good and its hold expired (the return closes without it). */
async function refundOrAbandon(
  run: OrderRun,
  refunding: { charge: Bill; lines: QuantityLine[] },
  reason: string,
): Promise<RefundMade | undefined> {
  try {
    return await performRefund(run, refunding.charge, reason, { lines: refunding.lines, afterShipping: true });
  } catch (error) {
    if (error instanceof RefundAbandoned) return undefined;
    throw error;
  }
}
