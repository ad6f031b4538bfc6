import { z } from 'zod';
import { ROLES } from '../../config';
import type { ApiDocRegistry } from '../openapi-registry';

/** OpenAPI entry of `me.ts` (mounted at /v1). */
export function meDocs(doc: ApiDocRegistry): void {
  doc.operation({
    method: 'get',
    operationId: 'getMe',
    path: '/v1/me',
    tag: 'Session',
    summary: 'The calling key: its role and id',
    description: 'What a client needs to offer only the actions the key may take; the API still checks each request.',
    access: 'any',
    responses: {
      200: {
        description: 'The key’s role and its non-secret id',
        schema: z
          .object({ role: z.enum(ROLES), keyId: z.string().openapi({ example: 'oms_support_1a2b3c4d' }) })
          .openapi('Me'),
      },
    },
  });
}
