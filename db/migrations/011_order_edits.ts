import type { Knex } from 'knex';

/**
 * Edits before picking (SPEC section 3, Edits): the number of the last edit written to the order, so a retried
 * `applyOrderEdit` (or a stale attempt of an earlier edit) changes nothing.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('orders', (t) => {
    t.integer('edits').notNullable().defaultTo(0);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('orders', (t) => {
    t.dropColumn('edits');
  });
}
