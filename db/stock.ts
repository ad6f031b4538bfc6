import type { Knex } from 'knex';
import { preparedStatement, type Row } from './connection';
import { keysetPage } from './paging';

export type StockReason = 'receipt' | 'adjustment' | 'reserve' | 'release' | 'ship' | 'restock' | 'write_off';

export interface StockMovement {
  warehouse: string;
  sku: string;
  reason: StockReason;
  onHandDelta: number;
  reservedDelta: number;
  orderId?: string;
  reference?: string;
  /** Names the movement once and for all: a retry with the same key moves nothing. */
  movementKey: string;
}

export type MovementResult = 'applied' | 'duplicate' | 'insufficient';

const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * The part of a statement that moves stock: CTEs applying the movements of the relation `source` (columns
 * `warehouse_code, sku, reason, on_hand_delta, reserved_delta, order_id, reference, movement_key`) with their ledger
 * rows. A step that changes stock together with its own records (reserve, ship) puts them in its one statement, so
 * it is one round trip and stands or falls whole.
 *
 * - `locked` takes the stock rows first, in (warehouse, SKU) order as every movement does, so two statements never
 *   deadlock; `ledger` and `moved` wait for it (a one-time filter on its count runs before they read a row).
 * - `ledger` writes each movement once: a key already there (a retried step) moves nothing.
 * - `moved` applies what `ledger` wrote, summed per stock row (one UPDATE changes a row once).
 *
 * The stock table's CHECK constraints (`on_hand >= 0`, `reserved >= 0`, `reserved <= on_hand`) are the guard: under
 * any concurrency, a movement that would oversell fails the whole statement (`isInsufficientStock`).
 */
export function stockMovementCtes(source: string): string {
  return `locked AS (
    SELECT stock.sku FROM stock JOIN ${source} m ON m.warehouse_code = stock.warehouse_code AND m.sku = stock.sku
    ORDER BY stock.warehouse_code, stock.sku FOR UPDATE OF stock),
  ledger AS (
    INSERT INTO stock_ledger (warehouse_code, sku, reason, on_hand_delta, reserved_delta, order_id, reference, movement_key)
    SELECT warehouse_code, sku, reason, on_hand_delta, reserved_delta, order_id, reference, movement_key FROM ${source}
    WHERE (SELECT count(*) FROM locked) >= 0
    ON CONFLICT (movement_key) DO NOTHING
    RETURNING warehouse_code, sku, on_hand_delta, reserved_delta),
  moved AS (
    UPDATE stock SET on_hand = stock.on_hand + delta.on_hand, reserved = stock.reserved + delta.reserved, updated_at = now()
    FROM (SELECT warehouse_code, sku, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved FROM ledger GROUP BY warehouse_code, sku) delta
    WHERE stock.warehouse_code = delta.warehouse_code AND stock.sku = delta.sku AND (SELECT count(*) FROM locked) >= 0
    RETURNING stock.sku)`;
}

/**
 * Whether a statement failed because a movement would oversell (a stock CHECK constraint) or named stock that does not
 * exist (the ledger's foreign key to stock). Any other violation in the same statement (an order line's quantities, a
 * missing order) is an error to retry, not a shortage.
 */
export function isInsufficientStock(error: unknown): boolean {
  const { code, table } = error as { code?: string; table?: string };
  return (
    (code === CHECK_VIOLATION && table === 'stock') || (code === FOREIGN_KEY_VIOLATION && table === 'stock_ledger')
  );
}

const MOVE_ONE = preparedStatement<{ recorded: number; moved: number }>(
  'move-stock',
  `WITH movement AS (
    SELECT CAST(:warehouse AS text) AS warehouse_code, CAST(:sku AS text) AS sku, CAST(:reason AS text) AS reason,
      CAST(:onHandDelta AS integer) AS on_hand_delta, CAST(:reservedDelta AS integer) AS reserved_delta,
      CAST(:orderId AS text) AS order_id, CAST(:reference AS text) AS reference, CAST(:movementKey AS text) AS movement_key),
  ${stockMovementCtes('movement')}
  SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM ledger)::int AS recorded`,
);

