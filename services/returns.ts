import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import { receiptLineProblems } from '../domain/request-lines';
import { receiveReturnUpdate, type ReceiveReturnRequest } from '../workflows/return/messages';
import { NotFoundError, OrderRecoveringError, StateConflictError } from './errors';
import type { RequestKey } from './idempotency-keys';
import { sendUpdate, updateIdFor } from './order-updates';
import { refuseLineProblems } from './request-lines';

/** Returns (RMAs) once opened: each is its own workflow, `<orderId>/return-<n>` (also the RMA's ID). */
export function createReturns({ db, temporal }: { db: Db; temporal: Client }) {
  return {
    /**
     * Goods back at the warehouse: resellable units are restocked, damaged ones written off. Lines that name a SKU
     * not on the RMA, a SKU and condition twice, or more units than the RMA's are refused here (422).
     */
    async receiveReturn(returnId: string, request: ReceiveReturnRequest, idempotency?: RequestKey) {
      const row = await db('returns').where({ id: returnId }).first('status', 'lines');
      if (!row) throw new NotFoundError(`no return ${returnId}`);
      refuseLineProblems(receiptLineProblems(request.lines, { id: returnId, lines: row.lines }));
      const updateId = await updateIdFor(db, returnId, { action: 'receive', request, idempotency });
      return sendUpdate(
        temporal.workflow.getHandle(returnId),
        (handle) => handle.executeUpdate(receiveReturnUpdate, { args: [request], updateId }),
        async () => {
          // The RMA is recorded before its order starts its workflow: an order recovering from a worker failure
          // may not have started it yet. That is not a refusal: the same receipt will be taken in a moment.
          if (row.status === 'AWAITING_RECEIPT') {
            throw new OrderRecoveringError(
              `return ${returnId} is still being opened by its order (it may be recovering from a worker failure); retry shortly with the same Idempotency-Key`,
            );
          }
          throw new StateConflictError(`return ${returnId} is ${row.status}`);
        },
      );
    },
  };
}
