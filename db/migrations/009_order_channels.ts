import type { Knex } from 'knex';

/**
 * Channels (SPEC section 3): where an order came from (`channel`, `api` for every order before this), the ID it has
 * there (`external_id`, unique per channel) and the caller's own `metadata` (string keys and values).
 *
 * Indexes for `GET /v1/orders` (db/orders.ts `listOrders`):
 * - the unique (channel, external_id) index also answers `channel` + `externalId`;
 * - (channel, created_at, id): a channel's orders newest first, as the list pages them;
 * - lower(external_id) with text_pattern_ops: `q`'s case-insensitive prefix match on external IDs (and `externalId`
 *   alone), whatever the database's collation. Both are partial: orders without an external ID cost nothing there.
 * `q` matches order IDs and tracking numbers exactly (their primary and unique keys) and customer names as a
 * substring of the customers table, a scan of that (much smaller) table, then orders by (customer_id, created_at):
 * no trigram index, no extension.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('orders', (t) => {
    t.text('channel').notNullable().defaultTo('api');
    t.text('external_id');
    t.jsonb('metadata');
    t.index(['channel', 'created_at', 'id'], 'orders_channel_created_at');
  });
  // Named in db/orders.ts: placing an order answers 409 when this index refuses it.
  await db.raw(
    'CREATE UNIQUE INDEX orders_channel_external_id_unique ON orders (channel, external_id) WHERE external_id IS NOT NULL',
  );
  await db.raw(
    `CREATE INDEX orders_external_id_lower ON orders (lower(external_id) text_pattern_ops) WHERE external_id IS NOT NULL`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX IF EXISTS orders_external_id_lower');
  await db.raw('DROP INDEX IF EXISTS orders_channel_external_id_unique');
  await db.schema.alterTable('orders', (t) => {
    t.dropIndex(['channel', 'created_at', 'id'], 'orders_channel_created_at');
    t.dropColumn('channel');
    t.dropColumn('external_id');
    t.dropColumn('metadata');
  });
}
