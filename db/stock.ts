import type { Knex } from 'knex';

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
 * Moves stock and writes its ledger row in one SQL statement. The table's CHECK constraints
 * (`on_hand >= 0`, `reserved >= 0`, `reserved <= on_hand`) are the guard: under any concurrency, a
 * movement that would oversell fails whole and reports `insufficient`. Call it inside a transaction when
 * several movements must stand or fall together; after `insufficient` that transaction must roll back.
 */
export async function moveStock(db: Knex | Knex.Transaction, movement: StockMovement): Promise<MovementResult> {
  try {
    const { rows } = await db.raw<{ rows: { recorded: number; moved: number }[] }>(
      `WITH ledger AS (
         INSERT INTO stock_ledger (warehouse_code, sku, reason, on_hand_delta, reserved_delta, order_id, reference, movement_key)
         VALUES (:warehouse, :sku, :reason, :onHandDelta, :reservedDelta, :orderId, :reference, :movementKey)
         ON CONFLICT (movement_key) DO NOTHING
         RETURNING id
       ), moved AS (
         UPDATE stock SET on_hand = on_hand + :onHandDelta, reserved = reserved + :reservedDelta, updated_at = now()
         WHERE warehouse_code = :warehouse AND sku = :sku AND EXISTS (SELECT 1 FROM ledger)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM ledger)::int AS recorded, (SELECT count(*) FROM moved)::int AS moved`,
      { ...movement, orderId: movement.orderId ?? null, reference: movement.reference ?? null },
    );
    const [{ recorded, moved }] = rows;
    if (recorded === 0) return 'duplicate';
    if (moved === 0) throw new Error(`no stock row for ${movement.sku} in ${movement.warehouse}`);
    return 'applied';
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === CHECK_VIOLATION || code === FOREIGN_KEY_VIOLATION) return 'insufficient';
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

export async function stockLevels(db: Knex, filter: { sku?: string; warehouse?: string; skus?: string[] } = {}): Promise<StockLevel[]> {
  const query = db('stock').select('sku', 'warehouse_code', 'on_hand', 'reserved').orderBy(['sku', 'warehouse_code']);
  if (filter.sku) query.where('sku', filter.sku);
  if (filter.skus) query.whereIn('sku', filter.skus);
  if (filter.warehouse) query.where('warehouse_code', filter.warehouse);
  const rows = await query;
  return rows.map((row) => ({
    sku: row.sku,
    warehouse: row.warehouse_code,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
  }));
}
