import type { Knex } from 'knex';

/**
 * A timeline entry that cancels units keeps which (`cancelled_units`, `{sku: units}`), so that when a retried
 * workflow task writes another entry at its seq, the cancellation the dead task wrote is undone with it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('order_events', (t) => {
    t.jsonb('cancelled_units');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('order_events', (t) => {
    t.dropColumn('cancelled_units');
  });
}
