import { formatMoney } from '../../../domain/money';
import type { InvoicedDetail } from '../../../domain/order-events';
import type { ShipmentState } from '../messages';
import type { OrderRun } from '../order-run';
import { summary } from '../runtime';
import { step } from './holds';

/**
 * Capture (card) and invoice one shipped shipment. Bills are made one at a time, so each knows what was billed
 * before: every bill of an order together equals the order.
 */
export function bill(run: OrderRun, shipment: ShipmentState): Promise<unknown> {
  const { book, runtime, state } = run;
  const { orderId } = run.input;
  run.billing = run.billing.then(async () => {
    const charge = book.billFor(shipment);
    if (state.authorization) {
      const capture = {
        orderId,
        shipmentId: shipment.id,
        authorizationId: state.authorization.id,
        amount: charge.total,
        currency: charge.currency,
      };
      const capturing = summary(`Capture ${formatMoney(charge.total, charge.currency)} for ${shipment.id}`);
      await step(run, 'payment capture', () =>
        runtime.captureStep((proxy, carried) =>
          proxy.capturePayment.executeWithOptions(capturing, [{ ...capture, ...carried }]),
        ),
      );
      shipment.capturedAmount = charge.total;
      await runtime.recordEvent({ type: 'payment', message: `Captured ${charge.total} for ${shipment.id}` });
    }
    const invoicing = summary(`Invoice ${formatMoney(charge.total, charge.currency)} for ${shipment.id}`);
    const invoice = await step(run, 'invoicing', () =>
      runtime.databaseStep((proxy) =>
        proxy.issueInvoice.executeWithOptions(invoicing, [{ orderId, shipmentId: shipment.id, bill: charge }]),
      ),
    );
    shipment.invoiceNumber = invoice.number;
    shipment.invoiceTotal = invoice.total;
    const invoiced: InvoicedDetail = {
      invoiceNumber: invoice.number,
      shipmentId: shipment.id,
      total: invoice.total,
      currency: charge.currency,
    };
    await runtime.recordEvent({
      type: 'invoiced',
      message: `Invoice ${invoice.number} issued for ${shipment.id}: ${invoice.total}`,
      detail: { ...invoiced },
    });
  });
  return run.billing;
}
