import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { itemsOf, ledgerEntryView, pageOf, stockLevelView, stockMoveView } from '../response-schemas';
import {
  adjustmentSchema,
  idempotencyKeySchema,
  inventoryQuerySchema,
  ledgerQuerySchema,
  receiptSchema,
} from '../schemas';

/** OpenAPI entries of `inventory.ts` (mounted at /v1/inventory). */
export function inventoryDocs(doc: ApiDocRegistry): void {
  const tag = 'Inventory';
  const unknownReference = 'The warehouse or the product does not exist (each named in `errors`)';

  doc.operation({
    method: 'post',
    operationId: 'receiveStock',
    path: '/v1/inventory/receipts',
    tag,
    summary: 'Receive stock',
    access: ['warehouse'],
    description:
      'Idempotent by (warehouse, sku, reference): the same reference again moves nothing (200, `duplicate: true`). Starts a restock workflow that resumes the orders waiting for the SKU; its start is durable (retried in the background if Temporal is unreachable), so the receipt answers either way.',
    headers: z.object({
      'Idempotency-Key': idempotencyKeySchema.optional().openapi({
        description:
          'the same key and body again moves nothing (200, `duplicate: true`); with another body 422. Scoped per API key',
      }),
    }),
    body: { schema: doc.registry.register('Receipt', receiptSchema) },
    responses: {
      201: { description: 'Received', schema: stockMoveView.extend({ restockWorkflow: z.string() }) },
      200: {
        description: 'Already received with this reference: nothing moved',
        schema: stockMoveView.extend({ restockWorkflow: z.string() }),
      },
    },
    errors: {
      409: 'The receipt would take the stock row beyond 2147483647 units',
      422: `${unknownReference}, or the Idempotency-Key was used with another body`,
    },
  });
  doc.operation({
    method: 'post',
    operationId: 'adjustStock',
    path: '/v1/inventory/adjustments',
    tag,
    summary: 'Correct stock',
    access: ['warehouse'],
    description:
      'Idempotent by the optional `Idempotency-Key` header (scoped per API key). A positive adjustment resumes the orders waiting for the SKU, as a receipt does.',
    headers: z.object({
      'Idempotency-Key': idempotencyKeySchema.optional().openapi({
        description: 'the same key and body again moves nothing (200, `duplicate: true`); with another body 422',
      }),
    }),
    body: { schema: doc.registry.register('Adjustment', adjustmentSchema) },
    responses: {
      201: { description: 'Adjusted', schema: stockMoveView },
      200: { description: 'Already applied with this Idempotency-Key: nothing moved', schema: stockMoveView },
    },
    errors: {
      409: 'The adjustment would take on-hand stock below what is reserved, or beyond 2147483647 units',
      422: `${unknownReference}, or the Idempotency-Key was used with another body`,
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'listStockLevels',
    path: '/v1/inventory',
    tag,
    summary: 'Stock levels',
    access: 'any',
    query: inventoryQuerySchema,
    responses: { 200: { description: 'Per SKU and warehouse', schema: itemsOf(stockLevelView) } },
  });
  doc.operation({
    method: 'get',
    operationId: 'listStockMovements',
    path: '/v1/inventory/ledger',
    tag,
    summary: 'Stock movements',
    access: 'any',
    query: ledgerQuerySchema,
    responses: {
      200: { description: 'Newest first, a page; `nextCursor` fetches the next', schema: pageOf(ledgerEntryView) },
    },
  });
}
