import type { Knex } from 'knex';

/**
 * The first schema: catalog, stock with its ledger, orders with their read model, shipments, pick lists,
 * payments and invoices. CHECK constraints make oversold or negative stock impossible and unique keys make
 * every side effect happen once, whatever retries Temporal makes.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('products', (t) => {
    t.text('sku').primary();
    t.text('name').notNullable();
    t.bigInteger('unit_price').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.text('tax_code').notNullable();
    t.integer('weight_grams').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('max_order_quantity');
    t.timestamps(true, true);
    t.check('unit_price >= 0', [], 'products_unit_price_non_negative');
    t.check('weight_grams >= 0', [], 'products_weight_non_negative');
    t.check('max_order_quantity IS NULL OR max_order_quantity > 0', [], 'products_max_order_quantity_positive');
  });

  await db.schema.createTable('warehouses', (t) => {
    t.text('code').primary();
    t.text('name').notNullable();
    t.text('region').notNullable();
    t.specificType('country', 'char(2)').notNullable().defaultTo('US');
    t.integer('priority').notNullable().defaultTo(100);
    t.integer('cutoff_hour').notNullable().defaultTo(16);
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.check('cutoff_hour BETWEEN 0 AND 23', [], 'warehouses_cutoff_hour_range');
  });

  await db.schema.createTable('customers', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('email').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.text('tier').notNullable().defaultTo('standard');
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('approval_limit').notNullable();
    t.bigInteger('credit_limit').notNullable().defaultTo(0);
    t.text('payment_terms').notNullable().defaultTo('prepaid');
    t.jsonb('address').notNullable();
    t.timestamps(true, true);
    t.check(`tier IN ('standard', 'priority', 'critical')`, [], 'customers_tier_known');
    t.check(`payment_terms IN ('prepaid', 'net30')`, [], 'customers_payment_terms_known');
    t.check('approval_limit >= 0 AND credit_limit >= 0', [], 'customers_limits_non_negative');
  });

  await db.schema.createTable('tax_rates', (t) => {
    t.text('tax_code').notNullable();
    t.text('country').notNullable();
    t.text('region').notNullable().defaultTo('*');
    t.integer('rate_bps').notNullable();
    t.primary(['tax_code', 'country', 'region']);
    t.check('rate_bps BETWEEN 0 AND 10000', [], 'tax_rates_rate_range');
  });

  await db.schema.createTable('shipping_rates', (t) => {
    t.text('service').notNullable();
    t.integer('zone').notNullable();
    t.integer('max_weight_grams').notNullable();
    t.bigInteger('amount').notNullable();
    t.integer('transit_days').notNullable();
    t.primary(['service', 'zone', 'max_weight_grams']);
    t.check('amount >= 0 AND transit_days >= 0 AND max_weight_grams > 0', [], 'shipping_rates_values');
  });

  await db.schema.createTable('promotions', (t) => {
    t.text('code').primary();
    t.text('type').notNullable();
    t.bigInteger('value').notNullable();
    t.timestamp('valid_from', { useTz: true });
    t.timestamp('valid_to', { useTz: true });
    t.bigInteger('min_order_amount');
    t.integer('usage_limit');
    // Counted in the same statement that checks the limit, so concurrent orders cannot exceed it.
    t.integer('times_used').notNullable().defaultTo(0);
    t.timestamps(true, true);
    t.check(`type IN ('percent', 'fixed')`, [], 'promotions_type_known');
    t.check(`value > 0 AND (type <> 'percent' OR value <= 100)`, [], 'promotions_value_range');
    t.check('usage_limit IS NULL OR times_used <= usage_limit', [], 'promotions_within_usage_limit');
  });

  await db.schema.createTable('stock', (t) => {
    t.text('warehouse_code').notNullable().references('warehouses.code');
    t.text('sku').notNullable().references('products.sku');
    t.integer('on_hand').notNullable().defaultTo(0);
    t.integer('reserved').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['warehouse_code', 'sku']);
    t.check('on_hand >= 0', [], 'stock_on_hand_non_negative');
    t.check('reserved >= 0', [], 'stock_reserved_non_negative');
    t.check('reserved <= on_hand', [], 'stock_not_oversold');
  });

  await db.schema.createTable('stock_ledger', (t) => {
    t.bigIncrements('id');
    t.text('warehouse_code').notNullable();
    t.text('sku').notNullable();
    t.text('reason').notNullable();
    t.integer('on_hand_delta').notNullable();
    t.integer('reserved_delta').notNullable();
    t.text('order_id');
    t.text('reference');
    // One row per movement: a retried activity or API call finds its key taken and moves nothing.
    t.text('movement_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.foreign(['warehouse_code', 'sku']).references(['warehouse_code', 'sku']).inTable('stock');
    t.check(
      `reason IN ('receipt', 'adjustment', 'reserve', 'release', 'ship', 'restock', 'write_off')`,
      [],
      'stock_ledger_reason_known',
    );
    t.index(['sku', 'warehouse_code', 'id']);
    t.index(['order_id']);
  });

  await db.schema.createTable('orders', (t) => {
    t.text('id').primary();
    t.text('tracking_number').notNullable().unique();
    t.text('customer_id').notNullable().references('customers.id');
    t.text('status').notNullable().defaultTo('PENDING');
    t.text('reject_reason');
    t.text('cancel_reason');
    t.jsonb('status_reasons').notNullable().defaultTo('[]');
    t.integer('priority').notNullable();
    t.text('source').notNullable().defaultTo('api');
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('subtotal');
    t.bigInteger('discount');
    t.bigInteger('shipping');
    t.bigInteger('tax');
    t.bigInteger('total');
    t.jsonb('shipping_address').notNullable();
    t.text('payment_method').notNullable();
    t.text('backorder_policy').notNullable();
    t.boolean('expedite').notNullable().defaultTo(false);
    t.text('promotion_code');
    t.text('shipping_service');
    t.bigInteger('shipping_tax');
    t.date('promised_delivery_date');
    // Bumped by every status write; a write carrying an older version is a stale retry and is ignored.
    t.integer('version').notNullable().defaultTo(0);
    t.timestamps(true, true);
    t.check(
      `status IN ('PENDING', 'AWAITING_APPROVAL', 'AUTHORIZING', 'BACKORDERED', 'ALLOCATED', 'PICKING',
      'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'REJECTED', 'CANCELLED')`,
      [],
      'orders_status_known',
    );
    t.check(
      `reject_reason IS NULL OR reject_reason IN ('invalid', 'rejected', 'approval_timeout')`,
      [],
      'orders_reject_reason_known',
    );
    t.check(
      `cancel_reason IS NULL OR cancel_reason IN ('requested', 'payment_declined', 'backorder_expired', 'unavailable')`,
      [],
      'orders_cancel_reason_known',
    );
    t.check('priority BETWEEN 1 AND 5', [], 'orders_priority_range');
    t.check(`payment_method IN ('card', 'invoice')`, [], 'orders_payment_method_known');
    t.check(
      `backorder_policy IN ('ship_available', 'wait_all', 'cancel_unavailable')`,
      [],
      'orders_backorder_policy_known',
    );
    t.index(['created_at', 'id']);
    t.index(['status', 'priority', 'created_at']);
    t.index(['customer_id', 'created_at']);
  });

  await db.schema.createTable('order_lines', (t) => {
    t.text('order_id').notNullable().references('orders.id').onDelete('CASCADE');
    t.integer('line_no').notNullable();
    t.text('sku').notNullable().references('products.sku');
    t.integer('quantity').notNullable();
    t.integer('approved_quantity').notNullable().defaultTo(0);
    t.integer('reserved_quantity').notNullable().defaultTo(0);
    t.integer('picked_quantity').notNullable().defaultTo(0);
    t.integer('shipped_quantity').notNullable().defaultTo(0);
    t.integer('delivered_quantity').notNullable().defaultTo(0);
    t.integer('returned_quantity').notNullable().defaultTo(0);
    t.integer('cancelled_quantity').notNullable().defaultTo(0);
    t.bigInteger('unit_price');
    t.text('tax_code');
    t.integer('tax_rate_bps');
    t.bigInteger('subtotal');
    t.bigInteger('discount');
    t.bigInteger('tax');
    t.bigInteger('total');
    t.primary(['order_id', 'line_no']);
    t.unique(['order_id', 'sku']);
    t.index(['sku']);
    t.check('quantity > 0', [], 'order_lines_quantity_positive');
    // Nothing downstream ever exceeds the approved quantity (SPEC section 3).
    t.check(
      `approved_quantity BETWEEN 0 AND quantity
      AND reserved_quantity BETWEEN 0 AND approved_quantity
      AND picked_quantity BETWEEN 0 AND approved_quantity
      AND shipped_quantity BETWEEN 0 AND approved_quantity
      AND delivered_quantity BETWEEN 0 AND shipped_quantity
      AND returned_quantity BETWEEN 0 AND shipped_quantity
      AND cancelled_quantity >= 0 AND shipped_quantity + cancelled_quantity <= quantity`,
      [],
      'order_lines_quantities_consistent',
    );
  });

  await db.schema.createTable('order_events', (t) => {
    t.text('order_id').notNullable().references('orders.id').onDelete('CASCADE');
    // The workflow numbers its own events, so a retried write lands on the same key.
    t.integer('seq').notNullable();
    t.text('type').notNullable();
    t.text('status');
    t.text('message').notNullable();
    t.jsonb('detail');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['order_id', 'seq']);
  });

  await db.schema.createTable('promotion_redemptions', (t) => {
    t.text('order_id').primary().references('orders.id');
    t.text('code').notNullable().references('promotions.code');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });

  await db.schema.createTable('idempotency_keys', (t) => {
    t.text('scope').notNullable();
    t.text('key').notNullable();
    t.text('request_hash').notNullable();
    t.text('resource_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['scope', 'key']);
  });

  await db.schema.createTable('shipments', (t) => {
    t.text('id').primary();
    t.text('order_id').notNullable().references('orders.id');
    t.integer('seq').notNullable();
    // The workflow's allocation round that created it: a retried allocation finds what it already reserved.
    t.integer('allocation_round').notNullable().defaultTo(1);
    // 'replacement': an exchange's shipment; it moves stock but does not count toward the order's quantities.
    t.text('purpose').notNullable().defaultTo('order');
    t.text('warehouse_code').notNullable().references('warehouses.code');
    t.text('status').notNullable().defaultTo('allocated');
    t.text('carrier');
    t.text('service');
    t.text('carrier_tracking_number').unique();
    t.text('label_ref');
    t.timestamp('shipped_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['order_id', 'seq']);
    t.check(
      `status IN ('allocated', 'picking', 'picked', 'shipped', 'in_transit', 'out_for_delivery', 'delivered',
      'exception', 'cancelled')`,
      [],
      'shipments_status_known',
    );
  });

  await db.schema.createTable('shipment_lines', (t) => {
    t.text('shipment_id').notNullable().references('shipments.id').onDelete('CASCADE');
    t.text('sku').notNullable();
    t.integer('quantity').notNullable();
    t.primary(['shipment_id', 'sku']);
    t.check('quantity > 0', [], 'shipment_lines_quantity_positive');
  });

  await db.schema.createTable('reservations', (t) => {
    t.text('shipment_id').notNullable().references('shipments.id');
    t.text('sku').notNullable();
    t.text('order_id').notNullable().references('orders.id');
    t.text('warehouse_code').notNullable();
    t.integer('quantity').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.timestamps(true, true);
    t.primary(['shipment_id', 'sku']);
    t.index(['order_id']);
    t.check('quantity > 0', [], 'reservations_quantity_positive');
    t.check(`status IN ('active', 'released', 'shipped')`, [], 'reservations_status_known');
  });

  await db.schema.createTable('pick_lists', (t) => {
    t.text('id').primary();
    t.text('shipment_id').notNullable().unique().references('shipments.id');
    t.text('order_id').notNullable().references('orders.id');
    t.text('warehouse_code').notNullable();
    t.integer('priority').notNullable();
    // Pick lists of one warehouse created in the same hour are picked together.
    t.text('wave').notNullable();
    t.text('status').notNullable().defaultTo('open');
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['warehouse_code', 'status', 'wave', 'priority', 'created_at']);
    t.check(`status IN ('open', 'confirmed', 'cancelled')`, [], 'pick_lists_status_known');
  });

  await db.schema.createTable('pick_list_lines', (t) => {
    t.text('pick_list_id').notNullable().references('pick_lists.id').onDelete('CASCADE');
    t.text('sku').notNullable();
    t.integer('quantity').notNullable();
    t.integer('picked_quantity');
    t.primary(['pick_list_id', 'sku']);
    t.check(
      'quantity > 0 AND (picked_quantity IS NULL OR picked_quantity BETWEEN 0 AND quantity)',
      [],
      'pick_list_lines_quantities',
    );
  });

  await db.schema.createTable('shipment_events', (t) => {
    t.bigIncrements('id');
    t.text('shipment_id').notNullable().references('shipments.id');
    t.text('status').notNullable();
    t.text('detail');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('event_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['shipment_id', 'occurred_at']);
  });

  await db.schema.createTable('payment_transactions', (t) => {
    t.text('id').primary();
    t.text('order_id').notNullable().references('orders.id');
    t.text('kind').notNullable();
    t.text('provider').notNullable();
    t.bigInteger('amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.text('status').notNullable();
    t.text('provider_reference');
    t.text('shipment_id');
    t.text('detail');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['order_id']);
    t.check(`kind IN ('authorization', 'capture', 'void', 'refund')`, [], 'payment_transactions_kind_known');
    t.check(`status IN ('succeeded', 'declined')`, [], 'payment_transactions_status_known');
    t.check('amount >= 0', [], 'payment_transactions_amount_non_negative');
  });

  await db.schema.createTable('returns', (t) => {
    // `<orderId>/return-<n>`: also the ID of the return's child workflow.
    t.text('id').primary();
    t.text('order_id').notNullable().references('orders.id');
    t.text('status').notNullable().defaultTo('AWAITING_RECEIPT');
    t.text('resolution').notNullable();
    t.text('reason').notNullable();
    t.jsonb('lines').notNullable();
    t.jsonb('received_lines');
    t.text('refund_id');
    t.text('credit_note');
    t.text('replacement_shipment_id');
    t.timestamps(true, true);
    t.index(['order_id']);
    t.check(
      `status IN ('AWAITING_RECEIPT', 'RECEIVED', 'REFUNDED', 'EXCHANGED', 'CLOSED')`,
      [],
      'returns_status_known',
    );
    t.check(`resolution IN ('refund', 'exchange')`, [], 'returns_resolution_known');
  });

  await db.schema.createTable('document_sequences', (t) => {
    t.text('series').notNullable();
    t.integer('year').notNullable();
    t.integer('last_number').notNullable().defaultTo(0);
    t.primary(['series', 'year']);
  });

  await db.schema.createTable('invoices', (t) => {
    t.text('number').primary();
    t.text('kind').notNullable();
    t.text('series').notNullable();
    t.integer('year').notNullable();
    t.integer('seq').notNullable();
    t.text('order_id').notNullable().references('orders.id');
    t.text('shipment_id');
    // What the document is for (e.g. the shipment it bills): a retried activity finds it already issued.
    t.text('source_key').notNullable().unique();
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('subtotal').notNullable();
    t.bigInteger('discount').notNullable().defaultTo(0);
    t.bigInteger('shipping').notNullable().defaultTo(0);
    t.bigInteger('tax').notNullable();
    t.bigInteger('total').notNullable();
    t.jsonb('lines').notNullable();
    // Why a credit note was issued (the refund's reason).
    t.text('note');
    // Receivables (net30): what has been paid against the invoice and when it falls due.
    t.bigInteger('amount_paid').notNullable().defaultTo(0);
    // Credit notes applied against a receivable (net30 refunds reduce what the customer owes).
    t.bigInteger('amount_credited').notNullable().defaultTo(0);
    t.date('due_date');
    t.check(
      'amount_paid >= 0 AND amount_credited >= 0 AND amount_paid + amount_credited <= total',
      [],
      'invoices_settled_within_total',
    );
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['series', 'year', 'seq']);
    t.index(['order_id']);
    t.check(`kind IN ('invoice', 'credit_note')`, [], 'invoices_kind_known');
  });

  await db.schema.createTable('invoice_payments', (t) => {
    t.bigIncrements('id');
    t.text('invoice_number').notNullable().references('invoices.number');
    // The payer's reference (bank transfer, cheque): recording it twice is a retry, not a second payment.
    t.text('reference').notNullable();
    t.bigInteger('amount').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['invoice_number', 'reference']);
    t.check('amount > 0', [], 'invoice_payments_amount_positive');
  });

  // The sandbox payment provider's own books: it stands in for an outside system, so it keeps its state
  // apart from ours and answers a repeated idempotency key with its first answer.
  await db.schema.createTable('sandbox_payment_operations', (t) => {
    t.text('idempotency_key').primary();
    t.text('operation').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.jsonb('response');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  await db.schema.createTable('sandbox_payment_authorizations', (t) => {
    t.text('id').primary();
    t.bigInteger('amount').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('captured').notNullable().defaultTo(0);
    t.bigInteger('refunded').notNullable().defaultTo(0);
    t.text('status').notNullable();
    // Authorized with tok_flaky: its captures fail transiently too.
    t.boolean('flaky').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.check('captured BETWEEN 0 AND amount', [], 'sandbox_capture_within_authorization');
    t.check('refunded BETWEEN 0 AND captured', [], 'sandbox_refund_within_capture');
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of [
    'sandbox_payment_authorizations',
    'sandbox_payment_operations',
    'invoice_payments',
    'invoices',
    'document_sequences',
    'payment_transactions',
    'returns',
    'shipment_events',
    'pick_list_lines',
    'pick_lists',
    'reservations',
    'shipment_lines',
    'shipments',
    'idempotency_keys',
    'promotion_redemptions',
    'order_events',
    'order_lines',
    'orders',
    'stock_ledger',
    'stock',
    'promotions',
    'shipping_rates',
    'tax_rates',
    'customers',
    'warehouses',
    'products',
  ]) {
    await db.schema.dropTableIfExists(table);
  }
}
