import type { Db, Row } from '../db/connection';
import type { NotificationTemplate } from '../domain/order-events';
import { MailSendError, type Mailer } from '../notifications/mailer';
import type { NotificationContext, TemplateRenderer } from '../notifications/templates';
import { retryDelayMs, type OutboxQueue } from './dispatcher';

/** A customer email claimed for sending. */
export interface ClaimedEmail {
  id: string;
  attempt: number;
  createdAt: Date;
  template: NotificationTemplate;
  to: string;
  data: Record<string, unknown>;
  orderId: string;
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
export function customerEmails(db: Db, options: CustomerEmailOptions): OutboxQueue<ClaimedEmail> {
  const retryForMs = options.retryForMs ?? 3 * 24 * 3_600_000;
  const shopName = options.shopName ?? 'OMS';

  async function contextOf(email: ClaimedEmail): Promise<NotificationContext> {
    const order = await db('orders as o')
      .join('customers as c', 'c.id', 'o.customer_id')
      .where('o.id', email.orderId)
      .first('o.id', 'o.tracking_number', 'o.total', 'o.currency', 'c.name as customer_name');
    const lines: Row[] = await db('order_lines as l')
      .leftJoin('products as p', 'p.sku', 'l.sku')
      .where('l.order_id', email.orderId)
      .orderBy('l.line_no')
      .select('l.sku', 'l.quantity', 'p.name');
    const data = email.data;
    return {
      customer: { name: order.customer_name },
      order: {
        id: order.id,
        trackingNumber: order.tracking_number,
        ...(order.total !== null ? { total: { amount: Number(order.total), currency: order.currency } } : {}),
        lines: lines.map((line) => ({
          sku: line.sku,
          quantity: line.quantity,
          ...(line.name ? { name: line.name } : {}),
        })),
      },
      trackingUrl: `${options.publicUrl}/track/${encodeURIComponent(order.tracking_number)}`,
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
      const { rows } = await db.raw(
        `UPDATE notifications n SET attempts = n.attempts + 1, claimed_until = now() + make_interval(secs => ?)
         FROM (SELECT id FROM notifications
               WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
               ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) due
         WHERE n.id = due.id
         RETURNING n.id, n.attempts, n.created_at, n.template, n."to", n.data, n.order_id`,
        [CLAIM_SECONDS, limit],
      );
      return (rows as Row[]).map((row) => ({
        id: row.id,
        attempt: row.attempts,
        createdAt: new Date(row.created_at),
        template: row.template,
        to: row.to,
        data: row.data ?? {},
        orderId: row.order_id,
      }));
    },

    async send(email) {
      let rendered;
      try {
        rendered = options.renderer.render(email.template, await contextOf(email));
      } catch (error) {
        // A template a business broke: the message fails with why; fixing the template and resending is by hand.
        await settle(email, { status: 'failed', error: `template ${email.template}: ${messageOf(error)}` });
        return;
      }
      const bodies = { subject: rendered.subject, text_body: rendered.text, html_body: rendered.html };
      try {
        const sent = await options.mailer.send({ to: email.to, ...rendered, messageId: `${email.id}@oms` });
        await settle(email, {
          status: 'sent',
          message_id: sent.messageId,
          sent_at: new Date(),
          error: null,
          ...bodies,
        });
      } catch (error) {
        const permanent = error instanceof MailSendError && error.permanent;
        const retryAt = new Date(Date.now() + retryDelayMs(email.attempt, 3_600_000));
        const givenUp = permanent || retryAt.getTime() > email.createdAt.getTime() + retryForMs;
        await settle(email, {
          status: givenUp ? 'failed' : 'pending',
          next_attempt_at: retryAt,
          error: messageOf(error).slice(0, 1000),
          ...bodies,
        });
      }
    },
  };

  /** Only while this claim holds (the same attempt): one that lapsed and was taken over leaves it to the taker. */
  async function settle(email: ClaimedEmail, update: Record<string, unknown>): Promise<void> {
    await db('notifications')
      .where({ id: email.id, attempts: email.attempt })
      .update({ ...update, claimed_until: null });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
