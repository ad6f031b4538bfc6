import type { Knex } from 'knex';
import { creditNoteSourceKey } from '../domain/ids';
import type { Bill } from '../domain/pricing';
import { preparedStatement } from '../db/connection';
import type { OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

export type DocumentSeries = 'INV' | 'CN';

/** A document's number from its series, year and place in the series: `INV-2026-000001`. */
const DOCUMENT_NUMBER = `series || '-' || year || '-' || lpad(last_number::text, 6, '0')`;

/**
 * Takes the next number of series `:series` and year `:year` when `condition` holds: the counter row stays locked
 * until the statement's transaction ends, so numbers are handed out one at a time and a rolled-back document gives
 * its number back. A statement of its own (`nextDocumentNumber`) or a CTE of the invoice's one statement.
 */
const takeDocumentNumber = (condition = 'TRUE') => `INSERT INTO document_sequences (series, year, last_number)
    SELECT CAST(:series AS text), CAST(:year AS integer), 1 WHERE ${condition}
    ON CONFLICT (series, year) DO UPDATE SET last_number = document_sequences.last_number + 1
    RETURNING ${DOCUMENT_NUMBER} AS number, year, last_number AS seq`;

const NEXT_DOCUMENT_NUMBER = preparedStatement<{ number: string; seq: number }>(
  'next-document-number',
  takeDocumentNumber(),
);

/** Takes the next number of a series and year in the caller's transaction (see `takeDocumentNumber`): gapless. */
export async function nextDocumentNumber(
  trx: Knex.Transaction,
  series: DocumentSeries,
  year: number,
): Promise<{ number: string; seq: number }> {
  const [taken] = await NEXT_DOCUMENT_NUMBER.run(trx, { series, year });
  return taken;
}

/** A document's amounts and lines as its columns (invoices and credit notes alike). */
const documentAmounts = ({ currency, subtotal, discount, shipping, tax, total, lines }: Bill) => ({
  currency,
  subtotal,
  discount,
  shipping,
  tax,
  total,
  lines: JSON.stringify(lines),
});

/**
 * Issues a refund's credit note once per refund (a retried activity gets the first one back); for net30 orders it
 * reduces what the customer owes (open invoices, oldest first). A transaction, unlike an invoice's one statement: the
 * credits read what they change.
 */
export async function creditNoteFor(
  db: Knex,
  input: { orderId: string; refundId: string; bill: Bill; reason: string },
): Promise<{ number: string; total: number }> {
  const issued = await db('invoices')
    .where({ source_key: creditNoteSourceKey(input.refundId) })
    .first('number', 'total');
  if (issued) return issued;
  return db.transaction((trx) => issueCreditNoteIn(trx, input));
}

/** Issues a refund's credit note in the caller's transaction (see creditNoteFor), after whatever checks it made there. */
export async function issueCreditNoteIn(
  trx: Knex.Transaction,
  input: { orderId: string; refundId: string; bill: Bill; reason: string },
): Promise<{ number: string; total: number }> {
  const { bill } = input;
  const year = new Date().getUTCFullYear();
  const { number, seq } = await nextDocumentNumber(trx, 'CN', year);
  await trx('invoices').insert({
    number,
    kind: 'credit_note',
    series: 'CN',
    year,
    seq,
    order_id: input.orderId,
    source_key: creditNoteSourceKey(input.refundId),
    ...documentAmounts(bill),
    note: input.reason,
  });
  if ((await trx('orders').where({ id: input.orderId }).first('payment_method')).payment_method === 'invoice') {
    let credit = bill.total;
    for (const invoice of await trx('invoices')
      .where({ order_id: input.orderId, kind: 'invoice' })
      .orderBy('seq')
      .forUpdate()) {
      const applied = Math.min(credit, invoice.total - invoice.amount_paid - invoice.amount_credited);
      if (applied <= 0) continue;
      await trx('invoices').where({ number: invoice.number }).increment('amount_credited', applied);
      credit -= applied;
    }
  }
  return { number, total: bill.total };
}

/** Invoices (one per shipment) and credit notes (one per refund), numbered gaplessly per series and year. */
export function createInvoicingActivities({
  db,
}: ActivityDeps): Pick<OrderActivities, 'issueInvoice' | 'issueCreditNote'> {
  return {
    async issueInvoice(input) {
      const rows = await ISSUE_INVOICE.run(db, {
        orderId: input.orderId,
        shipmentId: input.shipmentId,
        sourceKey: `invoice:${input.shipmentId}`,
        series: 'INV',
        year: new Date().getUTCFullYear(),
        ...documentAmounts(input.bill),
      });
      if (!rows[0]) throw new Error(`order ${input.orderId} does not exist: no invoice for ${input.shipmentId}`);
      return rows[0];
    },

    /** A credit note for a refund (see creditNoteFor). */
    async issueCreditNote(input) {
      return creditNoteFor(db, input);
    },
  };
}

/**
 * A shipment's invoice, issued once per `sourceKey` in one statement: a retry answers with the first invoice. The
 * number is taken in the same statement (`takeDocumentNumber`); if the insert fails (a concurrent attempt issued it
 * first) the whole statement rolls back with its number: gapless.
 * net30: a receivable due in 30 days; a card payment was captured with the shipment, so it is paid.
 */
const ISSUE_INVOICE = preparedStatement<{ number: string; total: number }>(
  'issue-invoice',
  `WITH issued AS (SELECT number, total FROM invoices WHERE source_key = :sourceKey),
  counter AS (${takeDocumentNumber('NOT EXISTS (SELECT 1 FROM issued) AND EXISTS (SELECT 1 FROM orders WHERE id = :orderId)')}),
  created AS (
    INSERT INTO invoices (number, kind, series, year, seq, order_id, shipment_id, source_key, currency, subtotal, discount,
      shipping, tax, total, lines, due_date, amount_paid)
    SELECT counter.number, 'invoice', :series, counter.year, counter.seq, orders.id, :shipmentId, :sourceKey, :currency,
      :subtotal, :discount, :shipping, :tax, CAST(:total AS bigint), CAST(:lines AS jsonb),
      CASE WHEN orders.payment_method = 'invoice' THEN (now() + interval '30 days')::date END,
      CASE WHEN orders.payment_method = 'invoice' THEN 0 ELSE CAST(:total AS bigint) END
    FROM counter, orders WHERE orders.id = :orderId
    RETURNING number, total)
  SELECT number, total FROM created UNION ALL SELECT number, total FROM issued`,
);
