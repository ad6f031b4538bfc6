import type { Knex } from 'knex';

const STATUSES_BEFORE = `'PENDING', 'AWAITING_APPROVAL', 'AUTHORIZING', 'BACKORDERED', 'ALLOCATED', 'PICKING',
  'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'REJECTED', 'CANCELLED'`;
const CANCEL_REASONS_BEFORE = `'requested', 'payment_declined', 'backorder_expired', 'unavailable'`;
const SHIPMENT_STATUSES_BEFORE = `'allocated', 'picking', 'picked', 'shipped', 'in_transit', 'out_for_delivery',
  'delivered', 'exception', 'cancelled'`;

/**
 * Holds (SPEC section 3): an order ON_HOLD keeps why (`hold_reason`) and the status it left (`held_from`); a hold
 * not released in time cancels it (`hold_expired`). A shipment not delivered within the delivery timeout is `lost`.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('orders', (t) => {
    t.text('hold_reason');
    t.text('held_from');
  });
  await replaceCheck(db, 'orders', 'orders_status_known', `status IN (${STATUSES_BEFORE}, 'ON_HOLD')`);
  await replaceCheck(
    db,
    'orders',
    'orders_cancel_reason_known',
    `cancel_reason IS NULL OR cancel_reason IN (${CANCEL_REASONS_BEFORE}, 'hold_expired')`,
  );
  await replaceCheck(db, 'shipments', 'shipments_status_known', `status IN (${SHIPMENT_STATUSES_BEFORE}, 'lost')`);
}

export async function down(db: Knex): Promise<void> {
  await replaceCheck(db, 'shipments', 'shipments_status_known', `status IN (${SHIPMENT_STATUSES_BEFORE})`);
  await replaceCheck(
    db,
    'orders',
    'orders_cancel_reason_known',
    `cancel_reason IS NULL OR cancel_reason IN (${CANCEL_REASONS_BEFORE})`,
  );
  await replaceCheck(db, 'orders', 'orders_status_known', `status IN (${STATUSES_BEFORE})`);
  await db.schema.alterTable('orders', (t) => {
    t.dropColumn('hold_reason');
    t.dropColumn('held_from');
  });
}

async function replaceCheck(db: Knex, table: string, name: string, condition: string): Promise<void> {
  await db.raw(`ALTER TABLE ?? DROP CONSTRAINT ??, ADD CONSTRAINT ?? CHECK (${condition})`, [table, name, name]);
}
