import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { missingAddressFields } from '../domain/address';
import { coversAllLines, rankWarehouses } from '../domain/allocation';
import type { ApprovalContext } from '../domain/approval';
import { promisedDeliveryDate } from '../domain/delivery';
import type { Address, OrderLineRequest } from '../domain/order';
import {
  catalogValue,
  orderValueProblem,
  priceOrder,
  promotionProblem,
  sum,
  type PricedOrder,
} from '../domain/pricing';
import { chooseService, quoteShipping, shippingZone } from '../domain/shipping';
import {
  ACTIVE_WAREHOUSES_JSON,
  openOrdersNotInvoiced,
  outstandingReceivables,
  toCustomer,
  toProduct,
  toPromotion,
  toShippingRate,
  toTaxRate,
  toWarehouse,
} from '../db/catalog';
import { stockJson, toStockLevel } from '../db/stock';
import { preparedStatement, type Row } from '../db/connection';
import { ORDER_RECORD_MISSING, type OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';

/**
 * Step 1, PENDING: checks the order against master data as it is now (a product may have been deactivated
 * since the API accepted it), reporting every reason; prices it (catalog, promotion, tax, shipping), redeems
 * its promotion code and stores the prices and the promised delivery date on the order.
 */
export function createPricingActivities({
  db,
}: ActivityDeps): Pick<OrderActivities, 'validateAndPriceOrder' | 'releasePromotion'> {
  return {
    async validateAndPriceOrder({ orderId }) {
      const [
        {
          order,
          lines,
          customer: customerRow,
          products: productRows,
          promotion: promotionRow,
          warehouses,
          stock,
          shippingRates,
          taxRates,
        },
      ] = await PRICING_INPUTS.run(db, { orderId });
      // The API writes the record before it starts the workflow; without one there is nothing to process.
      if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} has no record`, ORDER_RECORD_MISSING);
      const address: Address = order.shipping_address;
      const placedAt = new Date(order.created_at);
      const customer = customerRow ? toCustomer(customerRow) : undefined;
      const products = new Map(productRows.map((row) => [row.sku, toProduct(row)]));
      const promotion = promotionRow ? toPromotion(promotionRow) : undefined;

      const reasons: string[] = [];
      if (!customer) reasons.push(`customer ${order.customer_id} does not exist`);
      else if (!customer.active) reasons.push(`customer ${customer.id} is inactive`);
      if (customer && customer.currency !== order.currency)
        reasons.push(`order currency ${order.currency} differs from the customer's ${customer.currency}`);
      if (customer && order.payment_method === 'invoice' && customer.paymentTerms !== 'net30') {
        reasons.push(`customer ${customer.id} pays ${customer.paymentTerms}: invoice payment needs net30 terms`);
      }
      for (const line of lines) {
        const product = products.get(line.sku);
        if (!product) reasons.push(`${line.sku}: no such product`);
        else if (!product.active) reasons.push(`${line.sku}: product is inactive`);
        else if (product.currency !== order.currency)
          reasons.push(`${line.sku}: priced in ${product.currency}, order is in ${order.currency}`);
      }
      for (const field of missingAddressFields(address)) reasons.push(`shippingAddress.${field} is missing`);
      if (order.promotion_code && !promotion) reasons.push(`promotion ${order.promotion_code} does not exist`);
      if (reasons.length > 0 || !customer) return { valid: false, reasons };
      // Checked at entry too; prices may have risen since.
      const tooValuable = orderValueProblem(catalogValue(lines, products), order.currency);
      if (tooValuable) return { valid: false, reasons: [tooValuable] };

      // Shipping is quoted from the warehouse expected to ship: the first that has everything, else the first.
      const weightGrams = sum(lines.map((line) => line.quantity * products.get(line.sku)!.weightGrams));
      const ranked = rankWarehouses(warehouses.map(toWarehouse), address);
      const levels = stock.map(toStockLevel);
      const origin =
        ranked.find((warehouse) =>
          coversAllLines(
            lines,
            new Map(
              levels.filter((level) => level.warehouse === warehouse.code).map((level) => [level.sku, level.available]),
            ),
          ),
        ) ?? ranked[0];
      const quote = origin
        ? chooseService(
            quoteShipping(shippingRates.map(toShippingRate), shippingZone(origin, address), weightGrams),
            order.expedite,
          )
        : undefined;

      const unpromoted = priceOrder({
        currency: order.currency,
        lines,
        catalog: products,
        taxRates: taxRates.map(toTaxRate),
        destination: address,
        shipping: quote,
      });
      const promotionIssue = promotion && promotionProblem(promotion, unpromoted.totals.subtotal, placedAt);
      if (promotionIssue) return { valid: false, reasons: [promotionIssue] };
      const priced = promotion
        ? priceOrder({
            currency: order.currency,
            lines,
            catalog: products,
            taxRates: taxRates.map(toTaxRate),
            destination: address,
            shipping: quote,
            promotion,
          })
        : unpromoted;
      const promised = origin && quote ? promisedDeliveryDate(placedAt, origin.cutoffHour, quote.transitDays) : null;

      // The prices and totals in one statement; with a promotion, in the transaction that counts its use.
      const storePrices = (query: Knex | Knex.Transaction) => storePricedOrder(query, orderId, priced, promised);
      const redeemed = promotion
        ? await db.transaction(async (trx) => {
            if (!(await redeemPromotion(trx, orderId, promotion.code))) return false;
            await storePrices(trx);
            return true;
          })
        : (await storePrices(db), true);
      if (!redeemed) return { valid: false, reasons: [`promotion ${promotion!.code} has reached its usage limit`] };

      // Credit in use (net30): open receivables, and what the customer's other open orders will still invoice.
      const [receivables, openOrders] =
        customer.paymentTerms === 'net30'
          ? await Promise.all([
              outstandingReceivables(db, customer.id),
              openOrdersNotInvoiced(db, customer.id, orderId),
            ])
          : [0, 0];
      const approval: ApprovalContext = {
        total: priced.totals.total,
        approvalLimit: customer.approvalLimit,
        paymentTerms: customer.paymentTerms,
        creditLimit: customer.creditLimit,
        outstandingReceivables: receivables,
        openOrdersNotInvoiced: openOrders,
        lines: lines.map((line) => ({ ...line, maxOrderQuantity: products.get(line.sku)!.maxOrderQuantity })),
      };
      const risk = {
        firstOrder: !(await hasEarlierOrder(db, customer.id, orderId)),
        customerCountry: customer.address?.country,
        shippingCountry: address.country,
      };
      return { valid: true, approval, promisedDeliveryDate: promised, risk, ...priced };
    },

    /** Gives a cancelled or rejected order's promotion use back; safe to repeat. */
    async releasePromotion({ orderId }) {
      await db.transaction(async (trx) => {
        const [released] = await trx('promotion_redemptions').where({ order_id: orderId }).delete().returning('code');
        if (released) await trx('promotions').where({ code: released.code }).decrement('times_used', 1);
      });
    },
  };
}

