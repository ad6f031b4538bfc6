import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { createActivities } from '../../activities';
import { createSimulatedCarrier } from '../../adapters/carrier/simulated';
import { createSandboxPaymentProvider } from '../../adapters/payments/sandbox';
import { createApp } from '../../api/app';
import { insertOrder } from '../../db/orders';
import { ensureStockRow, moveStock } from '../../db/stock';
import { createLogger } from '../../observability/logger';
import { eventually } from '../support/helpers';
import { newOrderRecord, orderBody, startOms, type TestOms } from '../support/oms';

/**
 * Backorders (SPEC section 3): stock that arrives or is freed resumes every order still missing units of its SKU,
 * highest priority first, then oldest first; no single order (closed, jammed, refusing) holds up the others.
 */

async function newProduct(oms: TestOms, sku: string) {
  const created = await oms.request('POST', '/v1/products', {
    body: { sku, name: sku, unitPrice: 1000, currency: 'USD', taxCode: 'GENERAL', weightGrams: 100 },
  });
  expect(created.status).toBe(201);
}

async function place(oms: TestOms, body: Record<string, unknown>): Promise<string> {
  const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
  expect(placed.status).toBe(202);
  return placed.body.id;
}

/** Stock moved straight into the ledger (no receipt or adjustment: no restock run of its own). */
async function putStock(oms: TestOms, warehouse: string, sku: string, units: number) {
  await ensureStockRow(oms.db, warehouse, sku);
  await moveStock(oms.db, {
    warehouse,
    sku,
    reason: 'adjustment',
    onHandDelta: units,
    reservedDelta: 0,
    reference: 'test stock',
    movementKey: `test:${randomUUID()}`,
  });
}

const reservedOf = async (oms: TestOms, orderId: string) =>
  (await oms.request('GET', `/v1/orders/${orderId}`)).body.lines[0].reservedQuantity as number;

describe('freed stock resumes waiting orders (manual fulfilment: reservations wait for their pick)', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { fulfillmentMode: 'manual', backorderTimeoutMs: 600_000 } });
  });
  afterAll(() => oms.close());

  it('a cancellation that releases reserved units resumes the order waiting for them', async () => {
    await newProduct(oms, 'SPROCKET-C');
    await putStock(oms, 'EWR', 'SPROCKET-C', 2);
    const holder = await place(oms, orderBody({ lines: [{ sku: 'SPROCKET-C', quantity: 2 }] }));
    await oms.waitForStatus(holder, 'PICKING');
    const waiting = await place(oms, orderBody({ lines: [{ sku: 'SPROCKET-C', quantity: 1 }] }));
    await oms.waitForStatus(waiting, 'BACKORDERED');

    const cancelled = await oms.request('POST', `/v1/orders/${holder}/cancel`, {
      as: 'support',
      body: { reason: 'changed mind' },
    });
    expect(cancelled.body).toEqual({ status: 'CANCELLED' });
    expect(
      await eventually(
        () => reservedOf(oms, waiting),
        (reserved) => reserved === 1,
        15_000,
      ),
    ).toBe(1);
    expect((await oms.request('GET', `/v1/orders/${waiting}`)).body.status).toMatch(/^(ALLOCATED|PICKING)$/);
  });

  it('a positive adjustment resumes the order waiting for the SKU', async () => {
    await newProduct(oms, 'SPROCKET-A');
    const waiting = await place(oms, orderBody({ lines: [{ sku: 'SPROCKET-A', quantity: 3 }] }));
    await oms.waitForStatus(waiting, 'BACKORDERED');
    const adjusted = await oms.request('POST', '/v1/inventory/adjustments', {
      as: 'warehouse',
      body: { warehouse: 'RNO', sku: 'SPROCKET-A', delta: 3, reason: 'found on a pallet' },
    });
    expect(adjusted.status).toBe(201);
    expect(
      await eventually(
        () => reservedOf(oms, waiting),
        (reserved) => reserved === 3,
        15_000,
      ),
    ).toBe(3);
  });

  it('freed stock nobody waits for starts no restock run', async () => {
    await newProduct(oms, 'SPROCKET-N');
    const adjusted = await oms.request('POST', '/v1/inventory/adjustments', {
      as: 'warehouse',
      body: { warehouse: 'RNO', sku: 'SPROCKET-N', delta: 3, reason: 'count' },
    });
    expect(adjusted.status).toBe(201);
    const runs: string[] = [];
    for await (const execution of oms.temporal.workflow.list({
      query: `WorkflowType = 'restockWorkflow' AND TaskQueue = '${oms.taskQueue}'`,
    }))
      if (execution.workflowId.includes('SPROCKET-N')) runs.push(execution.workflowId);
    expect(runs).toEqual([]);
    expect(await oms.db('restock_workflow_starts').where({ sku: 'SPROCKET-N' })).toEqual([]);
  });
});

