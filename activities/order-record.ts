import { isTerminal, type CancelReason, type OrderStatus, type RejectReason } from '../domain/order';
import { preparedStatement } from '../db/connection';
import type { ActivityDeps } from './deps';

export interface OrderProgress {
  orderId: string;
  /** The workflow's own event counter: the same event retried lands on the same timeline row. */
  seq: number;
  type: string;
  message: string;
  status?: OrderStatus;
  rejectReason?: RejectReason;
  cancelReason?: CancelReason;
  reasons?: string[];
  /** The approver's decision per SKU; the difference to the ordered quantity is cancelled. */
  approvedQuantities?: Record<string, number>;
  /** Units that will never ship (unavailable, backorder expired), per SKU. */
  cancelledUnits?: Record<string, number>;
  detail?: Record<string, unknown>;
}

/**
 * The workflow owns its read model: every status change and timeline entry is written through here, keyed on the
 * workflow's own event counter `seq`.
 *
 * Most writes are local activities, which run inside a workflow task before it is recorded. When a worker dies
 * mid-task, the retried task can take another path (an Update or a carrier event arrived in between: a cancellation
 * instead of the payment the dead task went on to), so the same `seq` can come with other content. The recorded path
 * is always the one written last, so an entry that differs from the stored one replaces it (a plain retry, with the
 * same content, changes nothing), and the status it carries applies at its own `seq` too. A final status
 * (COMPLETED, CANCELLED, REJECTED) also removes entries past it that only the dead task wrote.
 */
export function createOrderRecordActivities({ db }: ActivityDeps) {
  return {
    async recordOrderProgress(progress: OrderProgress): Promise<void> {
      // Entries that cancel units (rare) read and change several lines: a transaction. Every other one, an approval
      // included, is one statement.
      const final = progress.status !== undefined && isTerminal(progress.status);
      const cancelsUnits = progress.cancelledUnits || progress.status === 'CANCELLED' || progress.status === 'REJECTED';
      if (!cancelsUnits) return recordInOneStatement(db, progress, final);
      await db.transaction(async (trx) => {
        const recorded = await trx.raw(`${UPSERT_EVENT} RETURNING seq`, eventRow(progress));
        if (recorded.rows.length === 0) return; // an earlier attempt already applied this very entry
        for (const [sku, units] of Object.entries(progress.cancelledUnits ?? {})) {
          await trx('order_lines').where({ order_id: progress.orderId, sku }).increment('cancelled_quantity', units);
        }
        if (progress.status === 'CANCELLED' || progress.status === 'REJECTED') {
          // Whatever has not shipped never will.
          await trx('order_lines').where({ order_id: progress.orderId }).update({ cancelled_quantity: trx.raw('quantity - shipped_quantity') });
        }
        if (!progress.status) return;
        if (final) await trx('order_events').where({ order_id: progress.orderId }).where('seq', '>', progress.seq).delete();
        await trx('orders')
          .where({ id: progress.orderId })
          // A stale retry (older seq) never overwrites a newer status; a final one removed whatever was past it.
          .modify((query) => (final ? query : query.where('version', '<=', progress.seq)))
          .update({
            status: progress.status,
            reject_reason: progress.rejectReason ?? null,
            cancel_reason: progress.cancelReason ?? null,
            ...(progress.reasons ? { status_reasons: JSON.stringify(progress.reasons) } : {}),
            version: progress.seq,
            updated_at: trx.fn.now(),
          });
      });
    },
  };
}

/** Inserts an entry, or replaces a different one at the same `seq`; returns no row when the same entry is there. */
const UPSERT_EVENT = `INSERT INTO order_events (order_id, seq, type, status, message, detail)
    VALUES (:orderId, :seq, :type, :status, :message, CAST(:detail AS jsonb))
    ON CONFLICT (order_id, seq) DO UPDATE SET type = EXCLUDED.type, status = EXCLUDED.status, message = EXCLUDED.message, detail = EXCLUDED.detail, created_at = now()
    WHERE (order_events.type, order_events.status, order_events.message, order_events.detail) IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.status, EXCLUDED.message, EXCLUDED.detail)`;

const eventRow = (progress: OrderProgress) => ({
  orderId: progress.orderId,
  seq: progress.seq,
  type: progress.type,
  status: progress.status ?? null,
  message: progress.message,
  detail: progress.detail ? JSON.stringify(progress.detail) : null,
});

/**
 * A timeline entry, the approved quantities it carries and the order's new status if it has one, in one SQL
 * statement: the lines and the status are written only when the entry is new or replaced (a retry finds the same
 * entry), and the status never over a newer one, unless `final`.
 */
const RECORD_PROGRESS = preparedStatement(
  'record-order-progress',
  `WITH recorded AS (${UPSERT_EVENT} RETURNING seq),
   approved AS (
     UPDATE order_lines SET approved_quantity = a.quantity, cancelled_quantity = order_lines.quantity - a.quantity
     FROM jsonb_to_recordset(CAST(:approved AS jsonb)) AS a(sku text, quantity integer)
     WHERE order_lines.order_id = :orderId AND order_lines.sku = a.sku AND EXISTS (SELECT 1 FROM recorded)),
   pruned AS (DELETE FROM order_events WHERE :final AND order_id = :orderId AND seq > :seq AND EXISTS (SELECT 1 FROM recorded))
   UPDATE orders SET status = :status, reject_reason = :rejectReason, cancel_reason = :cancelReason,
     status_reasons = coalesce(CAST(:reasons AS jsonb), status_reasons), version = :seq, updated_at = now()
   WHERE id = :orderId AND CAST(:status AS text) IS NOT NULL AND (:final OR version <= :seq) AND EXISTS (SELECT 1 FROM recorded)`,
);

async function recordInOneStatement(db: ActivityDeps['db'], progress: OrderProgress, final: boolean): Promise<void> {
  await RECORD_PROGRESS.run(db, {
    ...eventRow(progress),
    final,
    approved: JSON.stringify(Object.entries(progress.approvedQuantities ?? {}).map(([sku, quantity]) => ({ sku, quantity }))),
    rejectReason: progress.rejectReason ?? null,
    cancelReason: progress.cancelReason ?? null,
    reasons: progress.reasons ? JSON.stringify(progress.reasons) : null,
  });
}
