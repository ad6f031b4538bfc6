import type { ApiDocRegistry } from '../openapi-registry';
import { paymentReportView } from '../response-schemas';
import { paymentReportQuerySchema } from '../schemas';

/** OpenAPI entries of `reports.ts` (mounted at /v1). */
export function reportDocs(doc: ApiDocRegistry): void {
  doc.operation({
    method: 'get', operationId: 'paymentReconciliation', path: '/v1/reports/payments', tag: 'Reports', summary: 'Payment reconciliation', access: 'any', query: paymentReportQuerySchema,
    responses: { 200: { description: "Every order's money and every discrepancy found (none expected)", schema: paymentReportView } },
  });
}
