import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { itemsOf, pickListView, statusReplySchema } from '../response-schemas';
import { confirmPickSchema, pickListQuerySchema } from '../schemas';

/** OpenAPI entries of `pick-lists.ts` (mounted at /v1). */
export function pickListDocs(doc: ApiDocRegistry): void {
  const tag = 'Fulfillment';
  doc.operation({
    method: 'get',
    operationId: 'listPickLists',
    path: '/v1/pick-lists',
    tag,
    summary: 'Pick lists to work on (manual mode)',
    access: ['warehouse'],
    query: pickListQuerySchema,
    responses: {
      200: {
        description: 'Wave by wave, highest priority first, then oldest first',
        schema: itemsOf(pickListView),
        links: { confirmPickList: { id: '$response.body#/items/0/id' } },
      },
    },
  });
  doc.operation({
    method: 'post',
    operationId: 'confirmPickList',
    path: '/v1/pick-lists/{id}/confirm',
    tag,
    summary: 'Confirm what was picked',
    access: ['warehouse'],
    description:
      'Lines not listed were picked in full; a lower `pickedQuantity` is a short pick (re-allocated or backordered).',
    params: z.object({ id: z.string().min(1).openapi({ example: 'PL-ORD-0123456789AB-S1' }) }),
    body: { schema: doc.registry.register('PickConfirmation', confirmPickSchema), required: false },
    responses: { 200: { description: "The order's new status", schema: statusReplySchema } },
    errors: {
      404: 'No such pick list',
      409: 'The pick list or its order no longer accepts a confirmation',
      422: 'The workflow refused the confirmation (e.g. a SKU not on the list)',
    },
  });
}
