import type { CancelReason, OrderStatus, RejectReason } from '../domain/order';
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

/** The workflow owns its read model: every status change and timeline entry is written through here. */
export function createOrderRecordActivities({ db }: ActivityDeps) {
  return {
    async recordOrderProgress(progress: OrderProgress): Promise<void> {
      // Most entries touch no order line: one statement then, instead of a transaction of four round trips.
      const touchesLines = progress.approvedQuantities || progress.cancelledUnits || progress.status === 'CANCELLED' || progress.status === 'REJECTED';
      if (!touchesLines) return recordInOneStatement(db, progress);
      await db.transaction(async (trx) => {
        const recorded = await trx('order_events')
          .insert({
            order_id: progress.orderId,
            seq: progress.seq,
            type: progress.type,
            status: progress.status ?? null,
            message: progress.message,
            detail: progress.detail ? JSON.stringify(progress.detail) : null,
          })
          .onConflict(['order_id', 'seq'])
          .ignore()
          .returning('seq');
        if (recorded.length === 0) return; // an earlier attempt already applied this event
        for (const [sku, approved] of Object.entries(progress.approvedQuantities ?? {})) {
          await trx('order_lines')
            .where({ order_id: progress.orderId, sku })
            .update({ approved_quantity: approved, cancelled_quantity: trx.raw('quantity - ?', [approved]) });
        }
        for (const [sku, units] of Object.entries(progress.cancelledUnits ?? {})) {
          await trx('order_lines').where({ order_id: progress.orderId, sku }).increment('cancelled_quantity', units);
        }
        if (progress.status === 'CANCELLED' || progress.status === 'REJECTED') {
          // Whatever has not shipped never will.
          await trx('order_lines').where({ order_id: progress.orderId }).update({ cancelled_quantity: trx.raw('quantity - shipped_quantity') });
        }
        if (!progress.status) return;
        // A stale retry (older seq) never overwrites a newer status.
        await trx('orders')
          .where({ id: progress.orderId })
          .where('version', '<', progress.seq)
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

/**
 * A timeline entry, and the order's new status if it has one, in one SQL statement: the status is written only
 * when the entry is new (a retry finds its `(order_id, seq)` taken) and only over an older status.
 */
async function recordInOneStatement(db: ActivityDeps['db'], progress: OrderProgress): Promise<void> {
  const event = {
    orderId: progress.orderId,
    seq: progress.seq,
    type: progress.type,
    status: progress.status ?? null,
    message: progress.message,
    detail: progress.detail ? JSON.stringify(progress.detail) : null,
  };
  const insert = `INSERT INTO order_events (order_id, seq, type, status, message, detail)
    VALUES (:orderId, :seq, :type, :status, :message, :detail)
    ON CONFLICT (order_id, seq) DO NOTHING`;
  if (!progress.status) {
    await db.raw(insert, event);
    return;
  }
  await db.raw(
    `WITH recorded AS (${insert} RETURNING seq)
     UPDATE orders SET status = :status, reject_reason = :rejectReason, cancel_reason = :cancelReason,
       status_reasons = coalesce(CAST(:reasons AS jsonb), status_reasons), version = :seq, updated_at = now()
     WHERE id = :orderId AND version < :seq AND EXISTS (SELECT 1 FROM recorded)`,
    {
      ...event,
      rejectReason: progress.rejectReason ?? null,
      cancelReason: progress.cancelReason ?? null,
      reasons: progress.reasons ? JSON.stringify(progress.reasons) : null,
    },
  );
}
