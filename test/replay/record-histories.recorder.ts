import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { orderBody, startOms, type TestOms } from '../support/oms';
import { HISTORIES_DIR, RECORDING_CODEC_KEYS, historyToText } from './histories';

/**
 * Records the histories that `replay.test.ts` replays: one per scenario of the order process, driven through
 * the API on the real servers and run to the end. Run it with `npm run record-histories` after a deliberate,
 * `patched()`-guarded workflow change, and commit the new files beside the old ones (old histories stay: they
 * are the orders already running in production).
 */
const VERSION = process.env.OMS_HISTORY_VERSION ?? new Date().toISOString().slice(0, 10);

describe('record workflow histories', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({
      codecKeys: RECORDING_CODEC_KEYS,
      settings: {
        carrierDeliveryDelayMs: 200,
        returnWindowMs: 3_000,
        approvalTimeoutMs: 60_000,
        backorderTimeoutMs: 60_000,
      },
    });
  });
  afterAll(() => oms.close());

  async function place(body: Record<string, unknown>): Promise<string> {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  /** Waits for the workflow to finish and writes its history as `<scenario>.<version>.json`. */
  async function record(scenario: string, workflowId: string): Promise<void> {
    const handle = oms.temporal.workflow.getHandle(workflowId);
    await handle.result();
    const history = await handle.fetchHistory();
    mkdirSync(HISTORIES_DIR, { recursive: true });
    const file = path.join(HISTORIES_DIR, `${scenario}.${VERSION}.json`);
    writeFileSync(file, historyToText(workflowId, history));
    console.log(`recorded ${scenario}: ${history.events?.length} events -> ${path.relative(process.cwd(), file)}`);
  }

  async function returnGoods(orderId: string, sku: string, resolution: 'refund' | 'exchange'): Promise<string> {
    const opened = await oms.request('POST', `/v1/orders/${orderId}/returns`, {
      as: 'support',
      body: { lines: [{ sku, quantity: 1 }], reason: 'recorded scenario', resolution },
    });
    expect(opened.status).toBe(201);
    const returnId = opened.body.id as string;
    const received = await oms.request('POST', `/v1/returns/${encodeURIComponent(returnId)}/receive`, {
      as: 'warehouse',
      body: { lines: [{ sku, quantity: 1, condition: 'resellable' }] },
    });
    expect(received.status).toBeLessThan(300);
    return returnId;
  }

  it('happy path', async () => {
    await record('happy-path', await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] })));
  });

  it('approval with reduced quantity', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect(
      (
        await oms.request('POST', `/v1/orders/${id}/approve`, {
          as: 'approver',
          body: { lines: [{ sku: 'LAPTOP-14', approvedQuantity: 3 }], note: 'three' },
        })
      ).status,
    ).toBe(200);
    await record('approval', id);
  });

  it('rejection', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect(
      (await oms.request('POST', `/v1/orders/${id}/reject`, { as: 'approver', body: { reason: 'over budget' } }))
        .status,
    ).toBe(200);
    await record('rejection', id);
  });

  it('backorder resumed by a receipt', async () => {
    const product = {
      sku: 'GADGET',
      name: 'Gadget',
      unitPrice: 1000,
      currency: 'USD',
      taxCode: 'GENERAL',
      weightGrams: 100,
    };
    expect((await oms.request('POST', '/v1/products', { as: 'admin', body: product })).status).toBe(201);
    const id = await place(orderBody({ lines: [{ sku: 'GADGET', quantity: 5 }] }));
    await oms.waitForStatus(id, 'BACKORDERED');
    const receipt = await oms.request('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse: 'RNO', sku: 'GADGET', quantity: 5, reference: `PO-RECORD-${id}` },
    });
    expect(receipt.status).toBe(201);
    await record('restock', receipt.body.restockWorkflow as string);
    await record('backorder', id);
  });

  it('split shipment', async () => {
    await record(
      'split',
      await place(
        orderBody({
          customerId: 'CUST-INITECH',
          lines: [
            { sku: 'TEE-M', quantity: 350 },
            { sku: 'MUG-BLK', quantity: 3 },
          ],
        }),
      ),
    );
  });

  it('cancellation while backordered', async () => {
    const id = await place(
      orderBody({
        customerId: 'CUST-INITECH',
        lines: [{ sku: 'MUG-BLK', quantity: 5_000 }],
        backorderPolicy: 'wait_all',
      }),
    );
    await oms.waitForStatus(id, 'BACKORDERED');
    expect(
      (await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: { reason: 'recorded scenario' } }))
        .status,
    ).toBe(200);
    await record('cancel', id);
  });

  it('payment declined', async () => {
    await record('payment-declined', await place(orderBody({ payment: { method: 'card', token: 'tok_decline' } })));
  });

  it('return with refund', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] }));
    await oms.waitForStatus(id, 'DELIVERED');
    const returnId = await returnGoods(id, 'MUG-BLK', 'refund');
    await record('return-child', returnId);
    await record('return', id);
  });

  it('refund of a running order, then of the completed one', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] }));
    await oms.waitForStatus(id, 'DELIVERED');
    // With an Idempotency-Key, as support's console sends it: the refund is named by the key.
    expect(
      (
        await oms.request('POST', `/v1/orders/${id}/refunds`, {
          as: 'support',
          body: { amount: 100, reason: 'goodwill' },
          headers: { 'idempotency-key': 'recorded-goodwill' },
        })
      ).status,
    ).toBeLessThan(300);
    await record('refund', id);
    const late = await oms.request('POST', `/v1/orders/${id}/refunds`, {
      as: 'support',
      body: { amount: 50, reason: 'late goodwill' },
    });
    expect(late.status).toBe(201);
    // After completion the refund is a workflow of its own, whose ID is the refund's.
    const refundWorkflowId = late.body.refundId as string;
    await record('refund-completed-order', refundWorkflowId);
  });

  it('exchange', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'TEE-M', quantity: 1 }] }));
    await oms.waitForStatus(id, 'DELIVERED');
    await returnGoods(id, 'TEE-M', 'exchange');
    await record('exchange', id);
  });
});
