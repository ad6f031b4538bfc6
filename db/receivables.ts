import type { Knex } from 'knex';

export type PaymentOutcome = 'recorded' | 'duplicate' | 'exceeds_balance';

class ExceedsBalance extends Error {}

/**
 * Records a payment against a receivable (net30 invoice). One guarded UPDATE keeps the paid amount within the
 * invoice total however many payments race; the payer's reference makes a repeated call harmless.
 */
export async function recordInvoicePayment(
  db: Knex,
  number: string,
  amount: number,
  reference: string,
): Promise<PaymentOutcome> {
  try {
    return await db.transaction(async (trx) => {
      const inserted = await trx('invoice_payments')
        .insert({ invoice_number: number, reference, amount })
        .onConflict(['invoice_number', 'reference'])
        .ignore()
        .returning('id');
      if (inserted.length === 0) return 'duplicate' as const;
      const updated = await trx('invoices')
        .where({ number })
        .whereRaw('amount_paid + amount_credited + ? <= total', [amount])
        .increment('amount_paid', amount);
      if (updated === 0) throw new ExceedsBalance(); // rolls the payment row back too
      return 'recorded' as const;
    });
  } catch (error) {
    if (error instanceof ExceedsBalance) return 'exceeds_balance';
    throw error;
  }
}
