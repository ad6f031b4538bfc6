import { preparedStatement, type Db } from '../db/connection';
import type { NotificationTemplate } from '../domain/order-events';
import { MailSendError, type Mailer } from '../notifications/mailer';
import type { NotificationContext, TemplateRenderer } from '../notifications/templates';
import { retryDelayMs, type OutboxQueue } from './dispatcher';

/** A customer email claimed for sending, with what its template needs to know of the order. */
export interface ClaimedEmail {
  id: string;
  attempt: number;
  createdAt: Date;
  template: NotificationTemplate;
  to: string;
  data: Record<string, unknown>;
  order: { id: string; trackingNumber: string; total: number | null; currency: string; customerName: string };
  lines: { sku: string; quantity: number; name: string | null }[];
}

/** How an attempt went, as `settle` records it (the rendered bodies are kept on the row). */
export interface EmailOutcome {
  id: string;
  attempt: number;
  status: 'sent' | 'pending' | 'failed';
  nextAttemptAt: string | null;
  messageId: string | null;
  error: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
}

export interface CustomerEmailOptions {
  mailer: Mailer;
  renderer: TemplateRenderer;
  /** Where the tracking page is (`<publicUrl>/track/<trackingNumber>`). */
  publicUrl: string;
  shopName?: string;
  /** A message the mail server keeps refusing for a transient reason is given up after this long (3 days). */
  retryForMs?: number;
}

const CLAIM_SECONDS = 60;

/**
 * Customer emails (SPEC section 6): rendered from the templates when first sent (the bodies are kept, so the API
 * shows what went out), sent over SMTP with the notification's id as Message-ID. A mail server that is down delays
 * them: transient failures retry with growing delays (at most an hour apart); a permanent refusal (an unknown
 * mailbox) fails the message with the server's answer. Orders never wait for mail.
 */
export function customerEmails(db: Db, options: CustomerEmailOptions): OutboxQueue<ClaimedEmail, EmailOutcome> {
  const retryForMs = options.retryForMs ?? 3 * 24 * 3_600_000;
  const shopName = options.shopName ?? 'OMS';

  function contextOf({ order, lines, data }: ClaimedEmail): NotificationContext {
    return {
      customer: { name: order.customerName },
      order: {
        id: order.id,
        trackingNumber: order.trackingNumber,
        ...(order.total !== null ? { total: { amount: Number(order.total), currency: order.currency } } : {}),
        lines: lines.map((line) => ({
          sku: line.sku,
          quantity: line.quantity,
          ...(line.name ? { name: line.name } : {}),
        })),
      },
      trackingUrl: `${options.publicUrl}/track/${encodeURIComponent(order.trackingNumber)}`,
      shopName,
      ...(typeof data.shipmentId === 'string'
        ? {
            shipment: {
              id: data.shipmentId,
              carrier: String(data.carrier ?? ''),
              carrierTrackingNumber: String(data.carrierTrackingNumber ?? ''),
            },
          }
        : {}),
      ...(typeof data.refundId === 'string'
        ? {
            refund: {
              amount: Number(data.amount),
              currency: String(data.currency),
              ...(typeof data.creditNote === 'string' ? { creditNote: data.creditNote } : {}),
              ...(typeof data.reason === 'string' ? { reason: data.reason } : {}),
            },
          }
        : {}),
      ...(typeof data.cancelReason === 'string' ? { cancelReason: data.cancelReason } : {}),
    };
  }

  return {
    name: 'customer emails',

    async claim(limit) {
      const rows = await CLAIM_EMAILS.run(db, { limit, claimSeconds: CLAIM_SECONDS });
      return rows.map((row) => ({
        id: row.id,
        attempt: row.attempts,
        createdAt: new Date(row.created_at),
        template: row.template,
        to: row.to,
        data: row.data ?? {},
        order: {
          id: row.order_id,
          trackingNumber: row.tracking_number,
          total: row.total === null ? null : Number(row.total),
          currency: row.currency,
          customerName: row.customer_name,
        },
        lines: row.lines ?? [],
      }));
    },

    async send(email) {
      const outcome = { id: email.id, attempt: email.attempt, messageId: null, nextAttemptAt: null };
      let rendered;
      try {
        rendered = options.renderer.render(email.template, contextOf(email));
      } catch (error) {
        // A template a business broke: the message fails with why; fixing the template and resending is by hand.
        const why = `template ${email.template}: ${messageOf(error)}`;
        return { ...outcome, status: 'failed', error: why, subject: null, text: null, html: null };
      }
      const bodies = { subject: rendered.subject, text: rendered.text, html: rendered.html };
      try {
        const sent = await options.mailer.send({ to: email.to, ...rendered, messageId: `${email.id}@oms` });
        return { ...outcome, ...bodies, status: 'sent', messageId: sent.messageId, error: null };
      } catch (error) {
        const permanent = error instanceof MailSendError && error.permanent;
        const retryAt = new Date(Date.now() + retryDelayMs(email.attempt, 3_600_000));
        const givenUp = permanent || retryAt.getTime() > email.createdAt.getTime() + retryForMs;
        return {
          ...outcome,
          ...bodies,
          status: givenUp ? 'failed' : 'pending',
          nextAttemptAt: retryAt.toISOString(),
          error: messageOf(error).slice(0, 1000),
        };
      }
    },

    async settle(outcomes) {
      if (outcomes.length > 0) await SETTLE_EMAILS.run(db, { outcomes: JSON.stringify(outcomes) });
    },
  };
}

/** Due emails, oldest due first, with the order, the customer's name and the lines their templates show. */
const CLAIM_EMAILS = preparedStatement<{
  id: string;
  attempts: number;
  created_at: string;
  template: NotificationTemplate;
  to: string;
  data: Record<string, unknown> | null;
  order_id: string;
  tracking_number: string;
  total: string | number | null;
  currency: string;
  customer_name: string;
  lines: { sku: string; quantity: number; name: string | null }[] | null;
}>(
  'claim-customer-emails',
  `UPDATE notifications n SET attempts = n.attempts + 1, claimed_until = now() + make_interval(secs => :claimSeconds)
   FROM (SELECT id FROM notifications
         WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED) due,
     orders o, customers c
   WHERE n.id = due.id AND o.id = n.order_id AND c.id = o.customer_id
   RETURNING n.id, n.attempts, n.created_at, n.template, n."to", n.data, n.order_id, o.tracking_number, o.total,
     o.currency, c.name AS customer_name,
     (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'name', p.name) ORDER BY l.line_no)
      FROM order_lines l LEFT JOIN products p ON p.sku = l.sku WHERE l.order_id = n.order_id) AS lines`,
);

/** Outcomes taken only while the claim holds (the same attempt): one that lapsed and was taken over is the taker's. */
const SETTLE_EMAILS = preparedStatement(
  'settle-customer-emails',
  `UPDATE notifications n SET status = o.status, next_attempt_at = coalesce(o."nextAttemptAt", n.next_attempt_at),
     claimed_until = NULL, message_id = coalesce(o."messageId", n.message_id), error = o.error,
     sent_at = CASE WHEN o.status = 'sent' THEN now() ELSE n.sent_at END,
     subject = coalesce(o.subject, n.subject), text_body = coalesce(o.text, n.text_body),
     html_body = coalesce(o.html, n.html_body)
   FROM jsonb_to_recordset(CAST(:outcomes AS jsonb)) AS o(id text, attempt integer, status text,
     "nextAttemptAt" timestamptz, "messageId" text, error text, subject text, text text, html text)
   WHERE n.id = o.id AND n.attempts = o.attempt`,
);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
