import { Router } from 'express';
import { z } from 'zod';
import { findCustomer } from '../../db/catalog';
import { invoiceSummaryView } from '../../db/orders';
import { renderInvoicePdf } from '../../documents/invoice-pdf';
import type { ApiDeps } from '../deps';
import { notFound, parse } from '../problem';
import { invoicePaymentSchema, plainText } from '../schemas';

export const listQuerySchema = z.strictObject({
  orderId: plainText(64).optional(),
  status: z.enum(['open', 'paid', 'overdue', 'credit']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** Invoices and credit notes: JSON, PDF, and payments against net30 receivables. */
export function invoiceRoutes({ db, auth, services }: ApiDeps): Router {
  const router = Router();

  router.get('/invoices', auth.anyRole, async (req, res) => {
    const filter = parse(listQuerySchema, req.query, 'query');
    const query = db('invoices')
      .orderBy([
        { column: 'issued_at', order: 'desc' },
        { column: 'number', order: 'desc' },
      ])
      .limit(filter.limit);
    if (filter.orderId) query.where({ order_id: filter.orderId });
    if (filter.status === 'credit') query.where({ kind: 'credit_note' });
    if (filter.status === 'paid') query.where({ kind: 'invoice' }).whereRaw('amount_paid + amount_credited >= total');
    if (filter.status === 'open')
      query
        .where({ kind: 'invoice' })
        .whereRaw('amount_paid + amount_credited < total')
        .where((q) => q.whereNull('due_date').orWhere('due_date', '>=', db.raw('current_date')));
    if (filter.status === 'overdue')
      query
        .where({ kind: 'invoice' })
        .whereRaw('amount_paid + amount_credited < total')
        .where('due_date', '<', db.raw('current_date'));
    res.json({ items: (await query).map(invoiceSummaryView) });
  });

  async function invoiceNamed(number: string) {
    const invoice = await db('invoices').where({ number }).first();
    if (!invoice) throw notFound(`no invoice ${number}`);
    return invoice;
  }

  /** `/v1/invoices/INV-2026-000001.pdf` is the document (registered first: it is the more specific path). */
  router.get('/invoices/:number.pdf', auth.anyRole, async (req, res) => {
    const invoice = await invoiceNamed(String(req.params.number));
    const order = await db('orders').where({ id: invoice.order_id }).first('customer_id', 'shipping_address');
    const customer = await findCustomer(db, order.customer_id);
    const document = await renderInvoicePdf({
      number: invoice.number,
      kind: invoice.kind,
      issuedAt: new Date(invoice.issued_at),
      dueDate: invoice.due_date,
      orderId: invoice.order_id,
      customer: {
        id: order.customer_id,
        name: customer?.name ?? order.customer_id,
        address: customer?.address ?? order.shipping_address,
      },
      currency: invoice.currency,
      lines: invoice.lines,
      subtotal: invoice.subtotal,
      discount: invoice.discount,
      shipping: invoice.shipping,
      tax: invoice.tax,
      total: invoice.total,
      amountPaid: invoice.amount_paid,
      amountCredited: invoice.amount_credited,
    });
    res.type('application/pdf').setHeader('Content-Disposition', `inline; filename="${invoice.number}.pdf"`);
    res.send(document);
  });

  /** `/v1/invoices/INV-2026-000001` is the invoice (or credit note) as JSON, with its lines. */
  router.get('/invoices/:number', auth.anyRole, async (req, res) => {
    const invoice = await invoiceNamed(String(req.params.number));
    res.json({ ...invoiceSummaryView(invoice), lines: invoice.lines });
  });

  /** A payment received against a net30 invoice; the same reference twice is recorded once (200). */
  router.post('/invoices/:number/payments', auth.requireRole('admin'), async (req, res) => {
    const payment = parse(invoicePaymentSchema, req.body);
    const { outcome, invoice } = await services.payInvoice(String(req.params.number), payment);
    res.status(outcome === 'recorded' ? 201 : 200).json({ duplicate: outcome === 'duplicate', invoice });
  });

  return router;
}
