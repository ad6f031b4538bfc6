import type { ApiDocRegistry } from '../openapi-registry';
import { auditEntryView, pageOf } from '../response-schemas';
import { auditQuerySchema } from '../schemas';

/** OpenAPI entries of `audit.ts` (mounted at /v1). */
export function auditDocs(doc: ApiDocRegistry): void {
  doc.operation({
    method: 'get',
    operationId: 'listAudit',
    path: '/v1/audit',
    tag: 'Audit',
    summary: 'Who did what: the audit log of every change',
    description:
      'One entry per change that succeeded: every POST, PUT, PATCH and DELETE under /v1 that answered 2xx, ' +
      "and the API keys the CLI created or revoked. Newest first with cursor paging; `actor` is the actor's id.",
    access: ['admin'],
    query: auditQuerySchema,
    responses: {
      200: {
        description: 'A page of entries, and the cursor of the next one (null on the last page)',
        schema: pageOf(auditEntryView),
      },
    },
  });
}
