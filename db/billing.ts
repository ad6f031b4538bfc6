import type { Knex } from 'knex';
import { priceQuantities, sum, type PricedLine } from '../domain/pricing';

export interface ShipmentBill {
  orderId: string;
  shipmentId: string;
  currency: string;
  lines: PricedLine[];
  subtotal: number;
  tax: number;
  total: number;
}

/** What one shipment costs the customer: its lines at the order's prices. Capture and invoice both use it. */
export async function shipmentBill(db: Knex, shipmentId: string): Promise<ShipmentBill> {
  const shipment = await db('shipments as s').join('orders as o', 'o.id', 's.order_id').where('s.id', shipmentId).first('s.order_id', 'o.currency');
  if (!shipment) throw new Error(`no shipment ${shipmentId}`);
  const [orderLines, shipmentLines] = await Promise.all([
    db('order_lines').where({ order_id: shipment.order_id }).orderBy('line_no'),
    db('shipment_lines').where({ shipment_id: shipmentId }),
  ]);
  const priced: PricedLine[] = orderLines.map((line: Record<string, any>) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: line.unit_price,
    taxCode: line.tax_code,
    taxRateBps: line.tax_rate_bps,
    subtotal: line.subtotal,
    tax: line.tax,
    total: line.total,
  }));
  const lines = priceQuantities(priced, new Map(shipmentLines.map((line: { sku: string; quantity: number }) => [line.sku, line.quantity])));
  return {
    orderId: shipment.order_id,
    shipmentId,
    currency: shipment.currency,
    lines,
    subtotal: sum(lines.map((line) => line.subtotal)),
    tax: sum(lines.map((line) => line.tax)),
    total: sum(lines.map((line) => line.total)),
  };
}
