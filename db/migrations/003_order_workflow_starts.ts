import type { Knex } from 'knex';

/**
 * The outbox of order workflows to start. An accepted order and its start request are written in one transaction;
 * the row goes once the workflow has started, so a row older than a few seconds is an order whose start failed
 * (Temporal unreachable, the API stopped in between) and the sweeper starts it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('order_workflow_starts', (t) => {
    t.text('order_id').primary().references('id').inTable('orders').onDelete('CASCADE');
    t.jsonb('start').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('order_workflow_starts');
}
