import { z } from 'zod';
import { RETURN_STATUSES } from '../../domain/order';
import type { ApiDocRegistry } from '../openapi-registry';
import { returnView } from '../response-schemas';
import { receiveReturnSchema } from '../schemas';

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
    description: 'Resellable units are restocked, damaged ones written off.',
    params: id,
    body: { schema: doc.registry.register('ReturnReceipt', receiveReturnSchema) },
    responses: {
      200: { description: "The return's new status", schema: z.object({ status: z.enum(RETURN_STATUSES) }) },
    },
    errors: {
      404: 'No such return',
      409: 'The return was already received or settled',
      422: 'The workflow refused the receipt (e.g. lines not on the return)',
    },
  });
}
