/** A part of a request a rule refused, named as the client sent it (`body.lines.0.sku`, `header.Idempotency-Key`). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * A request the business rules refuse. Services throw these without knowing about HTTP; api/problem.ts answers
 * each kind with its status (404, 409, 422, 503).
 */
export abstract class DomainError extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** What the request names (an order, a pick list, an invoice, ...) does not exist. */
export class NotFoundError extends DomainError {}

/** The current state does not allow it (an order already shipped, a duplicate, a balance exceeded). */
export class StateConflictError extends DomainError {}

/** The order's external ID is already used in its channel, by `existingOrderId`; nothing was written. */
export class DuplicateExternalIdError extends StateConflictError {
  constructor(
    readonly channel: string,
    readonly externalId: string,
    readonly existingOrderId: string,
  ) {
    super(`externalId ${externalId} is already used in channel ${channel} by order ${existingOrderId}`, [
      { path: 'body.externalId', message: `already used in channel ${channel} by order ${existingOrderId}` },
    ]);
  }
}

/** Well formed, but refers to unknown or inactive things, breaks an entry rule, or reuses an Idempotency-Key. */
export class RuleViolationError extends DomainError {}

/** The order's workflow is recovering from a worker failure: the same request, retried shortly, succeeds. */
export class OrderRecoveringError extends DomainError {}
