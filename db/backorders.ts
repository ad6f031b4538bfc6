import type { Knex } from 'knex';
import { TERMINAL_STATUSES } from '../domain/order';

/**
 * Orders still missing units of a SKU, and the restock runs that offer them stock (`restock_workflow_starts`, an
 * outbox: see services/restock-starts.ts).
 */

/**
 * A line (`l`) with approved units neither shipped, reserved nor cancelled (`cancelled_quantity` also counts what the
 * approver cut, `quantity - approved_quantity`). The same predicate as the index `order_lines_open_by_sku`
 * (migration 004), so the queries that repeat it read only the lines still open.
 */
const OPEN_UNITS =
  'l.approved_quantity > l.shipped_quantity + l.reserved_quantity + (l.cancelled_quantity - (l.quantity - l.approved_quantity))';

const TERMINAL = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/** Running orders that still miss units of `sku` (whatever their read model's status says), by priority then age. */
export async function ordersMissingUnitsOf(db: Knex, sku: string): Promise<string[]> {
  return db('orders as o')
    .join('order_lines as l', 'l.order_id', 'o.id')
    .whereNotIn('o.status', TERMINAL_STATUSES)
    .where('l.sku', sku)
    .whereRaw(OPEN_UNITS)
    .orderBy([{ column: 'o.priority' }, { column: 'o.created_at' }, { column: 'o.id' }])
    .pluck('o.id');
}

/** Units of `sku` available to reserve, over every warehouse. */
export async function availableUnitsOf(db: Knex, sku: string): Promise<number> {
  const row = await db('stock')
    .where({ sku })
    .sum({ available: db.raw('on_hand - reserved') })
    .first();
  return Number(row?.available ?? 0);
}

/** A restock run to start: it offers `sku`'s available stock to the orders missing units of it. */
export interface RestockRun {
  workflowId: string;
  sku: string;
}

/**
 * Writes the start request of a restock run, in the transaction of the stock movement that calls for it, so the run
 * cannot be lost between the movement's commit and its start. `ifWaiting`: only when a running order (other than
 * `exceptOrderId`, the order giving the stock back) misses units of the SKU, so freed stock nobody waits for starts
 * nothing. Answers the run when a request is (or already was) written.
 */
export async function requestRestock(
  trx: Knex.Transaction,
  run: RestockRun,
  options: { ifWaiting: boolean; exceptOrderId?: string },
): Promise<RestockRun | undefined> {
  const waiting = options.ifWaiting
    ? `AND EXISTS (SELECT 1 FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE l.sku = :sku AND ${OPEN_UNITS} AND o.status NOT IN (${TERMINAL}) AND o.id IS DISTINCT FROM :exceptOrderId)`
    : '';
  const { rows } = await trx.raw(
    `INSERT INTO restock_workflow_starts (workflow_id, sku) SELECT :workflowId, :sku WHERE TRUE ${waiting}
     ON CONFLICT (workflow_id) DO UPDATE SET sku = EXCLUDED.sku RETURNING workflow_id`,
    { workflowId: run.workflowId, sku: run.sku, exceptOrderId: options.exceptOrderId ?? null },
  );
  return rows.length > 0 ? run : undefined;
}

/** The requests among `workflowIds` not started yet. */
export async function pendingRestocks(db: Knex, workflowIds: readonly string[]): Promise<RestockRun[]> {
  if (workflowIds.length === 0) return [];
  return db('restock_workflow_starts')
    .whereIn('workflow_id', workflowIds)
    .select({ workflowId: 'workflow_id', sku: 'sku' });
}

/** Requests older than `olderThanMs` (their start failed, or their process stopped first), oldest first. */
export async function overdueRestocks(db: Knex, olderThanMs: number, limit = 200): Promise<RestockRun[]> {
  return db('restock_workflow_starts')
    .where('created_at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanMs / 1000]))
    .orderBy('created_at')
    .limit(limit)
    .select({ workflowId: 'workflow_id', sku: 'sku' });
}

export async function forgetRestock(db: Knex, workflowId: string): Promise<void> {
  await db('restock_workflow_starts').where({ workflow_id: workflowId }).delete();
}

export async function countFailedRestockStart(db: Knex, workflowId: string, error: unknown): Promise<void> {
  await db('restock_workflow_starts')
    .where({ workflow_id: workflowId })
    .update({ attempts: db.raw('attempts + 1'), last_error: String((error as Error)?.message ?? error).slice(0, 500) });
}
