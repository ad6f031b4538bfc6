import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Role } from '../../config';
import type { OrderStatus } from '../../domain/order';
import type { ScreenContext } from './screens';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON answers, read a field at a time
type Json = any;

/** The OMS API as the screenshot script (OmsApiClient) and the tests (TestOms) both call it. */
export interface SeedApi {
  request(method: string, path: string, options: { as: Role; body?: unknown }): Promise<{ status: number; body: Json }>;
}

/**
 * Orders in the states the console is about, on a system with the demo catalog, manual fulfilment (pick lists stay
 * open until confirmed), slow deliveries (shipped orders stay shipped) and long approval, backorder and return
 * windows: shipped ones (one with a carrier exception), one on hold, one awaiting approval, a backorder, a delivered
 * one with a refund and a return, a declined payment, open pick lists, stock movements, and a webhook subscription
 * (to `webhookUrl`) whose deliveries are logged. Answers the ids the screens' addresses name.
 */
export async function seedConsoleData(
  api: SeedApi,
  options: { webhookUrl: string; log?: (message: string) => void },
): Promise<ScreenContext> {
  const log = options.log ?? (() => undefined);
  const send = async (as: Role, method: string, path: string, body?: unknown, expected = [200, 201, 202]) => {
    const answer = await api.request(method, path, { as, body });
    if (!expected.includes(answer.status))
      throw new Error(`seeding: ${method} ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const place = async (body: Record<string, unknown>): Promise<string> =>
    (await send('sales', 'POST', '/v1/orders', { payment: { method: 'card', token: 'tok_ok' }, ...body })).id;
  const reached = async (id: string, statuses: OrderStatus[]) => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
      const order = await send('admin', 'GET', `/v1/orders/${id}`);
      if (statuses.includes(order.status)) return order;
    }
    throw new Error(`seeding: order ${id} did not reach ${statuses.join(' or ')} within 60 s`);
  };
  const confirmPick = async (orderId: string) => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
      const lists = await send('warehouse', 'GET', '/v1/pick-lists?status=open');
      const list = lists.items.find((item: { orderId: string }) => item.orderId === orderId);
      if (list) return send('warehouse', 'POST', `/v1/pick-lists/${encodeURIComponent(list.id)}/confirm`, {});
    }
    throw new Error(`seeding: no open pick list for ${orderId} within 60 s`);
  };
  const shipmentOf = async (id: string) => (await reached(id, ['SHIPPED'])).shipments[0].id as string;

  log('webhook subscription to every event');
  const webhook = await send('admin', 'POST', '/v1/webhooks', {
    url: options.webhookUrl,
    events: ['*'],
    description: 'ERP order sync',
  });

  log('orders');
  // Small first orders: a customer's first order above the risk limit would be held by the risk rules.
  const shipped = await Promise.all([
    place({ customerId: 'CUST-ACME', lines: [{ sku: 'MUG-BLK', quantity: 6 }], channel: 'shop', externalId: 'S-1001' }),
    place({
      customerId: 'CUST-GLOBEX',
      lines: [
        { sku: 'TEE-M', quantity: 12 },
        { sku: 'MUG-BLK', quantity: 12 },
      ],
      payment: { method: 'invoice' },
    }),
    place({ customerId: 'CUST-INITECH', lines: [{ sku: 'BEANS-1KG', quantity: 4 }], expedite: true }),
    place({ customerId: 'CUST-ACME', lines: [{ sku: 'TEE-M', quantity: 3 }], channel: 'shop', externalId: 'S-1002' }),
  ]);
  const afterSales = await place({
    customerId: 'CUST-ACME',
    lines: [
      { sku: 'MUG-BLK', quantity: 4 },
      { sku: 'BEANS-1KG', quantity: 2 },
    ],
  });
  const picking = await Promise.all([
    place({ customerId: 'CUST-INITECH', lines: [{ sku: 'TEE-M', quantity: 2 }] }),
    place({ customerId: 'CUST-GLOBEX', lines: [{ sku: 'BEANS-1KG', quantity: 10 }], payment: { method: 'invoice' } }),
  ]);
  const held = await place({ customerId: 'CUST-GLOBEX', lines: [{ sku: 'MUG-BLK', quantity: 30 }] });
  // More beans than any warehouse has, all or nothing: it waits for stock.
  const backordered = await place({
    customerId: 'CUST-INITECH',
    lines: [{ sku: 'BEANS-1KG', quantity: 400 }],
    backorderPolicy: 'wait_all',
  });
  await place({
    customerId: 'CUST-ACME',
    lines: [{ sku: 'MUG-BLK', quantity: 1 }],
    payment: { method: 'card', token: 'tok_decline' },
  });
  // Beyond Acme's approval limit.
  const approval = await place({
    customerId: 'CUST-ACME',
    lines: [
      { sku: 'LAPTOP-14', quantity: 4 },
      { sku: 'MUG-BLK', quantity: 4 },
    ],
  });

  log('picking, shipping, delivery');
  await Promise.all([...shipped, afterSales].map((id) => reached(id, ['PICKING']).then(() => confirmPick(id))));
  const exception = await shipmentOf(shipped[3]);
  await send('carrier', 'POST', `/v1/shipments/${exception}/events`, {
    status: 'exception',
    detail: 'address not found: recipient moved',
  });
  await send('carrier', 'POST', `/v1/shipments/${await shipmentOf(afterSales)}/events`, { status: 'delivered' });
  await reached(afterSales, ['DELIVERED']);

  log('refund, return, hold, stock movements');
  await send('support', 'POST', `/v1/orders/${afterSales}/refunds`, {
    amount: 500,
    reason: 'goodwill: late delivery',
  });
  await send('support', 'POST', `/v1/orders/${afterSales}/returns`, {
    lines: [{ sku: 'MUG-BLK', quantity: 1 }],
    reason: 'arrived chipped',
    resolution: 'refund',
  });
  await reached(held, ['PICKING']);
  await send('support', 'POST', `/v1/orders/${held}/hold`, { reason: 'customer asked to wait for a new address' });
  await send('warehouse', 'POST', '/v1/inventory/receipts', {
    warehouse: 'RNO',
    sku: 'BEANS-1KG',
    quantity: 24,
    reference: 'PO-1042',
  });
  await send('warehouse', 'POST', '/v1/inventory/adjustments', {
    warehouse: 'EWR',
    sku: 'MUG-BLK',
    delta: -2,
    reason: 'damaged in storage',
  });

  await Promise.all([
    reached(held, ['ON_HOLD']),
    reached(backordered, ['BACKORDERED']),
    reached(approval, ['AWAITING_APPROVAL']),
    ...picking.map((id) => reached(id, ['PICKING'])),
  ]);
  return { approvalOrder: approval, afterSalesOrder: afterSales, webhookId: webhook.id };
}

/** A webhook receiver on loopback that refuses its first two requests (503), so the delivery log shows retries. */
export async function startHookReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(++received <= 2 ? 503 : 204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/oms-events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
