import { z } from 'zod';
import { RETURN_STATUSES } from '../../domain/order';
import type { ApiDocRegistry } from '../openapi-registry';
import { returnView } from '../response-schemas';
import { idempotencyKeySchema, receiveReturnSchema } from '../schemas';

/** OpenAPI entries of `returns.ts` (mounted at /v1). */
export function returnDocs(doc: ApiDocRegistry): void {
  const tag = 'Returns';
  const id = z.object({
    id: z
      .string()
      .min(1)
      .openapi({ description: '`<orderId>/return-<n>`, URL-encoded (%2F)', example: 'ORD-0123456789AB/return-1' }),
  });
  doc.operation({
    method: 'get',
    operationId: 'getReturn',
    path: '/v1/returns/{id}',
    tag,
    summary: 'Get a return',
    access: 'any',
    params: id,
    responses: { 200: { description: 'With its status, lines, refund or replacement', schema: returnView } },
    errors: { 404: 'No such return' },
  });
  doc.operation({
    method: 'post',
    operationId: 'receiveReturn',
    path: '/v1/returns/{id}/receive',
    tag,
    summary: 'Goods back at the warehouse',
    access: ['warehouse'],
    description:
      'Resellable units are restocked (and offered to orders waiting for them), damaged ones written off. Each line names a SKU on the return, each SKU and condition once, and no more units of a SKU than the return has (422 otherwise).',
    params: id,
    headers: z.object({
      'Idempotency-Key': idempotencyKeySchema.optional().openapi({
        description:
          'a retry with the same key and body answers as the first request did; with another body 422. Scoped per API key',
      }),
    }),
    body: { schema: doc.registry.register('ReturnReceipt', receiveReturnSchema) },
    responses: {
      200: { description: "The return's new status", schema: z.object({ status: z.enum(RETURN_STATUSES) }) },
    },
    errors: {
      404: 'No such return',
      409: 'The return was already received or settled',
      422: 'A line names a SKU not on the return, a SKU and condition twice, or more units than the return has; or the Idempotency-Key was used with another body',
      503: 'The return is recovering from a worker failure; retry with the same Idempotency-Key',
    },
  });
}
