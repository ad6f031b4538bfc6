import type { Knex } from 'knex';

/**
 * Events out (SPEC section 6): each order's events with their per-order `sequence`, webhook subscriptions, one
 * delivery per (subscription, event) with its attempts, and the customer emails. Events, deliveries and emails are
 * written by `emit_order_events` in the same transaction as the record that causes them (the order's row, its
 * timeline entries), so none is lost and none is written twice; dispatchers in the worker send them.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('customers', (t) => {
    t.boolean('notifications').notNullable().defaultTo(true);
  });
  // Who asked for a timeline entry (SPEC section 6, Audit): null for the system's own steps.
  await db.schema.alterTable('order_events', (t) => {
    t.jsonb('actor');
  });

  await db.schema.createTable('order_event_counters', (t) => {
    t.text('order_id').primary().references('orders.id');
    t.integer('last_sequence').notNullable();
  });

  await db.schema.createTable('outbound_events', (t) => {
    t.text('id').primary();
    t.text('order_id').notNullable().references('orders.id');
    t.integer('sequence').notNullable();
    t.text('type').notNullable();
    // What the event is about (`order`, `shipment:<id>`, `t:<seq>:<status>`): the same fact is one event.
    t.text('key').notNullable();
    t.jsonb('data').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['order_id', 'sequence']);
    t.unique(['order_id', 'type', 'key']);
  });

  await db.schema.createTable('webhook_subscriptions', (t) => {
    t.text('id').primary();
    t.text('url').notNullable();
    t.specificType('events', 'text[]').notNullable();
    t.text('description');
    t.text('secret').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamps(true, true);
  });

  await db.schema.createTable('webhook_deliveries', (t) => {
    t.text('id').primary();
    // The delivery log's order (newest first) and its paging cursor.
    t.bigIncrements('log_seq', { primaryKey: false });
    t.text('subscription_id').notNullable().references('webhook_subscriptions.id').onDelete('CASCADE');
    t.text('event_id').notNullable().references('outbound_events.id');
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    // Retried for OMS_WEBHOOK_RETRY_FOR from then: the event, a redelivery by hand, or the subscription's resume.
    t.timestamp('retry_from', { useTz: true }).notNullable().defaultTo(db.fn.now());
    // A dispatcher's claim: another one takes the delivery over once it lapses (a worker killed mid-send).
    t.timestamp('claimed_until', { useTz: true });
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['subscription_id', 'event_id']);
    t.check(`status IN ('pending', 'delivered', 'failed')`, [], 'webhook_deliveries_status_known');
  });
  await db.raw(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
  await db.raw(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, log_seq DESC)`);

  await db.schema.createTable('webhook_attempts', (t) => {
    t.text('delivery_id').notNullable().references('webhook_deliveries.id').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('status_code');
    t.integer('duration_ms').notNullable();
    t.text('error');
    t.primary(['delivery_id', 'attempt']);
  });

  await db.schema.createTable('notifications', (t) => {
    t.text('id').primary();
    t.bigIncrements('log_seq', { primaryKey: false });
    t.text('order_id').notNullable().references('orders.id');
    t.text('customer_id').notNullable();
    t.text('template').notNullable();
    // What the message is about (`order`, `shipment:<id>`, `refund:<id>`): one message per fact.
    t.text('key').notNullable();
    t.jsonb('data').notNullable();
    t.text('to').notNullable();
    t.text('subject');
    t.text('text_body');
    t.text('html_body');
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('claimed_until', { useTz: true });
    t.text('message_id');
    t.text('error');
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['order_id', 'template', 'key']);
    t.check(`status IN ('pending', 'sent', 'failed')`, [], 'notifications_status_known');
  });
  await db.raw(`CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending'`);
  await db.raw(`CREATE INDEX notifications_by_customer ON notifications (customer_id, log_seq DESC)`);
  await db.raw(`CREATE INDEX notifications_by_order ON notifications (order_id, log_seq DESC)`);

  await db.raw(EMIT_ORDER_EVENTS);
}

/**
 * `emit_order_events(order, events, notifications)`: records the events not recorded yet, with the next
 * sequence numbers (the counter row serializes an order's writers, so sequences have no gaps), a pending delivery
 * for every subscription to its type (paused ones included: they go out on resume), and the customer's emails
 * (when the customer wants them). An `order.status_changed` candidate carries `status` and, unless it is the first
 * of its batch, `previousStatus`; the first is compared with the timeline before its `seq`, and dropped when the
 * status did not change. Returns how many events it recorded.
 */
