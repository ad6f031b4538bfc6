import { Router } from 'express';
import { invoiceSummaryView } from '../../db/orders';
import type { ApiDeps } from '../app';
import { notFound } from '../problem';

/** Invoices and credit notes. */
export function invoiceRoutes({ db, auth }: ApiDeps): Router {
  const router = Router();

  router.get('/invoices', auth.anyRole, async (req, res) => {
    const query = db('invoices').orderBy([{ column: 'issued_at', order: 'desc' }, { column: 'number', order: 'desc' }]).limit(200);
    if (typeof req.query.orderId === 'string') query.where({ order_id: req.query.orderId });
    res.json({ items: (await query).map(invoiceSummaryView) });
  });

  router.get('/invoices/:number', auth.anyRole, async (req, res) => {
    const invoice = await db('invoices').where({ number: String(req.params.number) }).first();
    if (!invoice) throw notFound(`no invoice ${req.params.number}`);
    res.json({ ...invoiceSummaryView(invoice), lines: invoice.lines });
  });

  return router;
}
