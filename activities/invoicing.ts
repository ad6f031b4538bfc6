import type { Knex } from 'knex';
import { creditNoteSourceKey } from '../domain/ids';
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

const SERIES = { invoice: 'INV', credit_note: 'CN' } as const;

/**
 * Issues a document once per `sourceKey` (what it is for: a shipment, a refund): a retried activity gets the
 * first one back. `extra` fills the kind's own columns; `after` runs in the same transaction.
 */
async function issueDocument(
  db: Knex,
  input: { kind: keyof typeof SERIES; orderId: string; shipmentId?: string; sourceKey: string; bill: Bill },
  extra: (trx: Knex.Transaction) => Promise<Record<string, unknown>>,
  after: (trx: Knex.Transaction) => Promise<void> = async () => undefined,
): Promise<{ number: string; total: number }> {
  const issued = await db('invoices').where({ source_key: input.sourceKey }).first('number', 'total');
  if (issued) return issued;
  const { bill } = input;
  return db.transaction(async (trx) => {
    const year = new Date().getUTCFullYear();
    const { number, seq } = await nextDocumentNumber(trx, SERIES[input.kind], year);
    await trx('invoices').insert({
      number,
      kind: input.kind,
      series: SERIES[input.kind],
      year,
      seq,
      order_id: input.orderId,
      shipment_id: input.shipmentId ?? null,
      source_key: input.sourceKey,
      currency: bill.currency,
      subtotal: bill.subtotal,
      discount: bill.discount,
      shipping: bill.shipping,
      tax: bill.tax,
      total: bill.total,
      lines: JSON.stringify(bill.lines),
      ...(await extra(trx)),
    });
    await after(trx);
    return { number, total: bill.total };
  });
}

async function paysOnInvoice(trx: Knex.Transaction, orderId: string): Promise<boolean> {
  return (await trx('orders').where({ id: orderId }).first('payment_method')).payment_method === 'invoice';
}

/**
 * Issues a refund's credit note; for net30 orders it reduces what the customer owes (open invoices, oldest
 * first). `guard` runs first in the same transaction and may refuse by throwing.
 */
export function creditNoteFor(
  db: Knex,
  input: { orderId: string; refundId: string; bill: Bill; reason: string },
  guard: (trx: Knex.Transaction) => Promise<void> = async () => undefined,
): Promise<{ number: string; total: number }> {
  return issueDocument(
    db,
    { kind: 'credit_note', orderId: input.orderId, sourceKey: creditNoteSourceKey(input.refundId), bill: input.bill },
    async (trx) => {
      await guard(trx);
      return { note: input.reason };
    },
    async (trx) => {
      if (!(await paysOnInvoice(trx, input.orderId))) return;
      let credit = input.bill.total;
      for (const invoice of await trx('invoices').where({ order_id: input.orderId, kind: 'invoice' }).orderBy('seq').forUpdate()) {
        const applied = Math.min(credit, invoice.total - invoice.amount_paid - invoice.amount_credited);
        if (applied <= 0) continue;
        await trx('invoices').where({ number: invoice.number }).increment('amount_credited', applied);
        credit -= applied;
      }
    },
  );
}

/** Invoices (one per shipment) and credit notes (one per refund), numbered gaplessly per series and year. */
export function createInvoicingActivities({ db }: ActivityDeps) {
  return {
    async issueInvoice(input: { orderId: string; shipmentId: string; bill: Bill }): Promise<{ number: string; total: number }> {
      return issueDocument(db, { kind: 'invoice', orderId: input.orderId, shipmentId: input.shipmentId, sourceKey: `invoice:${input.shipmentId}`, bill: input.bill }, async (trx) => {
        const netTerms = await paysOnInvoice(trx, input.orderId);
        // net30: a receivable due in 30 days; a card payment was captured with the shipment, so it is paid.
        return { due_date: netTerms ? trx.raw(`(now() + interval '30 days')::date`) : null, amount_paid: netTerms ? 0 : input.bill.total };
      });
    },

    /** A credit note for a refund (see creditNoteFor). */
    async issueCreditNote(input: { orderId: string; refundId: string; bill: Bill; reason: string }): Promise<{ number: string; total: number }> {
      return creditNoteFor(db, input);
    },
  };
}
