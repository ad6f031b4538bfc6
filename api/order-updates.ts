import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/connection';
import { findOrderSummary } from '../db/orders';
import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT } from '../contract';
import { orderWorkflowId } from '../workflows/order/messages';
import type { Request } from 'express';
import type { OrderStarts } from './order-starts';
import { badRequest, conflict, HttpProblem, notFound, unprocessable } from './problem';

/**
 * Sends a Temporal Update to a running order and answers with the workflow's own decision: its validator's
 * refusal becomes 409 (state) or 422 (request), a finished workflow becomes 409.
 */
export async function updateOrder<Reply>(
  deps: { db: Db; temporal: Client; orderStarts: OrderStarts },
  orderId: string,
  send: (handle: WorkflowHandle) => Promise<Reply>,
  /** What to do instead when the order's workflow has completed; by default 409. */
  whenClosed?: () => Promise<Reply>,
): Promise<Reply> {
  const order = await findOrderSummary(deps.db, orderId);
  if (!order) throw notFound(`no order ${orderId}`);
  const handle = deps.temporal.workflow.getHandle(orderWorkflowId(orderId));
  // An order accepted a moment ago (or while Temporal was away) may not have its workflow yet: start it first.
  const sendToStarted = async (workflow: WorkflowHandle) => {
    try {
      return await send(workflow);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError && (await deps.orderStarts.ensureStarted(orderId)))
        return send(workflow);
      throw error;
    }
  };
  return sendUpdate(
    handle,
    sendToStarted,
    whenClosed ??
      (async () => {
        const current = await findOrderSummary(deps.db, orderId);
        throw conflict(`order ${orderId} is ${current?.status ?? order.status} and no longer accepts changes`);
      }),
  );
}

/** Sends an Update to any workflow, mapping its validator's refusals to 409/422 (see updateOrder). */
export async function sendUpdate<Reply>(
  handle: WorkflowHandle,
  send: (handle: WorkflowHandle) => Promise<Reply>,
  whenClosed: () => Promise<Reply>,
): Promise<Reply> {
  try {
    return await send(handle);
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      if (error.cause.type === ORDER_STATE_CONFLICT) throw conflict(error.cause.message);
      if (error.cause.type === INVALID_ORDER_REQUEST)
        throw unprocessable(error.cause.message, [{ path: 'body', message: error.cause.message }]);
    }
    if (error instanceof WorkflowNotFoundError || isCompletedWorkflowError(error)) return whenClosed();
    // The request may still be applied once the workflow recovers: retry with the same Idempotency-Key to apply it once.
    if (isRecoveringWorkflowError(error))
      throw new HttpProblem(
        503,
        'the order is recovering from a worker failure (its workflow task is being retried); retry shortly with the same Idempotency-Key',
      );
    throw error;
  }
}

/** A failure a workflow or activity reported with one of our types, as 409 or 422. */
export function problemFromFailure(error: unknown): Error {
  let cause: unknown = error;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  if (cause instanceof ApplicationFailure && cause.type === ORDER_STATE_CONFLICT) return conflict(cause.message);
  if (cause instanceof ApplicationFailure && cause.type === INVALID_ORDER_REQUEST)
    return unprocessable(cause.message, [{ path: 'body', message: cause.message }]);
  return error as Error;
}

/**
 * The Update's ID from the request's Idempotency-Key, scoped by action: Temporal applies an Update ID once per
 * workflow run and answers a repeat with the first outcome, so a client retrying after a lost answer (a worker
 * died mid-request, a 503) gets one refund or return, not two. Without the header each request is a new Update.
 */
export function updateIdFrom(req: Request, action: string): string | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key))
    throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { path: 'header.Idempotency-Key', message: 'invalid' },
    ]);
  return `${action}:${key}`;
}

/** Temporal refuses Updates while the workflow's last task failed or timed out (e.g. its worker was killed mid-task). */
function isRecoveringWorkflowError(error: unknown): boolean {
  for (
    let cause = error as { message?: string; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as typeof cause
  ) {
    if (/Workflow Task in failed state/i.test(String(cause.message ?? ''))) return true;
  }
  return false;
}

function isCompletedWorkflowError(error: unknown): boolean {
  return /workflow execution already completed/i.test(String((error as Error)?.message ?? ''));
}
