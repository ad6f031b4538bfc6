import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { createOrderStarts } from '../../services/order-starts';
import { createLogger } from '../../observability/logger';
import { freePort } from '../support/helpers';
import { orderBody, startOms, startSecondApi, type TestOms } from '../support/oms';

/**
 * Accepting an order and starting its workflow are apart (services/order-starts.ts): the order and its start request
 * commit together, the workflow starts right after, and what could not start is started later.
 */
describe('order workflow starts', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  /** An API on the same database whose Temporal is unreachable (a closed port). */
  async function apiWithoutTemporal() {
    // No gRPC retries: a start fails at once, before the test API's sweeper (10 s) would take the order over.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] });
    const logger = createLogger({ level: 'silent' });
    const temporal = new Client({ connection });
    const orderStarts = createOrderStarts({ db: oms.db, temporal, taskQueue: oms.taskQueue, logger });
    const api = await startSecondApi(oms, { temporal, orderStarts, salesKey: 'starts-sales' });
    return {
      async place(): Promise<string> {
        const response = await fetch(`${api.baseUrl}/v1/orders`, {
          method: 'POST',
          headers: { authorization: 'Bearer starts-sales', 'content-type': 'application/json' },
          body: JSON.stringify(orderBody()),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      },
      /** Waits for this API's starts under way to succeed or fail. */
      settled: () => orderStarts.settled(),
      async close() {
        await api.close();
        await orderStarts.settled();
        await connection.close();
      },
    };
  }

  const pendingStart = (orderId: string) => oms.db('order_workflow_starts').where({ order_id: orderId }).first();

  it('starts the workflow right after accepting the order, and keeps no start request once it runs', async () => {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody() });
    expect(placed.status).toBe(202);
    await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    expect(await pendingStart(placed.body.id)).toBeUndefined();
  });

  it('keeps an order accepted while Temporal is unreachable and starts it when Temporal is back', async () => {
    const api = await apiWithoutTemporal();
    try {
      const id = await api.place();
      expect(await pendingStart(id)).toMatchObject({
        order_id: id,
        start: { input: { orderId: id, customerId: 'CUST-ACME' } },
      });
      expect((await oms.request('GET', `/v1/orders/${id}`)).body.status).toBe('PENDING');
      // The failed immediate start is counted on the request, with what went wrong, for an operator to see.
      await api.settled();
      expect(await pendingStart(id)).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/\S/) });
      await expect(oms.temporal.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

      // The sweeper (here: the test's API, whose Temporal answers) starts it, once.
      expect(await oms.orderStarts.sweep(0)).toBeGreaterThanOrEqual(1);
      await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
      expect(await pendingStart(id)).toBeUndefined();
      expect(await oms.orderStarts.sweep(0)).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('starts a not yet started order when a change is asked of it, then applies the change', async () => {
    const api = await apiWithoutTemporal();
    try {
      const id = await api.place();
      const cancelled = await oms.request('POST', `/v1/orders/${id}/cancel`, {
        as: 'support',
        body: { reason: 'customer changed their mind' },
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('CANCELLED');
      expect(await pendingStart(id)).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});
