import type { Db } from '../db/connection';
import { invoiceSummaryView } from '../db/orders';
import { recordInvoicePayment, type PaymentOutcome } from '../db/receivables';
import { NotFoundError, RuleViolationError, StateConflictError } from './errors';

export interface InvoicePayment {
  amount: number;
  /** The payer's reference: the same one twice is one payment. */
  reference: string;
}

/** Payments received against net30 receivables. */
export function createInvoicePayments({ db }: { db: Db }) {
  return {
    /** Recorded once per reference; never above the open balance (StateConflictError), never on a credit note. */
    async payInvoice(
      number: string,
      payment: InvoicePayment,
    ): Promise<{
      outcome: Exclude<PaymentOutcome, 'exceeds_balance'>;
      invoice: ReturnType<typeof invoiceSummaryView>;
    }> {
      const invoice = await db('invoices').where({ number }).first('kind', 'total', 'amount_paid', 'amount_credited');
      if (!invoice) throw new NotFoundError(`no invoice ${number}`);
      if (invoice.kind !== 'invoice')
        throw new RuleViolationError(`${number} is a credit note; payments go against invoices`, [
          { path: 'params.number', message: 'not an invoice' },
        ]);
      const outcome = await recordInvoicePayment(db, number, payment.amount, payment.reference);
      if (outcome === 'exceeds_balance') {
        throw new StateConflictError(
          `${payment.amount} is more than the ${invoice.total - invoice.amount_paid - invoice.amount_credited} still open on ${number}`,
          [{ path: 'body.amount', message: 'exceeds the balance' }],
        );
      }
      const updated = await db('invoices').where({ number }).first();
      return { outcome, invoice: invoiceSummaryView(updated) };
    },
  };
}
