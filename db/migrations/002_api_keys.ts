import type { Knex } from 'knex';

/**
 * API keys at rest: only the SHA-256 of each key, its role and a non-secret id. In the database (not a file)
 * so `oms keys create` works against any deployment and every API replica sees a new key at once.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('api_keys', (t) => {
    t.text('id').primary();
    t.text('role').notNullable();
    t.specificType('key_sha256', 'char(64)').notNullable().unique();
    t.text('label');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.check(`role IN ('admin', 'sales', 'approver', 'support', 'warehouse', 'carrier')`, [], 'api_keys_role_known');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('api_keys');
}
