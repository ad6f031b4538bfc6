import { ApiClient, API_OPTIONS, API_OPTIONS_HELP } from '../api-client';
import { listOption, skuQuantity, stringOption, type Command } from '../command';

export const ordersApproveCommand: Command = {
  name: 'orders approve',
  usage: 'ORDER_ID [--line SKU:QTY ...] [--note TEXT]',
  summary: 'Approves an order awaiting approval (POST /v1/orders/:id/approve, role approver), in full or reduced.',
  help: `  --line SKU:QTY   approve QTY of that line (0 cancels it); lines not named keep their full quantity
  --note TEXT      a note for the order's timeline
${API_OPTIONS_HELP}

The API answers 409 when the order is not awaiting approval.`,
  options: { line: { type: 'string', multiple: true }, note: { type: 'string' }, ...API_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals: [orderId] }, output) {
    const lines = listOption(values, 'line').map((line) => skuQuantity(line, '--line', true));
    const note = stringOption(values, 'note');
    const api = ApiClient.from(values);
    const reply = await api.request<{ status: string }>('POST', `/v1/orders/${encodeURIComponent(orderId)}/approve`, {
      json: {
        ...(lines.length ? { lines: lines.map(({ sku, quantity }) => ({ sku, approvedQuantity: quantity })) } : {}),
        ...(note ? { note } : {}),
      },
    });
    if (values.json) return output.out(JSON.stringify(reply, null, 2));
    output.out(`approved ${orderId}: now ${reply.status}`);
  },
};
