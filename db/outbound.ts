import type { Knex } from 'knex';
import type { OutboundFacts } from '../domain/order-events';

/**
 * Records the events and emails that facts cause (`emit_order_events`, db/migrations/008_outbound_events.ts), in the
 * caller's transaction: with the write of the fact itself, so each is recorded once and never lost.
 */
export async function emitOutboundFacts(trx: Knex | Knex.Transaction, orderId: string, facts: OutboundFacts) {
  if (facts.events.length === 0 && facts.notifications.length === 0) return;
  await trx.raw('SELECT emit_order_events(?, CAST(? AS jsonb), CAST(? AS jsonb))', [
    orderId,
    JSON.stringify(facts.events),
    JSON.stringify(facts.notifications),
  ]);
}
