import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { trackingView } from '../response-schemas';

/** OpenAPI entries of `tracking.ts` (mounted at /v1). */
export function trackingDocs(doc: ApiDocRegistry): void {
  doc.operation({
    method: 'get',
    operationId: 'trackOrder',
    path: '/v1/track/{trackingNumber}',
    tag: 'Tracking',
    summary: "A customer's view of an order by its tracking number",
    access: 'public',
    params: z.object({ trackingNumber: z.string().min(1).openapi({ example: 'TRK-0123456789ABCDEFGHJK' }) }),
    responses: { 200: { description: 'Status, items and shipment events; no personal data', schema: trackingView } },
    errors: { 404: 'No order has this tracking number' },
  });
}