describe('restock runs (auto fulfilment)', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({
      settings: { carrierDeliveryDelayMs: 200, backorderTimeoutMs: 600_000, returnWindowMs: 60_000 },
    });
  });
  afterAll(() => oms.close());

  it('a waiting order whose workflow was terminated does not stop the run: the next order still gets the stock', async () => {
    await newProduct(oms, 'GIZMO-T');
    // Critical customer (priority 1) first in the queue, then a standard one.
    const terminated = await place(
      oms,
      orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'GIZMO-T', quantity: 1 }] }),
    );
    await oms.waitForStatus(terminated, 'BACKORDERED');
    const waiting = await place(oms, orderBody({ lines: [{ sku: 'GIZMO-T', quantity: 1 }] }));
    await oms.waitForStatus(waiting, 'BACKORDERED');
    await oms.temporal.workflow.getHandle(terminated).terminate('operator ended it by hand');

    const receipt = await oms.request('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse: 'EWR', sku: 'GIZMO-T', quantity: 2, reference: 'PO-GIZMO-T' },
    });
    expect(receipt.status).toBe(201);
    const run = await oms.temporal.workflow.getHandle(receipt.body.restockWorkflow).result();
    expect(run).toEqual({ resumed: [waiting] });
    expect((await oms.waitForStatus(waiting, ['SHIPPED', 'DELIVERED'])).lines[0].shippedQuantity).toBe(1);
  });

  it('a returned unit put back on the shelf resumes the order waiting for it', async () => {
    await newProduct(oms, 'GIZMO-R');
    await putStock(oms, 'EWR', 'GIZMO-R', 1);
    const returned = await place(oms, orderBody({ lines: [{ sku: 'GIZMO-R', quantity: 1 }] }));
    await oms.waitForStatus(returned, 'DELIVERED');
    const waiting = await place(oms, orderBody({ lines: [{ sku: 'GIZMO-R', quantity: 1 }] }));
    await oms.waitForStatus(waiting, 'BACKORDERED');

    const opened = await oms.request('POST', `/v1/orders/${returned}/returns`, {
      as: 'support',
      body: { lines: [{ sku: 'GIZMO-R', quantity: 1 }], reason: 'not needed', resolution: 'refund' },
    });
    expect(opened.status).toBe(201);
    const received = await oms.request('POST', `/v1/returns/${encodeURIComponent(opened.body.id)}/receive`, {
      as: 'warehouse',
      body: { lines: [{ sku: 'GIZMO-R', quantity: 1, condition: 'resellable' }] },
    });
    expect(received.status).toBe(200);
    expect((await oms.waitForStatus(waiting, ['SHIPPED', 'DELIVERED'])).lines[0].shippedQuantity).toBe(1);
  });

  it('a receipt whose restock start fails still answers 201, and the sweeper starts the run', async () => {
    await newProduct(oms, 'GIZMO-D');
    const waiting = await place(oms, orderBody({ lines: [{ sku: 'GIZMO-D', quantity: 2 }] }));
    await oms.waitForStatus(waiting, 'BACKORDERED');

    // An API whose Temporal refuses every workflow start (unreachable, say) after the receipt committed.
    const unreachable = {
      ...oms.temporal,
      workflow: { start: () => Promise.reject(new Error('14 UNAVAILABLE: Temporal is unreachable')) },
    } as unknown as Client;
    const key = `key-${randomBytes(4).toString('hex')}`;
    const app = createApp({
      db: oms.db,
      temporal: unreachable,
      taskQueue: oms.taskQueue,
      config: {
        apiKeys: [{ key, role: 'warehouse' }],
        orderSettings: oms.settings,
        temporalUiUrl: 'http://localhost',
        temporalNamespace: 'default',
        carrierWebhookSecret: 'x',
      },
      logger: createLogger({ level: 'silent' }),
    });
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const response = await fetch(
        `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/inventory/receipts`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ warehouse: 'EWR', sku: 'GIZMO-D', quantity: 2, reference: 'PO-GIZMO-D' }),
        },
      );
      expect(response.status).toBe(201);
      const { restockWorkflow } = (await response.json()) as { restockWorkflow: string };
      expect(await oms.db('restock_workflow_starts').where({ workflow_id: restockWorkflow }).first('sku')).toEqual({
        sku: 'GIZMO-D',
      });
      expect((await oms.request('GET', `/v1/orders/${waiting}`)).body.status).toBe('BACKORDERED');

      // The sweeper of an API that reaches Temporal starts it (any request older than 0 ms here).
      expect(await oms.restockStarts.sweep(0)).toBeGreaterThanOrEqual(1);
      expect(await oms.temporal.workflow.getHandle(restockWorkflow).result()).toEqual({ resumed: [waiting] });
      expect((await oms.waitForStatus(waiting, ['SHIPPED', 'DELIVERED'])).lines[0].shippedQuantity).toBe(2);
      expect(await oms.db('restock_workflow_starts').where({ workflow_id: restockWorkflow })).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the restock activity, order by order', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { backorderTimeoutMs: 600_000 } });
    await newProduct(oms, 'GIZMO-J');
  });
  afterAll(() => oms.close());

  /** An order as the read model knows it, missing `units` of GIZMO-J, with whatever workflow (or none) the test gives it. */
  async function recordedOrder(status: string, priority: number, units = 1): Promise<string> {
    const id = `ORD-TEST${randomBytes(4).toString('hex').toUpperCase()}`;
    await insertOrder(oms.db, newOrderRecord(id, { priority, lines: [{ sku: 'GIZMO-J', quantity: units }] }));
    await oms.db('orders').where({ id }).update({ status });
    await oms.db('order_lines').where({ order_id: id }).update({ approved_quantity: units });
    return id;
  }

  it('offers stock to every running order missing units, by priority then age, skipping any that cannot answer', async () => {
    // Priority 1: a workflow no worker runs (an Update to it is never answered), one terminated, one that never
    // existed; then a real order waiting (priority 3), and a cancelled order that is not offered anything.
    const jammed = await recordedOrder('BACKORDERED', 1);
    await oms.temporal.workflow.start('orderWorkflow', {
      taskQueue: `nobody-polls-${randomUUID()}`,
      workflowId: jammed,
      args: [{}],
    });
    const terminated = await recordedOrder('PARTIALLY_SHIPPED', 1);
    await oms.temporal.workflow.start('orderWorkflow', {
      taskQueue: `nobody-polls-${randomUUID()}`,
      workflowId: terminated,
      args: [{}],
    });
    await oms.temporal.workflow.getHandle(terminated).terminate('gone');
    const missing = await recordedOrder('ALLOCATED', 1);
    const closed = await recordedOrder('CANCELLED', 1);
    const waiting = await place(oms, orderBody({ lines: [{ sku: 'GIZMO-J', quantity: 2 }] }));
    await oms.waitForStatus(waiting, 'BACKORDERED');
    await putStock(oms, 'EWR', 'GIZMO-J', 2);

    const logged: { level: LogLevel; message: string; meta?: LogMetadata }[] = [];
    const record = (level: LogLevel) => (message: string, meta?: LogMetadata) => logged.push({ level, message, meta });
    const logger = {
      log: (level: LogLevel, message: string, meta?: LogMetadata) => logged.push({ level, message, meta }),
      trace: record('TRACE'),
      debug: record('DEBUG'),
      info: record('INFO'),
      warn: record('WARN'),
      error: record('ERROR'),
    };
    const activities = createActivities({
      db: oms.db,
      payments: createSandboxPaymentProvider(oms.db),
      carrier: createSimulatedCarrier(),
      temporal: oms.temporal,
      restockStarts: oms.restockStarts,
      backorderResumeTimeoutMs: 1_500,
    });
    const started = Date.now();
    const result = await new MockActivityEnvironment({}, { logger }).run(activities.resumeBackorders, {
      sku: 'GIZMO-J',
    });
    // The jammed order did not answer: the restock workflow asks it again later. The terminated and the missing ones
    // never will.
    expect(result).toEqual({ resumed: [waiting], unanswered: [jammed] });
    // One jammed order costs its bound, not the run.
    expect(Date.now() - started).toBeLessThan(15_000);
    const skipped = logged
      .filter((entry) => entry.message.startsWith('restock: order skipped'))
      .map((entry) => entry.meta?.orderId);
    expect(skipped).toEqual([jammed, terminated, missing]);
    expect(skipped).not.toContain(closed);
    expect((await oms.waitForStatus(waiting, ['SHIPPED', 'DELIVERED'])).lines[0].shippedQuantity).toBe(2);
    await oms.temporal.workflow.getHandle(jammed).terminate('test done');
  });

  it('a retried run goes on after the orders its earlier attempt offered', async () => {
    const offeredBefore = await recordedOrder('BACKORDERED', 1);
    await putStock(oms, 'EWR', 'GIZMO-J', 1);
    const activities = createActivities({
      db: oms.db,
      payments: createSandboxPaymentProvider(oms.db),
      carrier: createSimulatedCarrier(),
      temporal: oms.temporal,
      restockStarts: oms.restockStarts,
      backorderResumeTimeoutMs: 1_500,
    });
    const skippedOrders: unknown[] = [];
    const logger = {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (_message: string, meta?: LogMetadata) => skippedOrders.push(meta?.orderId),
      error: () => undefined,
    };
    const environment = new MockActivityEnvironment(
      { heartbeatDetails: { offered: [offeredBefore], resumed: ['ORD-EARLIER'] } },
      { logger },
    );
    const result = (await environment.run(activities.resumeBackorders, { sku: 'GIZMO-J' })) as { resumed: string[] };
    expect(result.resumed).toEqual(['ORD-EARLIER']);
    expect(skippedOrders).not.toContain(offeredBefore);
    await oms.db('orders').where({ id: offeredBefore }).update({ status: 'CANCELLED' });
  });
});
