import { ApiClient, API_OPTIONS, API_OPTIONS_HELP } from '../api-client';
import { CliError, listOption, requiredOption, skuQuantity, stringOption, type Command } from '../command';

interface Placed {
  id: string;
  trackingNumber: string;
  status: string;
}

export const ordersPlaceCommand: Command = {
  name: 'orders place',
  usage: '--customer ID --line SKU:QTY [--line SKU:QTY ...] [--card TOKEN | --invoice] [options]',
  summary: 'Places an order (POST /v1/orders, role sales) and prints its id, tracking number and status.',
  help: `  --customer ID          the customer (e.g. CUST-ACME)
  --line SKU:QTY         a line; repeat for more (e.g. --line MUG-BLK:2 --line TEE-M:1)
  --card TOKEN           pay by card with this payment token (sandbox: tok_ok, tok_decline, tok_flaky)
  --invoice              pay by invoice (net30 customers)
                         neither: invoice for net30 customers; card customers need --card
  --expedite             fastest shipping, one priority step up
  --promotion CODE       a promotion code
  --backorder-policy P   ship_available (default), wait_all or cancel_unavailable
  --idempotency-key K    retrying with the same key places the order once
${API_OPTIONS_HELP}`,
  options: {
    customer: { type: 'string' },
    line: { type: 'string', multiple: true },
    card: { type: 'string' },
    invoice: { type: 'boolean' },
    expedite: { type: 'boolean' },
    promotion: { type: 'string' },
    'backorder-policy': { type: 'string' },
    'idempotency-key': { type: 'string' },
    ...API_OPTIONS,
  },
  async run({ values }, output) {
    const customerId = requiredOption(values, 'customer', this.name);
    const lines = listOption(values, 'line').map((line) => skuQuantity(line, '--line'));
    if (lines.length === 0)
      throw new CliError(`at least one --line SKU:QTY is required. See: npx oms ${this.name} --help`, 2);
    const card = stringOption(values, 'card');
    if (card !== undefined && values.invoice) throw new CliError('pass either --card TOKEN or --invoice, not both', 2);
    const api = ApiClient.from(values);
    let payment: { method: 'card'; token: string } | { method: 'invoice' };
    if (card !== undefined) payment = { method: 'card', token: card };
    else if (values.invoice) payment = { method: 'invoice' };
    else {
      const customer = await api.request<{ paymentTerms?: string }>(
        'GET',
        `/v1/customers/${encodeURIComponent(customerId)}`,
      );
      if (customer.paymentTerms !== 'net30')
        throw new CliError(
          `${customerId} pays by card (${customer.paymentTerms}): pass --card TOKEN (sandbox: tok_ok)`,
          2,
        );
      payment = { method: 'invoice' };
    }
    const idempotencyKey = stringOption(values, 'idempotency-key');
    const placed = await api.request<Placed>('POST', '/v1/orders', {
      json: {
        customerId,
        lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
        payment,
        ...(values.expedite ? { expedite: true } : {}),
        ...(stringOption(values, 'promotion') ? { promotionCode: stringOption(values, 'promotion') } : {}),
        ...(stringOption(values, 'backorder-policy')
          ? { backorderPolicy: stringOption(values, 'backorder-policy') }
          : {}),
      },
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    });
    if (values.json) return output.out(JSON.stringify(placed, null, 2));
    output.out(`placed ${placed.id}  tracking ${placed.trackingNumber}  status ${placed.status}`);
    output.err(`follow it: curl -s ${api.url}/v1/orders/${placed.id} -H "Authorization: Bearer $OMS_API_KEY"`);
  },
};
