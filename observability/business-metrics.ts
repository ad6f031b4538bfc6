import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/connection';
import { ORDER_STATUSES } from '../domain/order';
import type { Logger } from './logger';

/** Units approved but neither shipped, reserved nor cancelled since: what a waiting order still needs (as in activities/backorders.ts). */
const UNITS_WAITING =
  'l.approved_quantity - l.shipped_quantity - l.reserved_quantity - (l.cancelled_quantity - (l.quantity - l.approved_quantity))';

async function backorders(db: Db): Promise<{ orders: number; units: number }> {
  const row = await db('orders as o')
    .join('order_lines as l', 'l.order_id', 'o.id')
    .whereIn('o.status', ['BACKORDERED', 'PARTIALLY_SHIPPED'])
    .whereRaw(`${UNITS_WAITING} > 0`)
    .first(db.raw('count(distinct o.id) as orders'), db.raw(`coalesce(sum(${UNITS_WAITING}), 0) as units`));
  return { orders: Number(row?.orders ?? 0), units: Number(row?.units ?? 0) };
}

/**
 * Business gauges read from PostgreSQL at scrape time, so every API instance reports the same truth and no
 * restart loses a count: orders by status, and the orders (and units) waiting for stock. A failed read
 * leaves the gauge empty (no stale value) and is logged.
 */
export function registerBusinessMetrics(registry: Registry, db: Db, logger: Logger): void {
  const failed = (gauge: Gauge, what: string, error: unknown) => {
    gauge.reset();
    logger.warn({ err: error }, `metrics: could not read ${what}`);
  };
  new Gauge({
    name: 'oms_orders',
    help: 'Orders in the database by current status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      try {
        const rows: { status: string; count: number | string }[] = await db('orders')
          .select('status')
          .count({ count: '*' })
          .groupBy('status');
        const counts = new Map(rows.map((row) => [row.status, Number(row.count)]));
        for (const status of ORDER_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      } catch (error) {
        failed(this, 'orders by status', error);
      }
    },
  });
  new Gauge({
    name: 'oms_backorders_waiting',
    help: 'Orders waiting for stock: backordered or partially shipped with approved units not yet allocated',
    registers: [registry],
    async collect() {
      await backorders(db).then(
        ({ orders }) => this.set(orders),
        (error) => failed(this, 'backorders', error),
      );
    },
  });
  new Gauge({
    name: 'oms_backorder_units_waiting',
    help: 'Approved units on waiting orders that are not yet allocated',
    registers: [registry],
    async collect() {
      await backorders(db).then(
        ({ units }) => this.set(units),
        (error) => failed(this, 'backordered units', error),
      );
    },
  });
}
