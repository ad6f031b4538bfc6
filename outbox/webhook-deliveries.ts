import { Webhook } from 'standardwebhooks';
import type { Db } from '../db/connection';
import { retryDelayMs, type OutboxQueue } from './dispatcher';

/** A delivery claimed for sending, with its event and where it goes. */
export interface ClaimedDelivery {
  id: string;
  attempt: number;
  retryFrom: Date;
  url: string;
  secret: string;
  event: { id: string; type: string; createdAt: string; orderId: string; sequence: number; data: unknown };
}

export interface WebhookDeliveryOptions {
  /** `OMS_WEBHOOK_RETRY_FOR`: a delivery that keeps failing is given up this long after its event (or redelivery). */
  retryForMs: number;
  /** How long a receiver may take to answer (SPEC: 10 s). */
  timeoutMs?: number;
}

const CLAIM_SECONDS = 60;

/**
 * Webhook deliveries (SPEC section 6): each event POSTed as JSON to every subscription to its type, signed as
 * Standard Webhooks do (`webhook-id`, `webhook-timestamp`, `webhook-signature`). A non-2xx answer or a timeout is
 * retried with growing delays until the retry window ends; every attempt is logged. Paused subscriptions keep their
 * deliveries pending.
 */
export function webhookDeliveries(db: Db, options: WebhookDeliveryOptions): OutboxQueue<ClaimedDelivery> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: 'webhook deliveries',

    async claim(limit) {
      const { rows } = await db.raw(
        `UPDATE webhook_deliveries d
         SET attempts = d.attempts + 1, claimed_until = now() + make_interval(secs => ?)
         FROM (SELECT due.id FROM webhook_deliveries due
               JOIN webhook_subscriptions s ON s.id = due.subscription_id AND s.active
               WHERE due.status = 'pending' AND due.next_attempt_at <= now()
                 AND (due.claimed_until IS NULL OR due.claimed_until < now())
               ORDER BY due.next_attempt_at LIMIT ? FOR UPDATE OF due SKIP LOCKED) claimed,
             outbound_events e, webhook_subscriptions subscription
         WHERE d.id = claimed.id AND e.id = d.event_id AND subscription.id = d.subscription_id
         RETURNING d.id, d.attempts, d.retry_from, subscription.url, subscription.secret,
           e.id AS event_id, e.type, e.created_at, e.order_id, e.sequence, e.data`,
        [CLAIM_SECONDS, limit],
      );
      return (rows as Record<string, unknown>[]).map((row) => ({
        id: row.id as string,
        attempt: row.attempts as number,
        retryFrom: new Date(row.retry_from as string),
        url: row.url as string,
        secret: row.secret as string,
        event: {
          id: row.event_id as string,
          type: row.type as string,
          createdAt: new Date(row.created_at as string).toISOString(),
          orderId: row.order_id as string,
          sequence: row.sequence as number,
          data: row.data,
        },
      }));
    },

    async send(delivery) {
      const body = JSON.stringify(delivery.event);
      const sentAt = new Date();
      const started = performance.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(delivery.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'oms-webhooks/1',
            'webhook-id': delivery.event.id,
            'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
            'webhook-signature': new Webhook(delivery.secret).sign(delivery.event.id, sentAt, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        statusCode = response.status;
        await response.body?.cancel();
        if (!response.ok) error = `answered ${response.status}`;
      } catch (caught) {
        error = describeFailure(caught, timeoutMs);
      }
      const durationMs = Math.round(performance.now() - started);
      const delivered = error === null;
      const retryAt = new Date(Date.now() + retryDelayMs(delivery.attempt));
      const givenUp = !delivered && retryAt.getTime() > delivery.retryFrom.getTime() + options.retryForMs;
      // Recorded only while this claim holds (the same attempt count): a dispatcher whose claim lapsed and was taken
      // over leaves the outcome to the one that took it.
      await db.raw(
        `WITH attempt AS (
           INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms, error)
           VALUES (:id, :attempt, :at, :statusCode, :durationMs, :error) ON CONFLICT DO NOTHING)
         UPDATE webhook_deliveries SET status = :status, next_attempt_at = :nextAttemptAt, claimed_until = NULL,
           last_status_code = :statusCode, last_error = :error,
           delivered_at = CASE WHEN :delivered THEN now() ELSE delivered_at END
         WHERE id = :id AND attempts = :attempt`,
        {
          id: delivery.id,
          attempt: delivery.attempt,
          at: sentAt,
          statusCode,
          durationMs,
          error,
          status: delivered ? 'delivered' : givenUp ? 'failed' : 'pending',
          nextAttemptAt: delivered || givenUp ? sentAt : retryAt,
          delivered,
        },
      );
    },
  };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return (cause ?? (error instanceof Error ? error.message : String(error))).slice(0, 500);
}