/** The priced lines and the order's totals, shipping service and promised date, in one statement. */
async function storePricedOrder(
  db: Knex | Knex.Transaction,
  orderId: string,
  priced: PricedOrder,
  promised: string | null,
): Promise<void> {
  const lines = priced.lines.map((line) => ({
    sku: line.sku,
    unit_price: line.unitPrice,
    tax_code: line.taxCode,
    tax_rate_bps: line.taxRateBps,
    subtotal: line.subtotal,
    discount: line.discount,
    tax: line.tax,
    total: line.total,
  }));
  const { subtotal, discount, shipping, tax, total } = priced.totals;
  await STORE_PRICES.run(db, {
    lines: JSON.stringify(lines),
    orderId,
    subtotal,
    discount,
    shipping,
    tax,
    total,
    service: priced.shipping.service,
    shippingTax: priced.shipping.tax,
    promised,
  });
}

const STORE_PRICES = preparedStatement(
  'store-order-prices',
  `WITH priced_lines AS (
       UPDATE order_lines SET unit_price = v.unit_price, tax_code = v.tax_code, tax_rate_bps = v.tax_rate_bps, subtotal = v.subtotal,
         discount = v.discount, tax = v.tax, total = v.total
       FROM jsonb_to_recordset(CAST(:lines AS jsonb)) AS v(sku text, unit_price bigint, tax_code text, tax_rate_bps integer,
         subtotal bigint, discount bigint, tax bigint, total bigint)
       WHERE order_lines.order_id = :orderId AND order_lines.sku = v.sku)
     UPDATE orders SET subtotal = :subtotal, discount = :discount, shipping = :shipping, tax = :tax, total = :total,
       shipping_service = :service, shipping_tax = :shippingTax, promised_delivery_date = :promised, updated_at = now()
     WHERE id = :orderId`,
);

