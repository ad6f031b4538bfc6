import { ApplicationFailure } from '@temporalio/workflow';
import { INVALID_ORDER_REQUEST, ORDER_STATE_CONFLICT } from '../contract';

/** Refuses a request the order's (or return's) state does not allow: the API answers 409 with the message. */
export function conflict(message: string): never {
  throw ApplicationFailure.create({ type: ORDER_STATE_CONFLICT, message, nonRetryable: true });
}

/** Refuses a request that cannot be applied as sent: the API answers 422 with the message. */
export function invalid(message: string): never {
  throw ApplicationFailure.create({ type: INVALID_ORDER_REQUEST, message, nonRetryable: true });
}
