import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { invoiceSummaryView, invoiceView, itemsOf } from '../response-schemas';
import { invoicePaymentSchema } from '../schemas';
import { listQuerySchema as invoiceListQuerySchema } from './invoices';

/** OpenAPI entries of `invoices.ts` (mounted at /v1). */
export function invoiceDocs(doc: ApiDocRegistry): void {
  const tag = 'Invoices';
  doc.operation({
    method: 'get',
    operationId: 'listInvoices',
    path: '/v1/invoices',
    tag,
    summary: 'Invoices and credit notes',
    access: 'any',
    query: invoiceListQuerySchema,
    responses: {
      200: {
        description: 'Newest first',
        schema: itemsOf(invoiceSummaryView),
        links: {
          getInvoice: { number: '$response.body#/items/0/number' },
          getInvoicePdf: { number: '$response.body#/items/0/number' },
          recordInvoicePayment: { number: '$response.body#/items/0/number' },
        },
      },
    },
  });
  const number = z.string().min(1).openapi({ example: 'INV-2026-000001' });
  doc.operation({
    method: 'get',
    operationId: 'getInvoice',
    path: '/v1/invoices/{number}',
    tag,
    summary: 'An invoice or credit note, with its lines',
    access: 'any',
    params: z.object({ number }),
    responses: { 200: { description: 'The invoice with its lines', schema: invoiceView } },
    errors: { 404: 'No such invoice' },
  });
  doc.operation({
    method: 'get',
    operationId: 'getInvoicePdf',
    path: '/v1/invoices/{number}.pdf',
    tag,
    summary: 'An invoice or credit note as a PDF document',
    access: 'any',
    params: z.object({ number }),
    responses: {
      200: { description: 'The document', content: { 'application/pdf': z.string().openapi({ format: 'binary' }) } },
    },
    errors: { 404: 'No such invoice' },
  });
  doc.operation({
    method: 'post',
    operationId: 'recordInvoicePayment',
    path: '/v1/invoices/{number}/payments',
    tag,
    summary: 'Record a payment against a net30 invoice',
    access: ['admin'],
    description:
      'The same reference twice is one payment (200, `duplicate: true`); never above the open balance (409).',
    params: z.object({ number: z.string().min(1).openapi({ example: 'INV-2026-000001' }) }),
    body: { schema: doc.registry.register('InvoicePayment', invoicePaymentSchema) },
    responses: {
      201: { description: 'Recorded', schema: z.object({ duplicate: z.boolean(), invoice: invoiceSummaryView }) },
      200: {
        description: 'Already recorded with this reference',
        schema: z.object({ duplicate: z.boolean(), invoice: invoiceSummaryView }),
      },
    },
    errors: { 404: 'No such invoice', 409: 'The amount exceeds the open balance', 422: 'The number is a credit note' },
  });
}