/**
 * Counts one use of a promotion for an order, atomically against its usage limit; true when the order holds
 * a use (also when an earlier attempt of this activity took it).
 */
async function redeemPromotion(trx: Knex.Transaction, orderId: string, code: string): Promise<boolean> {
  if (await trx('promotion_redemptions').where({ order_id: orderId }).first()) return true;
  const counted = await trx('promotions')
    .where({ code })
    .where((query) => query.whereNull('usage_limit').orWhereRaw('times_used < usage_limit'))
    .increment('times_used', 1);
  if (counted === 0) return false;
  await trx('promotion_redemptions').insert({ order_id: orderId, code });
  return true;
}

/**
 * Everything pricing reads, in one statement: the order and its lines, and the master data as it is now (customer,
 * products, promotion, active warehouses, stock of the order's SKUs, shipping rates, tax rates of the destination).
 * Rows come as JSON (`row_to_json`) and go through the same mappers as every other read of those tables.
 */
const PRICING_INPUTS = preparedStatement<{
  order: Row | null;
  lines: OrderLineRequest[];
  customer: Row | null;
  products: Row[];
  promotion: Row | null;
  warehouses: Row[];
  stock: { sku: string; warehouse_code: string; on_hand: number; reserved: number }[];
  shippingRates: Row[];
  taxRates: Row[];
}>(
  'pricing-inputs',
  `WITH o AS (SELECT * FROM orders WHERE id = :orderId),
   l AS (SELECT sku, quantity, line_no FROM order_lines WHERE order_id = :orderId)
   SELECT
     (SELECT row_to_json(o) FROM o) AS "order",
     (SELECT coalesce(json_agg(json_build_object('sku', sku, 'quantity', quantity) ORDER BY line_no), '[]') FROM l) AS lines,
     (SELECT row_to_json(c) FROM customers c WHERE c.id = (SELECT customer_id FROM o)) AS customer,
     (SELECT coalesce(json_agg(p), '[]') FROM products p WHERE p.sku IN (SELECT sku FROM l)) AS products,
     (SELECT row_to_json(p) FROM promotions p WHERE p.code = (SELECT promotion_code FROM o)) AS promotion,
     ${ACTIVE_WAREHOUSES_JSON} AS warehouses,
     ${stockJson('SELECT sku FROM l')} AS stock,
     (SELECT coalesce(json_agg(r), '[]') FROM shipping_rates r) AS "shippingRates",
     (SELECT coalesce(json_agg(t), '[]') FROM tax_rates t WHERE t.country = (SELECT shipping_address->>'country' FROM o)) AS "taxRates"`,
);

/** Whether the customer placed an order before this one (the risk rules hold a large first order). */
async function hasEarlierOrder(db: Knex, customerId: string, orderId: string): Promise<boolean> {
  const { rows } = await db.raw(
    `SELECT EXISTS (SELECT 1 FROM orders o JOIN orders this ON this.id = ?
       WHERE o.customer_id = ? AND o.id <> this.id AND o.created_at <= this.created_at) AS earlier`,
    [orderId, customerId],
  );
  return rows[0].earlier === true;
}
