import type { Knex } from 'knex';

/**
 * `refund_holds`: a refund of a completed order holds its amount and units against what was charged before the
 * provider is asked, so concurrent refunds count each other; the credit note settles the hold, a refusal releases it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('refund_holds', (t) => {
    // The refund's ID (`<orderId>/refund-<code>`), which is also its workflow's and its credit note's key.
    t.text('refund_id').primary();
    t.text('order_id').notNullable().references('orders.id');
    t.bigInteger('amount').notNullable();
    // The bill the credit note will carry (its lines name the units held).
    t.jsonb('bill').notNullable();
    t.text('status').notNullable().defaultTo('held');
    // Why a hold was released (the provider's refusal).
    t.text('release_reason');
    t.timestamps(true, true);
    t.check(`status IN ('held', 'credited', 'released')`, [], 'refund_holds_status_known');
    t.check('amount > 0', [], 'refund_holds_amount_positive');
  });
  await db.raw(`CREATE INDEX refund_holds_held_by_order ON refund_holds (order_id) WHERE status = 'held'`);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('refund_holds');
}
