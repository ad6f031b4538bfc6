import type { ApiDocRegistry } from '../openapi-registry';
import { paymentReportView } from '../response-schemas';
import { customersReportSchema, productsReportSchema, salesReportSchema, statusReportSchema } from '../report-schemas';
import {
  customersReportQuerySchema,
  paymentReportQuerySchema,
  productsReportQuerySchema,
  salesReportQuerySchema,
  statusReportQuerySchema,
} from '../schemas';

/** OpenAPI entries of `reports.ts` (mounted at /v1). */
export function reportDocs(doc: ApiDocRegistry): void {
  doc.operation({
    method: 'get',
    operationId: 'paymentReconciliation',
    path: '/v1/reports/payments',
    tag: 'Reports',
    summary: 'Payment reconciliation',
    access: 'any',
    query: paymentReportQuerySchema,
    responses: {
      200: {
        description: "Every order's money and every discrepancy found (none expected)",
        schema: paymentReportView,
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'productsReport',
    path: '/v1/reports/products',
    tag: 'Reports',
    summary: 'Ordered, approved, shipped, returned and cancelled units per SKU',
    access: 'any',
    query: productsReportQuerySchema,
    responses: {
      200: {
        description: 'Per SKU quantities and variance for orders placed in the range',
        schema: productsReportSchema,
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'salesReport',
    path: '/v1/reports/sales',
    tag: 'Reports',
    summary: 'Sales by day or week, with a projection',
    access: 'any',
    query: salesReportQuerySchema,
    responses: {
      200: {
        description: 'Orders, units and net revenue per period and currency; the current and next period projected',
        schema: salesReportSchema,
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'customersReport',
    path: '/v1/reports/customers',
    tag: 'Reports',
    summary: 'Customer performance',
    access: 'any',
    query: customersReportQuerySchema,
    responses: {
      200: {
        description: 'Orders, revenue, returns and outstanding receivables per customer and currency',
        schema: customersReportSchema,
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'statusReport',
    path: '/v1/reports/status',
    tag: 'Reports',
    summary: 'Orders by status over time',
    access: 'any',
    query: statusReportQuerySchema,
    responses: {
      200: {
        description: 'How many orders were in each status at the end of each day or week',
        schema: statusReportSchema,
      },
    },
  });
}
