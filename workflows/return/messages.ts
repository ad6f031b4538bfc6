import { defineUpdate } from '@temporalio/workflow';

export const RETURN_STATUSES = ['AWAITING_RECEIPT', 'RECEIVED', 'REFUNDED', 'EXCHANGED', 'CLOSED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export type ReturnResolution = 'refund' | 'exchange';
export type ReturnCondition = 'resellable' | 'damaged';

/** A return is the order's child workflow `<orderId>/return-<n>`, and that is the RMA's ID too. */
export const returnWorkflowId = (orderId: string, n: number) => `${orderId}/return-${n}`;

export interface ReturnWorkflowInput {
  returnId: string;
  orderId: string;
  lines: { sku: string; quantity: number }[];
  reason: string;
  resolution: ReturnResolution;
}

export interface ReceivedLine {
  sku: string;
  quantity: number;
  condition: ReturnCondition;
}

export interface ReceiveReturnRequest {
  lines: ReceivedLine[];
}

/** Warehouse staff record the goods that came back. */
export const receiveReturnUpdate = defineUpdate<{ status: ReturnStatus }, [ReceiveReturnRequest]>('receiveReturn');
