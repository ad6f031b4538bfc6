import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcDeadlineError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/connection';
import { findOrderSummary } from '../db/orders';
import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT, PAYMENT_PROVIDER_ERROR } from '../contract';
import { orderWorkflowId } from '../workflows/order/messages';
import { DomainError, NotFoundError, OrderRecoveringError, RuleViolationError, StateConflictError } from './errors';
import { claimIdempotencyKey, keyName, keyScope, requestHashOf, type RequestKey } from './idempotency-keys';
import type { OrderStarts } from './order-starts';

export interface OrderUpdateDeps {
  db: Db;
  temporal: Client;
  orderStarts: OrderStarts;
}

/** A change asked of an order (or a return): its action, the request as parsed, and its Idempotency-Key if any. */
export interface Change {
  action: string;
  request: unknown;
  idempotency?: RequestKey;
  /** The Update ID made from the key's name (`keyName`); `<action>:<name>` by default. */
  updateIdOf?: (keyName: string) => string;
}

/**
 * The Temporal Update ID of a change sent with an Idempotency-Key, once the key is bound to this change of `target`
 * (services/idempotency-keys.ts): the same change again is sent again under the same ID, which Temporal applies once
 * and answers as the first time (also after a lost answer or a 503); the key with another body or target is refused
 * (422) before anything is sent. Undefined without a key: each request is an Update of its own.
 */
export async function updateIdFor(db: Db, target: string, change: Change): Promise<string | undefined> {
  const { idempotency, action } = change;
  if (!idempotency) return undefined;
  const requestHash = requestHashOf({ target, request: change.request });
  await claimIdempotencyKey(db, keyScope(action, idempotency), idempotency.key, requestHash, target);
  const name = keyName(idempotency);
  return change.updateIdOf ? change.updateIdOf(name) : `${action}:${name}`;
}

/**
 * Sends a Temporal Update to a running order and answers with the workflow's own decision: its validator's
 * refusal becomes a StateConflictError (state) or a RuleViolationError (request), a finished workflow a
 * StateConflictError unless `whenClosed` says what to do instead. The change's key is bound to it (`updateIdFor`)
 * once the order is known to exist.
 */
export async function updateOrder<Reply>(
  deps: OrderUpdateDeps,
  orderId: string,
  change: Change,
  send: (handle: WorkflowHandle, updateId: string | undefined) => Promise<Reply>,
  /** What to do instead when the order's workflow has completed; by default a StateConflictError. */
  whenClosed?: () => Promise<Reply>,
): Promise<Reply> {
  const order = await findOrderSummary(deps.db, orderId);
  if (!order) throw new NotFoundError(`no order ${orderId}`);
  const id = await updateIdFor(deps.db, orderId, change);
  const handle = deps.temporal.workflow.getHandle(orderWorkflowId(orderId));
  // An order accepted a moment ago (or while Temporal was away) may not have its workflow yet: start it first.
  const sendToStarted = async (workflow: WorkflowHandle) => {
    try {
      return await send(workflow, id);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError && (await deps.orderStarts.ensureStarted(orderId)))
        return send(workflow, id);
      throw error;
    }
  };
  return sendUpdate(
    handle,
    sendToStarted,
    whenClosed ??
      (async () => {
        const current = await findOrderSummary(deps.db, orderId);
        throw new StateConflictError(
          `order ${orderId} is ${current?.status ?? order.status} and no longer accepts changes`,
        );
      }),
  );
}

/**
 * How long a request waits for a workflow's answer to its Update. A workflow whose worker died answers once its
 * task has timed out on the dead worker and run on another, which can take longer than a client should wait: the
 * request is answered 503 then, and a retry with the same Idempotency-Key gets the Update's outcome, applied once.
 */
export const UPDATE_ANSWER_LIMIT_MS = 20_000;

/** Sends an Update to any workflow, turning its validator's refusals into domain errors (see updateOrder). */
export async function sendUpdate<Reply>(
  handle: WorkflowHandle,
  send: (handle: WorkflowHandle) => Promise<Reply>,
  whenClosed: () => Promise<Reply>,
  answerLimitMs = UPDATE_ANSWER_LIMIT_MS,
): Promise<Reply> {
  try {
    return await withinAnswerLimit(handle.client, () => send(handle), answerLimitMs);
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const refusal = domainErrorFromFailure(error);
      if (refusal instanceof DomainError) throw refusal;
    }
    if (error instanceof WorkflowNotFoundError || isCompletedWorkflowError(error)) return whenClosed();
    // The request may still be applied once the workflow recovers: retry with the same Idempotency-Key to apply it once.
    if (isRecoveringWorkflowError(error))
      throw new OrderRecoveringError(
        'the order is recovering from a worker failure (its workflow task is being retried); retry shortly with the same Idempotency-Key',
      );
    throw error;
  }
}

/**
 * Waits on a workflow (an Update's answer, a refund workflow's result) for at most the answer limit; past it the
 * request is answered 503 (OrderRecoveringError) and the work goes on: a retry with the same key gets its outcome.
 */
export async function withinAnswerLimit<Result>(
  client: Pick<Client, 'withDeadline'>,
  wait: () => Promise<Result>,
  limitMs = UPDATE_ANSWER_LIMIT_MS,
): Promise<Result> {
  try {
    return await client.withDeadline(Date.now() + limitMs, wait);
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || causes(error).some(isGrpcDeadlineError))
      throw new OrderRecoveringError(
        `the order has not answered within ${limitMs / 1000} s: it may be recovering from a worker failure; retry shortly with the same Idempotency-Key to have the request applied once`,
      );
    throw error;
  }
}

/**
 * A failure a workflow or activity reported with one of our types (anywhere in its chain of causes), as the domain
 * error it stands for (see `refusalError`); any other failure as it is.
 */
export function domainErrorFromFailure(error: unknown): Error {
  let cause: unknown = error;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  return (cause instanceof ApplicationFailure && refusalError(cause.type, cause.message)) || (error as Error);
}

/**
 * A refusal of one of our failure types as its domain error: the order's state (409), the request (422), or the
 * payment provider's final refusal (409 rather than 422 or 502: the request was valid and the provider answered, but
 * the payment's state there does not allow it; nothing was refunded and no credit note was issued). Undefined for
 * another type.
 */
export function refusalError(type: string | undefined | null, message: string): DomainError | undefined {
  if (type === ORDER_STATE_CONFLICT) return new StateConflictError(message);
  if (type === INVALID_ORDER_REQUEST) return new RuleViolationError(message, [{ path: 'body', message }]);
  if (type === PAYMENT_PROVIDER_ERROR)
    return new StateConflictError(
      `the payment provider refused the refund (${message}); nothing was refunded and no credit note was issued`,
    );
  return undefined;
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

/** The error and the errors it was caused by, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let cause = error;
    cause !== undefined && cause !== null && chain.length < 10;
    cause = (cause as { cause?: unknown }).cause
  )
    chain.push(cause);
  return chain;
}
