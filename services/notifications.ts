import type { Row } from '../db/connection';
import { keysetPage } from '../db/paging';
import type { NotificationTemplate } from '../domain/order-events';
import type { ServiceDeps } from './deps';
import { NotFoundError } from './errors';

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface NotificationQuery {
  orderId?: string;
  customerId?: string;
  limit: number;
  /** The `log_seq` the previous page ended at. */
  cursor?: string;
}

const notificationView = (row: Row) => ({
  id: row.id as string,
  orderId: row.order_id as string,
  customerId: row.customer_id as string,
  template: row.template as NotificationTemplate,
  to: row.to as string,
  subject: (row.subject as string | null) ?? null,
  status: row.status as NotificationStatus,
  attempts: row.attempts as number,
  sentAt: row.sent_at ? new Date(row.sent_at).toISOString() : null,
  error: (row.error as string | null) ?? null,
  createdAt: new Date(row.created_at).toISOString(),
});

/** The customer emails the OMS sent or will send (SPEC section 6); the worker's outbox sends them. */
export function createNotifications({ db }: Pick<ServiceDeps, 'db'>) {
  return {
    async listNotifications(query: NotificationQuery) {
      const rows: Row[] = await db('notifications')
        .modify((select) => {
          if (query.orderId) select.where('order_id', query.orderId);
          if (query.customerId) select.where('customer_id', query.customerId);
          if (query.cursor) select.where('log_seq', '<', query.cursor);
        })
        .orderBy('log_seq', 'desc')
        .limit(query.limit + 1);
      const { page, nextCursor } = keysetPage(rows, query.limit, (row) => row.log_seq);
      return { items: page.map(notificationView), nextCursor };
    },

    /** With the text and HTML bodies once rendered (null while it waits for its first attempt). */
    async getNotification(id: string) {
      const row = await db('notifications').where({ id }).first();
      if (!row) throw new NotFoundError(`no notification ${id}`);
      return { ...notificationView(row), text: row.text_body ?? null, html: row.html_body ?? null };
    },
  };
}
