import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Row } from '../db/connection';
import { keysetPage } from '../db/paging';
import type { OrderEventType } from '../domain/order-events';
import type { ServiceDeps } from './deps';
import { NotFoundError } from './errors';

/** What a subscription listens to: event types, or `*` for all. */
export type SubscribedEvents = (OrderEventType | '*')[];

export interface NewSubscription {
  url: string;
  events: SubscribedEvents;
  description?: string;
}

export interface SubscriptionPatch {
  url?: string;
  events?: SubscribedEvents;
  description?: string | null;
  active?: boolean;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryQuery {
  status?: DeliveryStatus;
  limit: number;
  /** The `log_seq` the previous page ended at. */
  cursor?: string;
}

/** One order's deliveries, to every subscription. */
export interface OrderDeliveryQuery extends DeliveryQuery {
  orderId: string;
}

const subscriptionView = (row: Row) => ({
  id: row.id as string,
  url: row.url as string,
  events: row.events as SubscribedEvents,
  description: (row.description as string | null) ?? null,
  active: row.active as boolean,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

const deliveryView = (row: Row, attempts: Row[]) => ({
  id: row.id as string,
  subscriptionId: row.subscription_id as string,
  eventId: row.event_id as string,
  eventType: row.type as OrderEventType,
  orderId: row.order_id as string,
  sequence: row.sequence as number,
  status: row.status as DeliveryStatus,
  attempts: attempts.map((attempt) => ({
    attempt: attempt.attempt as number,
    at: new Date(attempt.at).toISOString(),
    statusCode: (attempt.status_code as number | null) ?? null,
    durationMs: attempt.duration_ms as number,
    error: (attempt.error as string | null) ?? null,
  })),
  nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
  deliveredAt: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
  createdAt: new Date(row.created_at).toISOString(),
});

/**
 * A delivery as an order's page lists it: to which subscription, and how its attempts went so far (the whole log is
 * the subscription's).
 */
const orderDeliveryView = (row: Row, delivery: ReturnType<typeof deliveryView>) => {
  const { attempts, ...rest } = delivery;
  return {
    ...rest,
    subscriptionUrl: row.subscription_url as string,
    attemptCount: attempts.length,
    lastAttempt: attempts.at(-1) ?? null,
  };
};

/** A Standard Webhooks signing secret: `whsec_` and 24 random bytes in base64, shown once. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const newSubscriptionId = () => `whk_${randomBytes(8).toString('hex')}`;

/**
 * Webhook subscriptions and their delivery log (SPEC section 6). Events are recorded with the order's own writes and
 * sent by the worker's dispatcher (outbox/webhook-dispatcher.ts); here admins subscribe, pause, resume and look.
 */
export function createWebhooks({ db }: Pick<ServiceDeps, 'db'>) {
  async function subscriptionRow(id: string, trx: Knex = db): Promise<Row> {
    const row = await trx('webhook_subscriptions').where({ id }).first();
    if (!row) throw new NotFoundError(`no webhook subscription ${id}`);
    return row;
  }

  async function deliveryRows(where: (query: Knex.QueryBuilder) => void, limit?: number) {
    const query = db('webhook_deliveries as d')
      .join('outbound_events as e', 'e.id', 'd.event_id')
      .select('d.*', 'e.type', 'e.order_id', 'e.sequence')
      .orderBy('d.log_seq', 'desc')
      .modify(where);
    if (limit) query.limit(limit);
    const rows: Row[] = await query;
    const attempts = rows.length
      ? await db('webhook_attempts')
          .whereIn(
            'delivery_id',
            rows.map((row) => row.id),
          )
          .orderBy('attempt')
      : [];
    return rows.map((row) => ({
      row,
      view: deliveryView(
        row,
        attempts.filter((attempt) => attempt.delivery_id === row.id),
      ),
    }));
  }

  /** A page of the delivery log, newest first, of the deliveries `where` picks. */
  async function deliveryPage(query: DeliveryQuery, where: (select: Knex.QueryBuilder) => void) {
    const rows = await deliveryRows((select) => {
      where(select);
      if (query.status) select.where('d.status', query.status);
      if (query.cursor) select.where('d.log_seq', '<', query.cursor);
    }, query.limit + 1);
    return keysetPage(rows, query.limit, (delivery) => delivery.row.log_seq);
  }

  return {
    /** The secret is in this answer only. */
    async createWebhook(subscription: NewSubscription) {
      const [row] = await db('webhook_subscriptions')
        .insert({
          id: newSubscriptionId(),
          url: subscription.url,
          events: unique(subscription.events),
          description: subscription.description ?? null,
          secret: newSecret(),
        })
        .returning('*');
      return { ...subscriptionView(row), secret: row.secret as string };
    },

    async listWebhooks() {
      const rows = await db('webhook_subscriptions').orderBy('created_at').orderBy('id');
      return { items: rows.map(subscriptionView) };
    },

    async getWebhook(id: string) {
      return subscriptionView(await subscriptionRow(id));
    },

    /** A resumed subscription gets what waited while it was paused, with a full retry window from now. */
    async updateWebhook(id: string, patch: SubscriptionPatch) {
      return db.transaction(async (trx) => {
        const before = await subscriptionRow(id, trx);
        const [row] = await trx('webhook_subscriptions')
          .where({ id })
          .update({
            ...(patch.url !== undefined ? { url: patch.url } : {}),
            ...(patch.events !== undefined ? { events: unique(patch.events) } : {}),
            ...(patch.description !== undefined ? { description: patch.description } : {}),
            ...(patch.active !== undefined ? { active: patch.active } : {}),
            updated_at: trx.fn.now(),
          })
          .returning('*');
        if (patch.active === true && !before.active) {
          await trx('webhook_deliveries')
            .where({ subscription_id: id, status: 'pending' })
            .update({ retry_from: trx.fn.now(), next_attempt_at: trx.fn.now() });
        }
        return subscriptionView(row);
      });
    },

    /** Its deliveries and their log go with it. */
    async deleteWebhook(id: string) {
      const deleted = await db('webhook_subscriptions').where({ id }).delete();
      if (deleted === 0) throw new NotFoundError(`no webhook subscription ${id}`);
    },

    async listDeliveries(id: string, query: DeliveryQuery) {
      await subscriptionRow(id);
      const { page, nextCursor } = await deliveryPage(query, (select) => select.where('d.subscription_id', id));
      return { items: page.map((delivery) => delivery.view), nextCursor };
    },

    /** Every subscription's deliveries of one order's events (none for an unknown order), newest first. */
    async listOrderDeliveries(query: OrderDeliveryQuery) {
      const { page, nextCursor } = await deliveryPage(query, (select) =>
        select
          .join('webhook_subscriptions as s', 's.id', 'd.subscription_id')
          .select('s.url as subscription_url')
          .where('e.order_id', query.orderId),
      );
      return { items: page.map(({ row, view }) => orderDeliveryView(row, view)), nextCursor };
    },

    /** Sent again as soon as a dispatcher is free (a delivered one too), retried for a whole window again. */
    async redeliver(id: string, deliveryId: string) {
      await subscriptionRow(id);
      const updated = await db('webhook_deliveries').where({ id: deliveryId, subscription_id: id }).update({
        status: 'pending',
        next_attempt_at: db.fn.now(),
        retry_from: db.fn.now(),
        claimed_until: null,
      });
      if (updated === 0) throw new NotFoundError(`no delivery ${deliveryId} of webhook subscription ${id}`);
      const [delivery] = await deliveryRows((select) => select.where('d.id', deliveryId));
      return delivery.view;
    },
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
