/**
 * What the OMS needs from a payment provider. Every call carries an idempotency key derived from the
 * order and step, so a retry after a timeout can never charge twice.
 */
export interface PaymentProvider {
  readonly name: string;
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(request: CaptureRequest): Promise<{ captureId: string }>;
  void(request: VoidRequest): Promise<void>;
  /** Gives back captured money; never more than was captured. */
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}

export interface AuthorizeRequest {
  idempotencyKey: string;
  orderId: string;
  amount: number;
  currency: string;
  token: string;
}

export type AuthorizeResult =
  { status: 'authorized'; authorizationId: string } | { status: 'declined'; reason: string };

export interface CaptureRequest {
  idempotencyKey: string;
  authorizationId: string;
  amount: number;
  currency: string;
}

export interface VoidRequest {
  idempotencyKey: string;
  authorizationId: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  authorizationId: string;
  amount: number;
  currency: string;
}

/** A failure worth retrying (network, provider outage); anything else is a bug or a business answer. */
export class TransientPaymentError extends Error {
  override name = 'TransientPaymentError';
}
