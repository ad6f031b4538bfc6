import { defineUpdate } from '@temporalio/workflow';
import type { ReceivedLine } from '../../contract';
import type { ReturnStatus } from '../../domain/order';

/** A return is the order's child workflow `<orderId>/return-<n>`, and that is the RMA's ID too. */
export const returnWorkflowId = (orderId: string, n: number) => `${orderId}/return-${n}`;

export interface ReceiveReturnRequest {
  lines: ReceivedLine[];
}

/** Patch: an RMA whose goods do not arrive within its receipt timeout is closed. */
export const RETURN_RECEIPT_TIMEOUT = 'return-receipt-timeout';

/** Warehouse staff record the goods that came back. */
export const receiveReturnUpdate = defineUpdate<{ status: ReturnStatus }, [ReceiveReturnRequest]>('receiveReturn');
