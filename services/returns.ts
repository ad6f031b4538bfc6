import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import { receiveReturnUpdate, type ReceiveReturnRequest } from '../workflows/return/messages';
import { NotFoundError, StateConflictError } from './errors';
import { sendUpdate } from './order-updates';

/** Returns (RMAs) once opened: each is its own workflow, `<orderId>/return-<n>` (also the RMA's ID). */
export function createReturns({ db, temporal }: { db: Db; temporal: Client }) {
  return {
    /** Goods back at the warehouse: resellable units are restocked, damaged ones written off. */
    async receiveReturn(returnId: string, request: ReceiveReturnRequest, updateId?: string) {
      const row = await db('returns').where({ id: returnId }).first('status');
      if (!row) throw new NotFoundError(`no return ${returnId}`);
      return sendUpdate(
        temporal.workflow.getHandle(returnId),
        (handle) => handle.executeUpdate(receiveReturnUpdate, { args: [request], updateId }),
        async () => {
          throw new StateConflictError(`return ${returnId} is ${row.status}`);
        },
      );
    },
  };
}