/**
 * Moves stock and writes its ledger row in one SQL statement (see `stockMovementCtes`): a movement that would
 * oversell reports `insufficient`. Call it inside a transaction when several movements must stand or fall together;
 * after `insufficient` that transaction must roll back.
 */
export async function moveStock(db: Knex | Knex.Transaction, movement: StockMovement): Promise<MovementResult> {
  try {
    const [{ recorded, moved }] = await MOVE_ONE.run(db, {
      ...movement,
      orderId: movement.orderId ?? null,
      reference: movement.reference ?? null,
    });
    if (recorded === 0) return 'duplicate';
    if (moved === 0) throw new Error(`no stock row for ${movement.sku} in ${movement.warehouse}`);
    return 'applied';
  } catch (error) {
    if (isInsufficientStock(error)) return 'insufficient';
    throw error;
  }
}

/** Makes sure a (warehouse, sku) stock row exists before stock is received into it. */
export async function ensureStockRow(db: Knex | Knex.Transaction, warehouse: string, sku: string): Promise<void> {
  await db('stock').insert({ warehouse_code: warehouse, sku }).onConflict(['warehouse_code', 'sku']).ignore();
}

export interface StockLevel {
  sku: string;
  warehouse: string;
  onHand: number;
  reserved: number;
  available: number;
}

export async function stockLevels(
  db: Knex,
  filter: { sku?: string; warehouse?: string; skus?: string[] } = {},
): Promise<StockLevel[]> {
  const query = db('stock').select('sku', 'warehouse_code', 'on_hand', 'reserved').orderBy(['sku', 'warehouse_code']);
  if (filter.sku) query.where('sku', filter.sku);
  if (filter.skus) query.whereIn('sku', filter.skus);
  if (filter.warehouse) query.where('warehouse_code', filter.warehouse);
  return (await query).map(toStockLevel);
}

/** The stock ledger, newest first, a page at a time (SPEC section 4: `GET /v1/inventory/ledger`). */
export async function stockLedger(
  db: Knex,
  filter: { sku?: string; warehouse?: string; orderId?: string; limit: number; cursor?: string },
) {
  const query = db('stock_ledger')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.sku) query.where('sku', filter.sku);
  if (filter.warehouse) query.where('warehouse_code', filter.warehouse);
  if (filter.orderId) query.where('order_id', filter.orderId);
  if (filter.cursor) query.where('id', '<', filter.cursor);
  const rows: Row[] = await query;
  const { page, nextCursor } = keysetPage(rows, filter.limit, (row) => row.id);
  return {
    items: page.map((row) => ({
      id: row.id,
      sku: row.sku,
      warehouse: row.warehouse_code,
      reason: row.reason,
      onHandDelta: row.on_hand_delta,
      reservedDelta: row.reserved_delta,
      orderId: row.order_id,
      reference: row.reference,
      at: row.created_at,
    })),
    nextCursor,
  };
}

/** The stock rows of the SKUs `skus` (an SQL expression) as a JSON array (for `toStockLevel`), for statements that read them with other rows. */
export const stockJson = (skus: string) =>
  `(SELECT coalesce(json_agg(json_build_object('sku', st.sku, 'warehouse_code', st.warehouse_code, 'on_hand', st.on_hand, 'reserved', st.reserved)), '[]')
    FROM stock st WHERE st.sku IN (${skus}))`;

export const toStockLevel = (row: {
  sku: string;
  warehouse_code: string;
  on_hand: number;
  reserved: number;
}): StockLevel => ({
  sku: row.sku,
  warehouse: row.warehouse_code,
  onHand: row.on_hand,
  reserved: row.reserved,
  available: row.on_hand - row.reserved,
});
