import type { Knex } from 'knex';
import type { AuditActor } from '../domain/audit';
import type { Row } from './connection';
import { InvalidCursor } from './orders';

/** The audit log (SPEC section 6, Audit): who made each mutation, on what, when. */

/** `npx oms ...` on the database: no request and no API key behind it. */
export const CLI_ACTOR: AuditActor = { type: 'system', id: 'cli' };

export interface AuditRecord {
  actor: AuditActor;
  /** Stable: the route's OpenAPI operationId (`cancelOrder`), else `<METHOD> <route pattern>`. */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** Left out: the target's order when it is one or belongs to one (a shipment, return, pick list or invoice). */
  orderId?: string | null;
  detail?: Record<string, unknown> | null;
  /** The HTTP status answered; none outside a request. */
  status?: number | null;
  requestId?: string | null;
}

/** Targets that belong to an order, and where their order is written down. */
const ORDER_OF_TARGET: Record<string, { table: string; key: string }> = {
  shipment: { table: 'shipments', key: 'id' },
  return: { table: 'returns', key: 'id' },
  pick_list: { table: 'pick_lists', key: 'id' },
  invoice: { table: 'invoices', key: 'number' },
};

function orderIdOf(db: Knex, record: AuditRecord): string | null | Knex.QueryBuilder {
  if (record.orderId !== undefined) return record.orderId;
  if (record.targetType === 'order') return record.targetId ?? null;
  const owner = record.targetType ? ORDER_OF_TARGET[record.targetType] : undefined;
  if (!owner || !record.targetId) return null;
  // A subquery of the insert: no second round trip.
  return db(owner.table).where(owner.key, record.targetId).select('order_id').limit(1);
}

export async function recordAudit(db: Knex, record: AuditRecord): Promise<void> {
  await db('audit_log').insert({
    actor: JSON.stringify(record.actor),
    action: record.action,
    target_type: record.targetType ?? null,
    target_id: record.targetId ?? null,
    order_id: orderIdOf(db, record),
    detail: record.detail ? JSON.stringify(record.detail) : null,
    status: record.status ?? null,
    request_id: record.requestId ?? null,
  });
}

export const auditView = (row: Row) => ({
  id: row.id as number,
  at: row.at as Date,
  actor: row.actor as AuditActor,
  action: row.action as string,
  targetType: row.target_type as string | null,
  targetId: row.target_id as string | null,
  orderId: row.order_id as string | null,
  detail: row.detail as Record<string, unknown> | null,
  status: row.status as number | null,
  requestId: row.request_id as string | null,
});

export interface AuditFilter {
  orderId?: string;
  /** The actor's id (an API key's id, `cli`, ...). */
  actor?: string;
  /** ISO date-time: entries at or after it. */
  since?: string;
  limit: number;
  cursor?: string;
}

/** Newest first with keyset paging, as `listOrders`; an unknown cursor is an InvalidCursor. */
export async function listAudit(db: Knex, filter: AuditFilter) {
  const query = db('audit_log')
    .select('*', db.raw(`to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key`))
    .orderBy([
      { column: 'at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(filter.limit + 1);
  if (filter.orderId) query.where('order_id', filter.orderId);
  if (filter.actor) query.whereRaw(`actor->>'id' = ?`, [filter.actor]);
  if (filter.since) query.where('at', '>=', filter.since);
  if (filter.cursor) {
    const after = decodeCursor(filter.cursor);
    query.whereRaw('(at, id) < (?::timestamptz, ?)', [after.at, after.id]);
  }
  const rows = await query;
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(auditView),
    nextCursor: rows.length > filter.limit && last ? encodeCursor({ at: last.at_key, id: last.id }) : null,
  };
}

interface Cursor {
  at: string;
  id: number;
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(text: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    // Both values go into the query: an impossible date or a non-integer id would fail there, as a 500.
    const at = String(cursor.at);
    if (!Number.isSafeInteger(cursor.id) || cursor.id < 1) throw new Error();
    if (
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(at) ||
      at < '1970' ||
      new Date(`${at.slice(0, 23)}Z`).toISOString().slice(0, 23) !== at.slice(0, 23)
    )
      throw new Error();
    return { at, id: cursor.id };
  } catch {
    throw new InvalidCursor('cursor is not one this API returned');
  }
}
