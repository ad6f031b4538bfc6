import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { ORDER_EVENT_TYPES } from '../../domain/order-events';
import {
  createdWebhookView,
  orderWebhookDeliveryView,
  pageOf,
  webhookDeliveryView,
  webhookView,
} from '../response-schemas';
import { deliveriesQuerySchema, orderDeliveriesQuerySchema, webhookPatchSchema, webhookSchema } from '../schemas';

/** OpenAPI entries of `webhooks.ts` (mounted at /v1). */
export function webhookDocs(doc: ApiDocRegistry): void {
  const tag = 'Webhooks';
  const access = ['admin'] as const;
  const id = z.object({ id: z.string().openapi({ example: 'whk_0123456789abcdef' }) });
  const notFound = { 404: 'No such subscription' };
  doc.operation({
    method: 'post',
    operationId: 'createWebhook',
    path: '/v1/webhooks',
    tag,
    summary: 'Subscribe a URL to order events',
    description:
      'Each event is POSTed as JSON `{id, type, createdAt, orderId, sequence, data}` (`sequence` counts the order’s events) and signed as Standard Webhooks do: `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed with the base64-decoded secret. A non-2xx answer or no answer within 10 s is retried with growing delays for `OMS_WEBHOOK_RETRY_FOR`.',
    access: [...access],
    body: { schema: doc.registry.register('NewWebhookSubscription', webhookSchema) },
    responses: {
      201: {
        description: 'The subscription with its secret (shown this once)',
        schema: createdWebhookView,
        links: { getWebhook: { id: '$response.body#/id' }, listWebhookDeliveries: { id: '$response.body#/id' } },
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'listWebhooks',
    path: '/v1/webhooks',
    tag,
    summary: 'Subscriptions',
    access: [...access],
    responses: { 200: { description: 'Oldest first', schema: z.object({ items: z.array(webhookView) }) } },
  });
  doc.operation({
    method: 'get',
    operationId: 'listWebhookEventTypes',
    path: '/v1/webhooks/event-types',
    tag,
    summary: 'Event types a subscription may name',
    description:
      'Every type an order sends (SPEC section 6); `"*"` in `events` subscribes to all, also types added later.',
    access: [...access],
    responses: {
      200: {
        description: 'In the order they are documented',
        schema: z.object({ items: z.array(z.enum(ORDER_EVENT_TYPES)) }),
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'listOrderWebhookDeliveries',
    path: '/v1/webhooks/deliveries',
    tag,
    summary: "An order's deliveries, to every subscription",
    description:
      "Newest first: each delivery of the order's events with its subscription, status, how many attempts were made and how the last one went. An unknown order has none. A subscription's own log (`GET /v1/webhooks/{id}/deliveries`) has every attempt.",
    access: [...access],
    query: orderDeliveriesQuerySchema,
    responses: {
      200: { description: 'A page; `nextCursor` fetches the next', schema: pageOf(orderWebhookDeliveryView) },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'getWebhook',
    path: '/v1/webhooks/{id}',
    tag,
    summary: 'A subscription',
    access: [...access],
    params: id,
    responses: { 200: { description: 'Without its secret', schema: webhookView } },
    errors: notFound,
  });
  doc.operation({
    method: 'patch',
    operationId: 'updateWebhook',
    path: '/v1/webhooks/{id}',
    tag,
    summary: 'Change, pause or resume a subscription',
    description:
      'Paused (`active: false`), its events wait; resumed, they go out, retried for a whole `OMS_WEBHOOK_RETRY_FOR` from then.',
    access: [...access],
    params: id,
    body: { schema: doc.registry.register('WebhookSubscriptionPatch', webhookPatchSchema) },
    responses: { 200: { description: 'The subscription', schema: webhookView } },
    errors: notFound,
  });
  doc.operation({
    method: 'delete',
    operationId: 'deleteWebhook',
    path: '/v1/webhooks/{id}',
    tag,
    summary: 'Unsubscribe',
    description: 'Its pending deliveries and its delivery log go with it.',
    access: [...access],
    params: id,
    responses: { 204: { description: 'Deleted' } },
    errors: notFound,
  });
  doc.operation({
    method: 'get',
    operationId: 'listWebhookDeliveries',
    path: '/v1/webhooks/{id}/deliveries',
    tag,
    summary: 'The delivery log',
    description: 'Newest first, each delivery with its attempts (status code, duration, error).',
    access: [...access],
    params: id,
    query: deliveriesQuerySchema,
    responses: {
      200: {
        description: 'A page; `nextCursor` fetches the next',
        schema: pageOf(webhookDeliveryView),
      },
    },
    errors: notFound,
  });
  doc.operation({
    method: 'post',
    operationId: 'redeliverWebhook',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    tag,
    summary: 'Send a delivery again',
    description: 'Delivered, failed or pending: it goes out again as soon as a dispatcher is free.',
    access: [...access],
    params: z.object({ id: id.shape.id, deliveryId: z.string().openapi({ example: 'dlv_0123456789abcdef' }) }),
    responses: { 202: { description: 'The delivery, pending again', schema: webhookDeliveryView } },
    errors: { 404: 'No such subscription, or no such delivery of it' },
  });
}
