import { ApiClient, API_OPTIONS, API_OPTIONS_HELP } from '../api-client';
import { positiveInteger, requiredOption, type Command } from '../command';

interface ReceiptReply {
  duplicate: boolean;
  level: { onHand: number; reserved: number; available: number };
}

export const inventoryReceiveCommand: Command = {
  name: 'inventory receive',
  usage: '--warehouse CODE --sku SKU --quantity N --reference REF',
  summary: 'Receives stock into a warehouse (POST /v1/inventory/receipts, role warehouse); waiting backorders resume.',
  help: `  --warehouse CODE   the warehouse (e.g. EWR)
  --sku SKU          the product
  --quantity N       units received
  --reference REF    the delivery's reference: receiving the same one again moves nothing
${API_OPTIONS_HELP}`,
  options: {
    warehouse: { type: 'string' },
    sku: { type: 'string' },
    quantity: { type: 'string' },
    reference: { type: 'string' },
    ...API_OPTIONS,
  },
  async run({ values }, output) {
    const receipt = {
      warehouse: requiredOption(values, 'warehouse', this.name),
      sku: requiredOption(values, 'sku', this.name),
      quantity: positiveInteger(requiredOption(values, 'quantity', this.name), '--quantity'),
      reference: requiredOption(values, 'reference', this.name),
    };
    const reply = await ApiClient.from(values).request<ReceiptReply>('POST', '/v1/inventory/receipts', {
      json: receipt,
    });
    if (values.json) return output.out(JSON.stringify(reply, null, 2));
    const level = `on hand ${reply.level.onHand}, reserved ${reply.level.reserved}, available ${reply.level.available}`;
    output.out(
      reply.duplicate
        ? `reference ${receipt.reference} was already received for ${receipt.sku} in ${receipt.warehouse}: nothing moved (${level})`
        : `received ${receipt.quantity} × ${receipt.sku} into ${receipt.warehouse} (${level})`,
    );
  },
};
