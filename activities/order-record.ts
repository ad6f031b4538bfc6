import type { Knex } from 'knex';
import { isTerminal } from '../domain/order';
import { cancelsUnits, type OrderProgress } from '../domain/timeline';
import { outboundFactsOf } from '../domain/order-events';
import { emitOutboundFacts } from '../db/outbound';
import { preparedStatement } from '../db/connection';
import type { OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

/**
 * The workflow owns its read model: every status change and timeline entry is written through here, keyed on the
 * workflow's own event counter `seq`, several entries at once when the workflow made them together.
 *
 * Most writes are local activities, which run inside a workflow task before it is recorded. When a worker dies
 * mid-task, the retried task can take another path (an Update or a carrier event arrived in between: a cancellation
 * instead of the payment the dead task went on to), so the same `seq` can come with other content. The recorded path
 * is always the one written last, so an entry that differs from the stored one replaces it (a plain retry, with the
 * same content, changes nothing), and the status it carries applies at its own `seq` too. A final status
 * (COMPLETED, CANCELLED, REJECTED) also removes entries past it that only the dead task wrote.
 */
export function createOrderRecordActivities({
  db,
}: ActivityDeps): Pick<OrderActivities, 'recordOrderTimeline' | 'recordOrderProgress'> {
  /** Entries in seq order: one statement, or a transaction when one of them cancels units (rare). */
  async function recordOrderTimeline(entries: OrderProgress[]): Promise<void> {
    if (!entries.some(cancelsUnits)) {
      const replacingCancellations = await recordTogether(db, entries);
      if (replacingCancellations.length === 0) return;
      // Rare: a retried task writes over a cancellation of units that only the dead task wrote.
      await db.transaction(async (trx) => {
        for (const entry of entries.filter((candidate) => replacingCancellations.includes(candidate.seq))) {
          await undoCancelledUnits(trx, entry.orderId, entry.seq);
          await recordTogether(trx, [entry]);
        }
      });
      return;
    }
    await db.transaction(async (trx) => {
      for (const entry of entries) {
        if (cancelsUnits(entry)) {
          await recordCancellation(trx, entry);
          await emitOutboundFacts(trx, entry.orderId, outboundFactsOf([entry]));
        } else await recordTogether(trx, [entry]);
      }
    });
  }

  return {
    recordOrderTimeline,

    /** One entry (orders started before entries were written together still call this). */
    async recordOrderProgress(progress: OrderProgress): Promise<void> {
      await recordOrderTimeline([progress]);
    },
  };
}

/**
 * Entries (none cancelling units) in one statement: each is inserted or replaces a different one at its seq; of
 * those that changed something, approvals set the lines' approved quantities, and the last status applies (with
 * the last reasons given, else the reasons kept), never over a newer status unless final. The events and emails
 * the entries cause are recorded with them (`emit_order_events`). An entry that would replace one that cancelled
 * units is left out and its seq returned, for undoCancelledUnits first.
 */
const RECORD_TIMELINE = preparedStatement<{ emitted: number; replacing: number[] }>(
  'record-order-timeline',
  `WITH entry AS (
     SELECT * FROM jsonb_to_recordset(CAST(:entries AS jsonb)) AS e(seq integer, type text, status text, message text, detail jsonb,
       final boolean, reject_reason text, cancel_reason text, reasons jsonb, approved jsonb, hold_reason text, held_from text,
       actor jsonb)),
   recorded AS (
     INSERT INTO order_events (order_id, seq, type, status, message, detail, actor)
     SELECT :orderId, seq, type, status, message, detail, actor FROM entry
     ON CONFLICT (order_id, seq) DO UPDATE SET type = EXCLUDED.type, status = EXCLUDED.status, message = EXCLUDED.message, detail = EXCLUDED.detail, actor = EXCLUDED.actor, created_at = now()
     WHERE (order_events.type, order_events.status, order_events.message, order_events.detail) IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.status, EXCLUDED.message, EXCLUDED.detail)
       AND order_events.cancelled_units IS NULL
     RETURNING seq),
   applied AS (SELECT entry.* FROM entry JOIN recorded USING (seq)),
   approved AS (
     UPDATE order_lines SET approved_quantity = a.quantity, cancelled_quantity = order_lines.quantity - a.quantity
     FROM applied CROSS JOIN LATERAL jsonb_to_recordset(applied.approved) AS a(sku text, quantity integer)
     WHERE order_lines.order_id = :orderId AND order_lines.sku = a.sku),
   latest AS (SELECT * FROM applied WHERE status IS NOT NULL ORDER BY seq DESC LIMIT 1),
   pruned AS (DELETE FROM order_events WHERE order_id = :orderId AND seq > (SELECT seq FROM latest WHERE final)),
   status_update AS (
     UPDATE orders SET status = latest.status, reject_reason = latest.reject_reason, cancel_reason = latest.cancel_reason,
       hold_reason = latest.hold_reason, held_from = latest.held_from,
       status_reasons = coalesce((SELECT reasons FROM applied WHERE status IS NOT NULL AND reasons IS NOT NULL ORDER BY seq DESC LIMIT 1), orders.status_reasons),
       version = latest.seq, updated_at = now()
     FROM latest WHERE orders.id = :orderId AND (latest.final OR orders.version <= latest.seq))
   SELECT (SELECT emit_order_events(:orderId, CAST(:events AS jsonb), CAST(:notifications AS jsonb))) AS emitted,
     ARRAY(SELECT order_events.seq FROM order_events JOIN entry USING (seq)
       WHERE order_events.order_id = :orderId AND order_events.cancelled_units IS NOT NULL) AS replacing`,
);

/** Returns the seqs it left out because they would replace a cancellation of units. */
async function recordTogether(db: Knex | Knex.Transaction, entries: OrderProgress[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const rows = entries.map((entry) => ({
    seq: entry.seq,
    type: entry.type,
    status: entry.status ?? null,
    message: entry.message,
    detail: entry.detail ?? null,
    final: entry.status !== undefined && isTerminal(entry.status),
    reject_reason: entry.rejectReason ?? null,
    cancel_reason: entry.cancelReason ?? null,
    reasons: entry.reasons ?? null,
    hold_reason: entry.holdReason ?? null,
    held_from: entry.heldFrom ?? null,
    actor: entry.actor ?? null,
    approved: entry.approvedQuantities
      ? Object.entries(entry.approvedQuantities).map(([sku, quantity]) => ({ sku, quantity }))
      : null,
  }));
  const facts = outboundFactsOf(entries);
  const [recorded] = await RECORD_TIMELINE.run(db, {
    orderId: entries[0].orderId,
    entries: JSON.stringify(rows),
    events: JSON.stringify(facts.events),
    notifications: JSON.stringify(facts.notifications),
  });
  return recorded.replacing;
}

/** Takes back the units the entry at `seq` cancelled (a dead task's), before another entry replaces it. */
async function undoCancelledUnits(trx: Knex.Transaction, orderId: string, seq: number): Promise<void> {
  const previous = await trx('order_events').where({ order_id: orderId, seq }).forUpdate().first('cancelled_units');
  const units = (previous?.cancelled_units ?? {}) as Record<string, number>;
  for (const [sku, count] of Object.entries(units))
    await trx('order_lines').where({ order_id: orderId, sku }).decrement('cancelled_quantity', count);
  await trx('order_events').where({ order_id: orderId, seq }).update({ cancelled_units: null });
}

/** Inserts an entry, or replaces a different one at the same `seq`; returns no row when the same entry is there. */
const UPSERT_EVENT = `INSERT INTO order_events (order_id, seq, type, status, message, detail, cancelled_units)
    VALUES (:orderId, :seq, :type, :status, :message, CAST(:detail AS jsonb), CAST(:cancelledUnits AS jsonb))
    ON CONFLICT (order_id, seq) DO UPDATE SET type = EXCLUDED.type, status = EXCLUDED.status, message = EXCLUDED.message, detail = EXCLUDED.detail, cancelled_units = EXCLUDED.cancelled_units, created_at = now()
    WHERE (order_events.type, order_events.status, order_events.message, order_events.detail, order_events.cancelled_units) IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.status, EXCLUDED.message, EXCLUDED.detail, EXCLUDED.cancelled_units)
    RETURNING seq`;

/** An entry that cancels units (unavailable, backorder expired) or ends the order cancelled or rejected. */
async function recordCancellation(trx: Knex.Transaction, progress: OrderProgress): Promise<void> {
  const previous = await trx('order_events')
    .where({ order_id: progress.orderId, seq: progress.seq })
    .forUpdate()
    .first('cancelled_units');
  const recorded = await trx.raw(UPSERT_EVENT, {
    orderId: progress.orderId,
    seq: progress.seq,
    type: progress.type,
    status: progress.status ?? null,
    message: progress.message,
    detail: progress.detail ? JSON.stringify(progress.detail) : null,
    cancelledUnits: progress.cancelledUnits ? JSON.stringify(progress.cancelledUnits) : null,
  });
  if (recorded.rows.length === 0) return; // an earlier attempt already applied this very entry
  // It replaced a dead task's entry: what that one cancelled is taken back first.
  for (const [sku, units] of Object.entries((previous?.cancelled_units ?? {}) as Record<string, number>))
    await trx('order_lines').where({ order_id: progress.orderId, sku }).decrement('cancelled_quantity', units);
  for (const [sku, units] of Object.entries(progress.cancelledUnits ?? {})) {
    await trx('order_lines').where({ order_id: progress.orderId, sku }).increment('cancelled_quantity', units);
  }
  if (progress.status === 'CANCELLED' || progress.status === 'REJECTED') {
    // Whatever has not shipped never will.
    await trx('order_lines')
      .where({ order_id: progress.orderId })
      .update({ cancelled_quantity: trx.raw('quantity - shipped_quantity') });
  }
  if (!progress.status) return;
  const final = isTerminal(progress.status);
  if (final) await trx('order_events').where({ order_id: progress.orderId }).where('seq', '>', progress.seq).delete();
  await trx('orders')
    .where({ id: progress.orderId })
    // A stale retry (older seq) never overwrites a newer status; a final one removed whatever was past it.
    .modify((query) => (final ? query : query.where('version', '<=', progress.seq)))
    .update({
      status: progress.status,
      reject_reason: progress.rejectReason ?? null,
      cancel_reason: progress.cancelReason ?? null,
      hold_reason: null,
      held_from: null,
      ...(progress.reasons ? { status_reasons: JSON.stringify(progress.reasons) } : {}),
      version: progress.seq,
      updated_at: trx.fn.now(),
    });
}
