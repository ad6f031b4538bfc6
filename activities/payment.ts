import { ApplicationFailure } from '@temporalio/activity';
import { TransientPaymentError } from '../adapters/payments/provider';
import { preparedStatement } from '../db/connection';
import { PAYMENT_PROVIDER_ERROR, type OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

/**
 * Payment steps: authorize the order total, capture per shipment, void what will never ship. Each call to
 * the provider carries an idempotency key made of the order and the step, and each outcome is recorded once
 * in `payment_transactions` under a key of the same shape.
 */
export function createPaymentActivities({
  db,
  payments,
}: ActivityDeps): Pick<OrderActivities, 'authorizePayment' | 'capturePayment' | 'refundPayment' | 'voidAuthorization'> {
  async function record(row: {
    id: string;
    orderId: string;
    kind: string;
    amount: number;
    currency: string;
    status: string;
    reference?: string;
    shipmentId?: string;
    detail?: string;
  }) {
    await RECORD_PAYMENT.run(db, {
      id: row.id,
      orderId: row.orderId,
      kind: row.kind,
      provider: payments.name,
      amount: row.amount,
      currency: row.currency,
      status: row.status,
      reference: row.reference ?? null,
      shipmentId: row.shipmentId ?? null,
      detail: row.detail ?? null,
    });
  }

  /** Provider outages are retried by Temporal; anything else the provider throws is not worth retrying. */
  async function callProvider<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof TransientPaymentError) throw error;
      throw ApplicationFailure.nonRetryable((error as Error).message, PAYMENT_PROVIDER_ERROR);
    }
  }

  return {
    async authorizePayment(input) {
      // An edit's re-authorization is a new authorization: its own key, its own record.
      const edit = input.reauthorizationForEdit === undefined ? '' : `:edit-${input.reauthorizationForEdit}`;
      const result = await callProvider(() =>
        payments.authorize({
          idempotencyKey: `${input.orderId}:authorize${edit}`,
          orderId: input.orderId,
          amount: input.amount,
          currency: input.currency,
          token: input.token,
        }),
      );
      await record({
        id: `${input.orderId}:authorization${edit}`,
        orderId: input.orderId,
        kind: 'authorization',
        amount: input.amount,
        currency: input.currency,
        status: result.status === 'authorized' ? 'succeeded' : 'declined',
        reference: result.status === 'authorized' ? result.authorizationId : undefined,
        detail: result.status === 'declined' ? result.reason : undefined,
      });
      return result;
    },

    /** Captures what one shipment costs (the workflow's bill for it). */
    async capturePayment(input) {
      const { captureId } = await callProvider(() =>
        payments.capture({
          idempotencyKey: `${input.orderId}:capture:${input.shipmentId}`,
          authorizationId: input.authorizationId,
          amount: input.amount,
          currency: input.currency,
        }),
      );
      await record({
        id: `${input.orderId}:capture:${input.shipmentId}`,
        orderId: input.orderId,
        kind: 'capture',
        amount: input.amount,
        currency: input.currency,
        status: 'succeeded',
        reference: captureId,
        shipmentId: input.shipmentId,
      });
    },

    /** Gives captured money back (a support refund); keyed on the refund, so it happens once. */
    async refundPayment(input) {
      const { refundId } = await callProvider(() =>
        payments.refund({
          idempotencyKey: input.refundId,
          authorizationId: input.authorizationId,
          amount: input.amount,
          currency: input.currency,
        }),
      );
      await record({
        id: input.refundId,
        orderId: input.orderId,
        kind: 'refund',
        amount: input.amount,
        currency: input.currency,
        status: 'succeeded',
        reference: refundId,
        detail: input.reason,
      });
    },

    /** Releases the part of the authorization that will never be captured. */
    async voidAuthorization(input) {
      // The authorization an edit replaced is voided under that edit's key, so the order's last void still happens.
      const key = `${input.orderId}:void${input.replacedByEdit === undefined ? '' : `:edit-${input.replacedByEdit}`}`;
      await callProvider(() => payments.void({ idempotencyKey: key, authorizationId: input.authorizationId }));
      await record({
        id: key,
        orderId: input.orderId,
        kind: 'void',
        amount: input.amount,
        currency: input.currency,
        status: 'succeeded',
        reference: input.authorizationId,
      });
    },
  };
}

/** A provider call's outcome, recorded once under its key (a retry finds it there). */
const RECORD_PAYMENT = preparedStatement(
  'record-payment',
  `INSERT INTO payment_transactions (id, order_id, kind, provider, amount, currency, status, provider_reference, shipment_id, detail)
   VALUES (:id, :orderId, :kind, :provider, :amount, :currency, :status, :reference, :shipmentId, :detail)
   ON CONFLICT (id) DO NOTHING`,
);
