import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { TransientPaymentError, type PaymentProvider } from './provider';

export interface StripeSettings {
  secretKey: string;
  /** Another API base, e.g. stripe-mock's `http://127.0.0.1:12111`; default Stripe's own. */
  apiBase?: string;
}

/**
 * Stripe adapter: one manual-capture PaymentIntent per order. Authorize = create and confirm it, capture =
 * capture part of it for one shipment, void = cancel it (Stripe releases whatever is still capturable), refund = a
 * refund against it. Every call carries the OMS idempotency key as Stripe's `Idempotency-Key`, so a retried
 * activity never charges twice. Temporal retries, so the SDK's own retries are off.
 *
 * A split order captures once per shipment: the PaymentIntent asks for multicapture and every capture says
 * `final_capture: false`, so Stripe keeps the rest of the authorization for the next shipment. A backorder may wait
 * longer than a card authorization's usual 7 days, so it asks for an extended authorization too (up to 30 days).
 * Both are granted only where the account and the card support them (`if_available`).
 */
export function createStripePaymentProvider(settings: StripeSettings): PaymentProvider {
  const base = settings.apiBase ? new URL(settings.apiBase) : undefined;
  const stripe = new Stripe(settings.secretKey, {
    maxNetworkRetries: 0,
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });

  /** Network trouble, Stripe outages and rate limits are worth retrying; a bad request is not. */
  async function call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const transient =
        error instanceof Stripe.errors.StripeConnectionError ||
        error instanceof Stripe.errors.StripeAPIError ||
        error instanceof Stripe.errors.StripeRateLimitError ||
        (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500);
      if (transient) throw new TransientPaymentError(`stripe: ${(error as Error).message}`);
      throw error;
    }
  }

  return {
    name: 'stripe',

    async authorize(request) {
      try {
        const intent = await call(() =>
          stripe.paymentIntents.create(
            {
              amount: request.amount,
              currency: request.currency.toLowerCase(),
              payment_method: request.token,
              capture_method: 'manual',
              confirm: true,
              payment_method_options: {
                card: { request_multicapture: 'if_available', request_extended_authorization: 'if_available' },
              },
              metadata: { order_id: request.orderId },
            },
            { idempotencyKey: stripeKey(request.idempotencyKey) },
          ),
        );
        if (intent.status !== 'requires_capture')
          return { status: 'declined', reason: `payment intent is ${intent.status}` };
        return { status: 'authorized', authorizationId: intent.id };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError)
          return { status: 'declined', reason: error.decline_code ?? error.code ?? 'card_declined' };
        throw error;
      }
    },

    async capture(request) {
      const intent = await call(() =>
        stripe.paymentIntents.capture(
          request.authorizationId,
          { amount_to_capture: request.amount, final_capture: false },
          { idempotencyKey: stripeKey(request.idempotencyKey) },
        ),
      );
      return { captureId: typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.id };
    },

    async void(request) {
      await call(() =>
        stripe.paymentIntents.cancel(
          request.authorizationId,
          { cancellation_reason: 'abandoned' },
          { idempotencyKey: stripeKey(request.idempotencyKey) },
        ),
      );
    },

    async refund(request) {
      const refund = await call(() =>
        stripe.refunds.create(
          { payment_intent: request.authorizationId, amount: request.amount },
          { idempotencyKey: stripeKey(request.idempotencyKey) },
        ),
      );
      return { refundId: refund.id };
    },
  };
}

/**
 * Stripe takes idempotency keys of up to 255 characters; ours can be longer (an order ID plus a client's own
 * Idempotency-Key of up to 255). A longer key is sent as its SHA-256, which is as unique and as stable.
 */
export function stripeKey(idempotencyKey: string): string {
  return idempotencyKey.length <= 255
    ? idempotencyKey
    : `sha256:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
}
