import { ApplicationFailure } from '@temporalio/activity';
import { missingAddressFields } from '../domain/address';
import type { ApprovalContext } from '../domain/approval';
import type { Address, OrderLineRequest } from '../domain/order';
import { priceOrder, type PricedOrder } from '../domain/pricing';
import { findCustomer, findProducts, outstandingReceivables, taxRatesFor } from '../db/catalog';
import type { ActivityDeps } from './deps';

export type ValidatedOrder =
  | ({ valid: true; approval: ApprovalContext } & PricedOrder)
  | { valid: false; reasons: string[] };

/**
 * Step 1, PENDING: checks the order against master data as it is now (a product may have been deactivated
 * since the API accepted it), reporting every reason, then prices it and stores the prices on the order.
 */
export function createPricingActivities({ db }: ActivityDeps) {
  return {
    async validateAndPriceOrder({ orderId }: { orderId: string }): Promise<ValidatedOrder> {
      const order = await db('orders').where({ id: orderId }).first();
      // The API writes the record before it starts the workflow; without one there is nothing to process.
      if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} has no record`, 'OrderRecordMissing');
      const lines: OrderLineRequest[] = await db('order_lines').where({ order_id: orderId }).orderBy('line_no').select('sku', 'quantity');
      const address: Address = order.shipping_address;
      const [customer, products] = await Promise.all([findCustomer(db, order.customer_id), findProducts(db, lines.map((line) => line.sku))]);

      const reasons: string[] = [];
      if (!customer) reasons.push(`customer ${order.customer_id} does not exist`);
      else if (!customer.active) reasons.push(`customer ${customer.id} is inactive`);
      if (customer && customer.currency !== order.currency) reasons.push(`order currency ${order.currency} differs from the customer's ${customer.currency}`);
      if (customer && order.payment_method === 'invoice' && customer.paymentTerms !== 'net30') {
        reasons.push(`customer ${customer.id} pays ${customer.paymentTerms}: invoice payment needs net30 terms`);
      }
      for (const line of lines) {
        const product = products.get(line.sku);
        if (!product) reasons.push(`${line.sku}: no such product`);
        else if (!product.active) reasons.push(`${line.sku}: product is inactive`);
        else if (product.currency !== order.currency) reasons.push(`${line.sku}: priced in ${product.currency}, order is in ${order.currency}`);
      }
      for (const field of missingAddressFields(address)) reasons.push(`shippingAddress.${field} is missing`);
      if (reasons.length > 0 || !customer) return { valid: false, reasons };

      const priced = priceOrder({ currency: order.currency, lines, catalog: products, taxRates: await taxRatesFor(db, address.country), destination: address });
      await db.transaction(async (trx) => {
        for (const line of priced.lines) {
          await trx('order_lines').where({ order_id: orderId, sku: line.sku }).update({
            unit_price: line.unitPrice,
            tax_code: line.taxCode,
            tax_rate_bps: line.taxRateBps,
            subtotal: line.subtotal,
            tax: line.tax,
            total: line.total,
          });
        }
        const { subtotal, discount, shipping, tax, total } = priced.totals;
        await trx('orders').where({ id: orderId }).update({ subtotal, discount, shipping, tax, total, updated_at: trx.fn.now() });
      });

      const approval: ApprovalContext = {
        total: priced.totals.total,
        approvalLimit: customer.approvalLimit,
        paymentTerms: customer.paymentTerms,
        creditLimit: customer.creditLimit,
        outstandingReceivables: customer.paymentTerms === 'net30' ? await outstandingReceivables(db, customer.id) : 0,
        lines: lines.map((line) => ({ ...line, maxOrderQuantity: products.get(line.sku)!.maxOrderQuantity })),
      };
      return { valid: true, approval, ...priced };
    },
  };
}
