import type { Knex } from 'knex';

/**
 * - `restock_workflow_starts`: the outbox of restock runs. A stock movement that may serve waiting orders (a receipt,
 *   a positive adjustment, a release, a restocked return) writes its run's start request in its own transaction; the
 *   row goes once the run has started, so one older than a few seconds is a start that failed and the sweeper
 *   retries it (as `order_workflow_starts` does for orders).
 * - `order_lines_open_by_sku`: the lines still missing units, which a restock offers stock to; small, since a line
 *   leaves it once its units are shipped, reserved or cancelled.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('restock_workflow_starts', (t) => {
    t.text('workflow_id').primary();
    t.text('sku').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.index(['created_at']);
  });
  // The predicate is db/backorders.ts's OPEN_UNITS: queries that repeat it use this index.
  await db.raw(
    `CREATE INDEX order_lines_open_by_sku ON order_lines (sku, order_id)
     WHERE approved_quantity > shipped_quantity + reserved_quantity + (cancelled_quantity - (quantity - approved_quantity))`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX IF EXISTS order_lines_open_by_sku');
  await db.schema.dropTableIfExists('restock_workflow_starts');
}
