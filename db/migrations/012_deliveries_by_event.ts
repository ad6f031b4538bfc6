import type { Knex } from 'knex';

/**
 * An order's webhook deliveries (`GET /v1/webhooks/deliveries?orderId=`) are found through its events: without this
 * index every delivery of every subscription would be read to find them.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id)`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw(`DROP INDEX webhook_deliveries_by_event`);
}