const EMIT_ORDER_EVENTS = `
CREATE OR REPLACE FUNCTION emit_order_events(p_order_id text, p_events jsonb, p_notifications jsonb)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_sequence integer;
  recorded integer := 0;
  candidate record;
  v_event_id text;
BEGIN
  INSERT INTO order_event_counters AS counter (order_id, last_sequence) VALUES (p_order_id, 0)
  ON CONFLICT (order_id) DO UPDATE SET last_sequence = counter.last_sequence
  RETURNING counter.last_sequence INTO v_sequence;

  FOR candidate IN
    WITH given AS (
      SELECT e.value ->> 'type' AS type, e.value ->> 'key' AS key, e.value -> 'data' AS data,
        (e.value ->> 'seq')::integer AS seq, e.value ->> 'status' AS status,
        (e.value -> 'previousStatus') IS NOT NULL AS previous_given, e.value ->> 'previousStatus' AS previous_status, e.ordinality
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ordinality)),
    resolved AS (
      SELECT given.*, CASE WHEN given.status IS NULL OR given.previous_given THEN given.previous_status ELSE
        (SELECT o.status FROM order_events o WHERE o.order_id = p_order_id AND o.seq < given.seq AND o.status IS NOT NULL
         ORDER BY o.seq DESC LIMIT 1) END AS previous
      FROM given)
    SELECT * FROM resolved
    WHERE (resolved.status IS NULL OR resolved.previous IS DISTINCT FROM resolved.status)
      AND NOT EXISTS (SELECT 1 FROM outbound_events x
        WHERE x.order_id = p_order_id AND x.type = resolved.type AND x.key = resolved.key)
    ORDER BY resolved.ordinality
  LOOP
    v_sequence := v_sequence + 1;
    recorded := recorded + 1;
    v_event_id := 'evt_' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO outbound_events (id, order_id, sequence, type, key, data)
    VALUES (v_event_id, p_order_id, v_sequence, candidate.type, candidate.key,
      CASE WHEN candidate.status IS NULL THEN candidate.data
        ELSE candidate.data || jsonb_build_object('previousStatus', candidate.previous) END);
    INSERT INTO webhook_deliveries (id, subscription_id, event_id)
    SELECT 'dlv_' || replace(gen_random_uuid()::text, '-', ''), s.id, v_event_id
    FROM webhook_subscriptions s WHERE candidate.type = ANY (s.events) OR '*' = ANY (s.events);
  END LOOP;

  IF recorded > 0 THEN
    UPDATE order_event_counters SET last_sequence = v_sequence WHERE order_id = p_order_id;
  END IF;

  INSERT INTO notifications (id, order_id, customer_id, template, key, data, "to")
  SELECT 'ntf_' || replace(gen_random_uuid()::text, '-', ''), p_order_id, c.id, n.value ->> 'template', n.value ->> 'key',
    coalesce(n.value -> 'data', '{}'::jsonb), c.email
  FROM jsonb_array_elements(p_notifications) AS n(value)
  JOIN orders o ON o.id = p_order_id
  JOIN customers c ON c.id = o.customer_id
  WHERE c.notifications AND coalesce(c.email, '') <> ''
  ON CONFLICT (order_id, template, key) DO NOTHING;

  RETURN recorded;
END $$`;

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP FUNCTION IF EXISTS emit_order_events(text, jsonb, jsonb)');
  for (const table of [
    'notifications',
    'webhook_attempts',
    'webhook_deliveries',
    'webhook_subscriptions',
    'outbound_events',
    'order_event_counters',
  ])
    await db.schema.dropTableIfExists(table);
  await db.schema.alterTable('customers', (t) => {
    t.dropColumn('notifications');
  });
  await db.schema.alterTable('order_events', (t) => {
    t.dropColumn('actor');
  });
}
