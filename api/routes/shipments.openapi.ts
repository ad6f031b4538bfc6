import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { shipmentView, statusReplySchema } from '../response-schemas';
import { carrierEventSchema } from '../schemas';

export const CARRIER_SIGNATURE = 'carrierSignature';

/** OpenAPI entries of `shipments.ts` (mounted at /v1). */
export function shipmentDocs(doc: ApiDocRegistry): void {
  const tag = 'Fulfillment';
  const id = z.object({ id: z.string().min(1).openapi({ example: 'ORD-0123456789AB-S1' }) });
  doc.registry.registerComponent('securitySchemes', CARRIER_SIGNATURE, {
    type: 'apiKey',
    in: 'header',
    name: 'X-OMS-Signature',
    description: 'Hex HMAC-SHA256 of the raw body with OMS_CARRIER_WEBHOOK_SECRET; instead of a carrier API key.',
  });

  doc.operation({
    method: 'get',
    operationId: 'getShipment',
    path: '/v1/shipments/{id}',
    tag,
    summary: 'Get a shipment',
    access: 'any',
    params: id,
    responses: { 200: { description: 'With carrier, tracking number, lines and events', schema: shipmentView } },
    errors: { 404: 'No such shipment' },
  });
  doc.operation({
    method: 'post',
    operationId: 'recordCarrierEvent',
    path: '/v1/shipments/{id}/events',
    tag,
    summary: "A carrier's tracking event",
    access: ['carrier'],
    extraSecurity: [CARRIER_SIGNATURE],
    description: 'Authenticated by a carrier key or by `X-OMS-Signature` (a wrong signature is 401 whatever the key).',
    params: id,
    body: { schema: doc.registry.register('CarrierEvent', carrierEventSchema) },
    responses: { 200: { description: "The order's new status", schema: statusReplySchema } },
    errors: {
      404: 'No such shipment',
      409: 'The order no longer accepts carrier events',
      422: 'The workflow refused the event',
    },
  });
}
