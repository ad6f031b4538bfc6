import type { PricedOrderResult } from '../../../contract';
import { applyApproval, approvalReasons } from '../../../domain/approval';
import { formatDuration } from '../../../domain/duration';
import { OrderStopped } from '../order-book';
import type { OrderRun } from '../order-run';
import { waitUntil } from './holds';

/**
 * Approval quota: an order beyond a limit waits for an approver, who may reduce quantities (the rest is
 * cancelled) or reject; no decision within the approval timeout rejects it. Others are approved as ordered.
 */
export async function obtainApproval(run: OrderRun, priced: PricedOrderResult): Promise<void> {
  const { book, runtime } = run;
  const { approvalTimeoutMs } = run.input.settings;
  const reasons = approvalReasons(priced.approval);
  if (reasons.length > 0) {
    await runtime.setStatus('AWAITING_APPROVAL', `Needs approval: ${reasons.join('; ')}`, { reasons });
    runtime.waitFor(
      'approval',
      `Awaiting approval (${reasons.join('; ')}); rejected after ${formatDuration(approvalTimeoutMs)}`,
    );
    // An edit takes effect once the order waits for an approver again; another edit starts it over.
    book.settleEdits();
    const decided = await waitUntil(
      run,
      () => book.approvalDecision !== undefined || book.cancelRequest !== undefined || book.editRequest !== undefined,
      approvalTimeoutMs,
    );
    book.stopIfCancelled();
    book.stopIfEdited();
    if (!decided) {
      throw new OrderStopped('REJECTED', 'approval_timeout', [
        `no decision within ${formatDuration(approvalTimeoutMs)}`,
      ]);
    }
    if (!book.approvalDecision!.approved)
      throw new OrderStopped('REJECTED', 'rejected', [book.approvalDecision!.reason]);
  }
  const decision = book.approvalDecision?.approved ? book.approvalDecision : undefined;
  const approved = applyApproval(book.state.lines, decision?.lines);
  if (!approved.ok) throw new Error(`approval was validated but no longer applies: ${approved.errors.join('; ')}`);
  book.approveQuantities(approved.approved);
  await runtime.recordEvent({
    type: 'approved',
    message: decision ? `Approved${decision.note ? `: ${decision.note}` : ''}` : 'Within every approval quota',
    approvedQuantities: Object.fromEntries(approved.approved),
  });
}
