import { condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import { STEP_RETRY, type OrderActivities, type ReceivedLine, type ReturnAuthorization } from '../../contract';
import type { ReturnStatus } from '../../domain/order';
import { conflict, invalid } from '../refusals';
import { RETURN_RECEIPT_TIMEOUT, receiveReturnUpdate } from './messages';

const steps = proxyActivities<OrderActivities>({ startToCloseTimeout: '30s', retry: STEP_RETRY });

/**
 * One RMA (SPEC section 3, returns), recorded by the order that opened it: waits for the goods, restocks what is
 * resellable and writes off what is damaged. It returns what was received; the order workflow, its parent, settles
 * the money (refund and credit note) or ships the exchange, since those belong to the order's books.
 */
export async function returnWorkflow(
  input: ReturnAuthorization,
): Promise<{ received: ReceivedLine[]; expired?: boolean }> {
  let status: ReturnStatus = 'AWAITING_RECEIPT';
  let received: ReceivedLine[] | undefined;

  setHandler(
    receiveReturnUpdate,
    async (request) => {
      received = request.lines;
      await condition(() => status !== 'AWAITING_RECEIPT');
      return { status };
    },
    {
      validator: (request) => {
        if (status !== 'AWAITING_RECEIPT' || received) conflict(`return ${input.returnId} is ${status}`);
        const expected = new Map(input.lines.map((line) => [line.sku, line.quantity]));
        const counted = new Map<string, number>();
        for (const line of request.lines) {
          if (!expected.has(line.sku)) invalid(`${line.sku} is not on return ${input.returnId}`);
          if (!Number.isInteger(line.quantity) || line.quantity < 0) {
            invalid(`${line.sku}: quantity must be a whole number of at least 0`);
          }
          counted.set(line.sku, (counted.get(line.sku) ?? 0) + line.quantity);
        }
        for (const [sku, quantity] of counted) {
          if (quantity > expected.get(sku)!)
            invalid(`${sku}: ${quantity} received but ${expected.get(sku)} on the return`);
        }
      },
    },
  );

  // Goods that never come close the RMA after OMS_RETURN_RECEIPT_TIMEOUT (returns opened before that limit wait on).
  if (input.receiptTimeoutMs !== undefined && patched(RETURN_RECEIPT_TIMEOUT)) {
    if (!(await condition(() => received !== undefined, input.receiptTimeoutMs))) {
      status = 'CLOSED';
      return { received: [], expired: true };
    }
  } else {
    await condition(() => received !== undefined);
  }
  await steps.receiveReturnGoods({ returnId: input.returnId, orderId: input.orderId, lines: received! });
  status = 'RECEIVED';
  return { received: received! };
}
