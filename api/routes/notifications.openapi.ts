import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { notificationDetailView, notificationView, pageOf } from '../response-schemas';
import { notificationsQuerySchema } from '../schemas';

/** OpenAPI entries of `notifications.ts` (mounted at /v1). */
export function notificationDocs(doc: ApiDocRegistry): void {
  const tag = 'Notifications';
  doc.operation({
    method: 'get',
    operationId: 'listNotifications',
    path: '/v1/notifications',
    tag,
    summary: 'Customer emails',
    description:
      'Newest first: order confirmed, shipped, delivered, refunded and cancelled messages, sent over SMTP by the workers (pending while the mail server is down).',
    access: ['support'],
    query: notificationsQuerySchema,
    responses: {
      200: {
        description: 'A page; `nextCursor` fetches the next',
        schema: pageOf(notificationView),
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'getNotification',
    path: '/v1/notifications/{id}',
    tag,
    summary: 'A customer email with its text and HTML bodies',
    access: ['support'],
    params: z.object({ id: z.string().openapi({ example: 'ntf_0123456789abcdef0123456789abcdef' }) }),
    responses: { 200: { description: 'With its bodies', schema: notificationDetailView } },
    errors: { 404: 'No such notification' },
  });
}
