import type { OrderStatus } from './order';
import type { OrderProgress } from './timeline';

/** The events an order sends to webhook subscribers (SPEC section 6). */
export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.status_changed',
  'order.cancelled',
  'order.held',
  'shipment.shipped',
  'shipment.delivered',
  'invoice.issued',
  'refund.created',
  'return.opened',
  'return.settled',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** The customer emails (SPEC section 6); each is a template a business may change (notifications/templates). */
export const NOTIFICATION_TEMPLATES = [
  'order_confirmed',
  'order_shipped',
  'order_delivered',
  'order_refunded',
  'order_cancelled',
] as const;
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];

/**
 * An event to record unless it is already there: `key` names the fact (a shipment, an invoice, a status reached at
 * a timeline `seq`), so a retried write or a fact told twice is one event. A status change carries its `status`
 * and `seq`; `previousStatus` when an earlier entry of the same write had one (else the database looks it up).
 */
export interface EventCandidate {
  type: OrderEventType;
  key: string;
  data: Record<string, unknown>;
  seq?: number;
  status?: OrderStatus;
  previousStatus?: OrderStatus;
}

export interface NotificationCandidate {
  template: NotificationTemplate;
  key: string;
  data: Record<string, unknown>;
}

export interface OutboundFacts {
  events: EventCandidate[];
  notifications: NotificationCandidate[];
}

/** The timeline entry types that carry a fact the outside world hears about, with their `detail`. */
export interface ShippedDetail {
  shipmentId: string;
  warehouse: string;
  carrier: string;
  service: string;
  carrierTrackingNumber: string;
  replacement: boolean;
}
export interface CarrierDetail {
  shipmentId: string;
  status: string;
}
export interface InvoicedDetail {
  invoiceNumber: string;
  shipmentId: string;
  total: number;
  currency: string;
}
export interface RefundDetail {
  refundId: string;
  amount: number;
  currency: string;
  creditNote: string;
  reason: string;
}
export interface ReturnOpenedDetail {
  returnId: string;
  lines: { sku: string; quantity: number }[];
  resolution: string;
  reason: string;
}
export interface ReturnSettledDetail {
  returnId: string;
  status: string;
  refundId?: string;
  creditNote?: string;
  replacementShipmentId?: string;
}

/** The event of an order accepted by the API (written with the order's row). */
export function orderCreated(data: Record<string, unknown>): EventCandidate {
  return { type: 'order.created', key: 'order', data };
}

/**
 * What a write of timeline entries (in `seq` order) tells subscribers and the customer. Pure: the database records
 * what it has not recorded yet (`emit_order_events`, db/migrations/008_outbound_events.ts).
 */
export function outboundFactsOf(entries: OrderProgress[]): OutboundFacts {
  const events: EventCandidate[] = [];
  const notifications: NotificationCandidate[] = [];
  let previousStatus: OrderStatus | undefined;
  for (const entry of entries) {
    const detail = entry.detail ?? {};
    const factKey = (prefix: string, id: unknown) => (typeof id === 'string' ? `${prefix}:${id}` : `t:${entry.seq}`);
    const fact = { ...detail, message: entry.message };
    if (entry.status && entry.status !== previousStatus) {
      events.push({
        type: 'order.status_changed',
        key: `t:${entry.seq}:${entry.status}`,
        seq: entry.seq,
        status: entry.status,
        ...(previousStatus ? { previousStatus } : {}),
        data: statusData(entry),
      });
      if (entry.status === 'CANCELLED') {
        const cancelled = { cancelReason: entry.cancelReason ?? null, reasons: entry.reasons ?? [] };
        events.push({ type: 'order.cancelled', key: 'order', data: cancelled });
        notifications.push({ template: 'order_cancelled', key: 'order', data: cancelled });
      }
      if (entry.status === 'ON_HOLD') {
        const held = { holdReason: entry.holdReason ?? null, heldFrom: entry.heldFrom ?? null };
        events.push({ type: 'order.held', key: `t:${entry.seq}`, data: held });
      }
    }
    if (entry.status) previousStatus = entry.status;
    switch (entry.type) {
      case 'priced':
        notifications.push({ template: 'order_confirmed', key: 'order', data: fact });
        break;
      case 'shipped': {
        const key = factKey('shipment', detail.shipmentId);
        events.push({ type: 'shipment.shipped', key, data: fact });
        notifications.push({ template: 'order_shipped', key, data: fact });
        break;
      }
      case 'carrier':
        if (detail.status === 'delivered') {
          const key = factKey('shipment', detail.shipmentId);
          events.push({ type: 'shipment.delivered', key, data: fact });
          notifications.push({ template: 'order_delivered', key, data: fact });
        }
        break;
      case 'invoiced':
        events.push({ type: 'invoice.issued', key: factKey('invoice', detail.invoiceNumber), data: fact });
        break;
      case 'refund': {
        const refund = refundFacts(factKey('refund', detail.refundId), fact);
        events.push(...refund.events);
        notifications.push(...refund.notifications);
        break;
      }
      case 'return':
        events.push({ type: 'return.opened', key: factKey('return', detail.returnId), data: fact });
        break;
    }
  }
  return { events, notifications };
}

/** A refund with its credit note: told to subscribers and the customer (also after the order completed). */
export function refundFacts(key: string, data: Record<string, unknown>): OutboundFacts {
  return {
    events: [{ type: 'refund.created', key, data }],
    notifications: [{ template: 'order_refunded', key, data }],
  };
}

/** A return refunded, exchanged or closed (recorded by the step that settles it, not on the timeline). */
export function returnSettledFacts(detail: ReturnSettledDetail): OutboundFacts {
  return {
    events: [{ type: 'return.settled', key: `return:${detail.returnId}`, data: { ...detail } }],
    notifications: [],
  };
}

function statusData(entry: OrderProgress): Record<string, unknown> {
  return {
    status: entry.status,
    message: entry.message,
    ...(entry.rejectReason ? { rejectReason: entry.rejectReason } : {}),
    ...(entry.cancelReason ? { cancelReason: entry.cancelReason } : {}),
    ...(entry.reasons ? { reasons: entry.reasons } : {}),
    ...(entry.holdReason ? { holdReason: entry.holdReason, heldFrom: entry.heldFrom ?? null } : {}),
  };
}
