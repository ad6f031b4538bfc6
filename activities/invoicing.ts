import type { Knex } from 'knex';
import type { Bill } from '../domain/pricing';
import type { ActivityDeps } from './deps';

export type DocumentSeries = 'INV' | 'CN';

/**
 * Takes the next number of a series and year. The counter row is locked until the caller's transaction
 * ends, so numbers are handed out one at a time and a rolled-back document gives its number back: gapless.
 */
export async function nextDocumentNumber(trx: Knex.Transaction, series: DocumentSeries, year: number): Promise<{ number: string; seq: number }> {
  const [{ last_number: seq }] = await trx('document_sequences')
    .insert({ series, year, last_number: 1 })
    .onConflict(['series', 'year'])
    .merge({ last_number: trx.raw('document_sequences.last_number + 1') })
    .returning('last_number');
  return { number: `${series}-${year}-${String(seq).padStart(6, '0')}`, seq };
}

/** One invoice per shipment, numbered gaplessly, with the shipment's lines and their tax. */
export function createInvoicingActivities({ db }: ActivityDeps) {
  return {
    async issueInvoice(input: { orderId: string; shipmentId: string; bill: Bill }): Promise<{ number: string; total: number }> {
      const { bill } = input;
      const sourceKey = `invoice:${input.shipmentId}`;
      const issued = await db('invoices').where({ source_key: sourceKey }).first('number', 'total');
      if (issued) return issued;
      return db.transaction(async (trx) => {
        const year = new Date().getUTCFullYear();
        const { number, seq } = await nextDocumentNumber(trx, 'INV', year);
        const netTerms = (await trx('orders').where({ id: input.orderId }).first('payment_method')).payment_method === 'invoice';
        await trx('invoices').insert({
          number,
          kind: 'invoice',
          series: 'INV',
          year,
          seq,
          order_id: input.orderId,
          shipment_id: input.shipmentId,
          source_key: sourceKey,
          currency: bill.currency,
          subtotal: bill.subtotal,
          discount: bill.discount,
          shipping: bill.shipping,
          tax: bill.tax,
          total: bill.total,
          lines: JSON.stringify(bill.lines),
          // net30: a receivable due in 30 days; a card payment was captured with the shipment, so it is paid.
          due_date: netTerms ? trx.raw(`(now() + interval '30 days')::date`) : null,
          amount_paid: netTerms ? 0 : bill.total,
        });
        return { number, total: bill.total };
      });
    },

    /**
     * A credit note for a refund (numbered in the CN series). For net30 orders it also reduces what the customer
     * owes: the credit is applied to the order's open invoices, oldest first.
     */
    async issueCreditNote(input: { orderId: string; refundId: string; bill: Bill; reason: string }): Promise<{ number: string; total: number }> {
      const { bill } = input;
      const sourceKey = `credit:${input.refundId}`;
      const issued = await db('invoices').where({ source_key: sourceKey }).first('number', 'total');
      if (issued) return issued;
      return db.transaction(async (trx) => {
        const year = new Date().getUTCFullYear();
        const { number, seq } = await nextDocumentNumber(trx, 'CN', year);
        await trx('invoices').insert({
          number,
          kind: 'credit_note',
          series: 'CN',
          year,
          seq,
          order_id: input.orderId,
          source_key: sourceKey,
          currency: bill.currency,
          subtotal: bill.subtotal,
          discount: bill.discount,
          shipping: bill.shipping,
          tax: bill.tax,
          total: bill.total,
          lines: JSON.stringify(bill.lines),
        });
        const netTerms = (await trx('orders').where({ id: input.orderId }).first('payment_method')).payment_method === 'invoice';
        let credit = netTerms ? bill.total : 0;
        const open = credit > 0 ? await trx('invoices').where({ order_id: input.orderId, kind: 'invoice' }).orderBy('seq').forUpdate() : [];
        for (const invoice of open) {
          const applied = Math.min(credit, invoice.total - invoice.amount_paid - invoice.amount_credited);
          if (applied <= 0) continue;
          await trx('invoices').where({ number: invoice.number }).increment('amount_credited', applied);
          credit -= applied;
        }
        return { number, total: bill.total };
      });
    },
  };
}
