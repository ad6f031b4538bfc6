import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ApiDocRegistry } from './openapi-registry';
import { auditDocs } from './routes/audit.openapi';
import { catalogDocs } from './routes/catalog.openapi';
import { inventoryDocs } from './routes/inventory.openapi';
import { invoiceDocs } from './routes/invoices.openapi';
import { orderDocs } from './routes/orders.openapi';
import { pickListDocs } from './routes/pick-lists.openapi';
import { reportDocs } from './routes/reports.openapi';
import { returnDocs } from './routes/returns.openapi';
import { shipmentDocs } from './routes/shipments.openapi';
import { trackingDocs } from './routes/tracking.openapi';
import { webhookDocs } from './routes/webhooks.openapi';
import { notificationDocs } from './routes/notifications.openapi';
import { meDocs } from './routes/me.openapi';

/**
 * Every route module's OpenAPI entries (`routes/<module>.openapi.ts`, next to the module they describe). A new
 * route module adds its entry here; `test/integration/openapi.test.ts` fails while a route is undocumented.
 */
const ROUTE_DOCS = [
  catalogDocs,
  inventoryDocs,
  orderDocs,
  pickListDocs,
  shipmentDocs,
  invoiceDocs,
  trackingDocs,
  reportDocs,
  returnDocs,
  webhookDocs,
  notificationDocs,
  meDocs,
  auditDocs,
];

function operationalDocs(doc: ApiDocRegistry): void {
  doc.operation({
    method: 'get',
    operationId: 'health',
    path: '/health',
    tag: 'Operations',
    summary: 'Liveness',
    access: 'public',
    responses: { 200: { description: 'The process is up', schema: z.object({ status: z.literal('ok') }) } },
  });
  const readiness = z.object({
    status: z.enum(['ready', 'not ready']),
    postgres: z.string().openapi({ description: '`ok` or the error' }),
    temporal: z.string().openapi({ description: '`ok` or the error' }),
  });
  doc.operation({
    method: 'get',
    operationId: 'ready',
    path: '/ready',
    tag: 'Operations',
    summary: 'Readiness: PostgreSQL and Temporal reachable',
    access: 'public',
    responses: {
      200: { description: 'Ready', schema: readiness },
      503: {
        description: 'Not ready: a dependency is unreachable (a readiness report, not a problem)',
        schema: readiness,
      },
    },
  });
}

let cached: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas that validate its requests. */
export function openApiDocument() {
  if (cached) return cached;
  const doc = new ApiDocRegistry();
  operationalDocs(doc);
  for (const register of ROUTE_DOCS) register(doc);
  cached = new OpenApiGeneratorV31(doc.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'OMS — order management API',
      version: '1',
      description:
        'Every order is a durable Temporal workflow. Errors are RFC 9457 `application/problem+json` with `errors: [{path, message}]`. ' +
        'Authenticate with `Authorization: Bearer <API key>`; each operation names the roles it needs.',
    },
    servers: [{ url: '/' }],
  });
  return cached;
}
