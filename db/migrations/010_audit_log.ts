import type { Knex } from 'knex';

/**
 * Who did what (SPEC section 6, Audit): one row per successful mutation through the API, and per API key created
 * or revoked. Append-only; listed newest first, by order or by actor, so each of those has its own index.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    // {type: api_key | carrier_signature | system, id?, role?}: a key's id, never the key.
    t.jsonb('actor').notNullable();
    t.text('action').notNullable();
    t.text('target_type');
    t.text('target_id');
    t.text('order_id');
    t.jsonb('detail');
    // The HTTP answer and the request's X-Request-Id (null for the CLI), to find the request's log line.
    t.smallint('status');
    t.text('request_id');
    t.check(`actor->>'type' IN ('api_key', 'carrier_signature', 'system')`, [], 'audit_log_actor_type_known');
  });
  await db.raw('CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC)');
  await db.raw('CREATE INDEX audit_log_by_order ON audit_log (order_id, at DESC, id DESC) WHERE order_id IS NOT NULL');
  await db.raw(`CREATE INDEX audit_log_by_actor ON audit_log ((actor->>'id'), at DESC, id DESC)`);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('audit_log');
}
