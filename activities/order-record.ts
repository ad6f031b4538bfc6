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
