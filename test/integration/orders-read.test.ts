import { randomUUID } from 'node:crypto';
import { ensureStockRow, moveStock } from '../../db/stock';
import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

/** Reading orders: lists with filters and cursor paging, history with its Temporal UI link, search attributes. */
describe('reading orders', () => {
  let oms: TestOms;
  const ids: string[] = [];
  beforeAll(async () => {
    oms = await startOms();
    for (const customerId of ['CUST-ACME', 'CUST-INITECH', 'CUST-ACME', 'CUST-INITECH', 'CUST-ACME']) {
      ids.push((await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ customerId }) })).body.id);
    }
    for (const id of ids) await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED']);
  });
  afterAll(() => oms.close());

  it('lists newest first and pages with a cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await oms.request(
        'GET',
        `/v1/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { as: 'carrier' },
      );
      seen.push(...page.body.items.map((order) => order.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by customer, status and SKU', async () => {
    const initech = await oms.request('GET', '/v1/orders?customerId=CUST-INITECH');
    expect(initech.body.items.map((order: { id: string }) => order.id)).toEqual([ids[3], ids[1]]);
    const byStatus = await oms.request('GET', '/v1/orders?status=PENDING');
    expect(byStatus.body.items).toEqual([]);
    expect((await oms.request('GET', '/v1/orders?sku=MUG-BLK')).body.items).toHaveLength(5);
    expect((await oms.request('GET', '/v1/orders?sku=TEE-M')).body.items).toHaveLength(0);
  });

  it('gives the history with a link to the workflow in the Temporal UI', async () => {
    const history = await oms.request('GET', `/v1/orders/${ids[0]}/history`);
    expect(history.body.workflowId).toBe(ids[0]);
    expect(history.body.temporalUiUrl).toMatch(
      new RegExp(`^http://localhost:\\d+/namespaces/default/workflows/${ids[0]}$`),
    );
    expect(history.body.timeline.map((event: { type: string }) => event.type)).toEqual(
      expect.arrayContaining(['priced', 'approved', 'shipped', 'invoiced']),
    );
  });

  it('keeps the search attributes current on the workflow', async () => {
    const handle = oms.temporal.workflow.getHandle(ids[1]);
    const description = await eventually(
      () => handle.describe(),
      (found) =>
        /^(SHIPPED|DELIVERED)$/.test(String((found.searchAttributes as Record<string, unknown[]>).OrderStatus?.[0])),
    );
    const attributes = description.searchAttributes as Record<string, unknown[]>;
    expect(attributes.OrderStatus).toEqual([expect.stringMatching(/^(SHIPPED|DELIVERED)$/)]);
    expect(attributes.CustomerId).toEqual(['CUST-INITECH']);
    expect(attributes.OrderPriority).toEqual([1]);
    expect(description.raw.workflowExecutionInfo?.priority?.priorityKey).toBe(1);
    expect(attributes.OrderTotal).toEqual([33.2]); // 2 × 12.50 + 5% Texas tax + 700 g ground, zone 2 (6.95)
    expect(await description.staticSummary()).toContain('2 × MUG-BLK');
  });
});

describe('backorders', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { backorderTimeoutMs: 3_000 } });
  });
  afterAll(() => oms.close());

  /** Stock found in a warehouse, moved straight into the ledger: no receipt or adjustment, so no restock run. */
  async function stockWithoutRestock(warehouse: string, sku: string, units: number) {
    await ensureStockRow(oms.db, warehouse, sku);
    expect(
      await moveStock(oms.db, {
        warehouse,
        sku,
        reason: 'adjustment',
        onHandDelta: units,
        reservedDelta: 0,
        reference: 'found in returns cage',
        movementKey: `test:${randomUUID()}`,
      }),
    ).toBe('applied');
  }

  it('wait_all: waits for every unit, resumed by support once the stock is there', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({
        customerId: 'CUST-INITECH',
        lines: [{ sku: 'BEANS-1KG', quantity: 250 }],
        backorderPolicy: 'wait_all',
      }),
    });
    const waiting = await oms.waitForStatus(placed.body.id, 'BACKORDERED');
    expect(waiting.lines[0]).toMatchObject({ approvedQuantity: 250, reservedQuantity: 0 });
    // Visibility follows the workflow's commands, a moment after the read model: poll.
    const backordered = await eventually(
      async () =>
        (
          (await oms.temporal.workflow.getHandle(placed.body.id).describe()).searchAttributes as Record<
            string,
            unknown[]
          >
        ).BackorderedSkus,
      (skus) => skus?.length === 1,
    );
    expect(backordered).toEqual(['BEANS-1KG']);

    const tooEarly = await oms.request('POST', `/v1/orders/${placed.body.id}/resume-backorder`, { as: 'support' });
    expect(tooEarly.body).toEqual({ status: 'BACKORDERED' });
    // Stock arrives in the other warehouse without a restock run (moved outside the API: receipts and adjustments
    // resume waiting orders themselves), so only support resumes it.
    await stockWithoutRestock('RNO', 'BEANS-1KG', 60);
    const resumed = await oms.request('POST', `/v1/orders/${placed.body.id}/resume-backorder`, { as: 'support' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).not.toBe('BACKORDERED');
    const shipped = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED']);
    expect(shipped.lines[0].shippedQuantity).toBe(250);
    expect(
      shipped.shipments.map((shipment: { warehouse: string; lines: { quantity: number }[] }) => [
        shipment.warehouse,
        shipment.lines[0].quantity,
      ]),
    ).toEqual([
      ['EWR', 200],
      ['RNO', 50],
    ]);
    expect((await oms.request('POST', `/v1/orders/${placed.body.id}/resume-backorder`, { as: 'support' })).status).toBe(
      409,
    );
  });

  it('ship_available: ships what is there, waits for the rest, and cancels it when OMS_BACKORDER_TIMEOUT passes', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'TEE-M', quantity: 600 }] }),
    });
    const partial = await oms.waitForStatus(placed.body.id, 'PARTIALLY_SHIPPED');
    expect(partial.lines[0].approvedQuantity).toBe(600);
    // The backorder timeout plus the second shipment's pick, ship and capture: generous for a loaded machine.
    const done = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED'], 30_000);
    expect(done.lines[0]).toMatchObject({ shippedQuantity: 500, cancelledQuantity: 100, reservedQuantity: 0 });
    expect(done.timeline.map((event: { message: string }) => event.message)).toContain(
      'Cancelled 100 × TEE-M (backorder_expired)',
    );
    const kinds = done.payments.map((payment: { kind: string }) => payment.kind);
    expect(kinds[0]).toBe('authorization');
    expect(kinds.filter((kind: string) => kind === 'capture')).toHaveLength(2);
    expect(kinds[kinds.length - 1]).toBe('void');
  });

  it('ship_available: an expired backorder releases what a lost allocation reserved for it', async () => {
    // A resume's local allocation can commit in a workflow task that dies, and the retried task see the backorder
    // expire instead: the order then never allocates that round again, so nothing it knows holds that stock. The
    // same state is made here by allocating round 2 outside the workflow, from stock that no restock announces.
    const receive = (delta: number) => stockWithoutRestock('RNO', 'TEE-M', delta);
    await receive(50);
    const [{ available }] = await oms
      .db('stock')
      .where({ sku: 'TEE-M' })
      .select(oms.db.raw('sum(on_hand - reserved)::int AS available'));
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'TEE-M', quantity: available + 100 }] }),
    });
    const partial = await oms.waitForStatus(placed.body.id, 'PARTIALLY_SHIPPED');
    await receive(100);
    const lost = await oms.activities.allocateStock({
      orderId: placed.body.id,
      round: 2,
      lines: [{ sku: 'TEE-M', quantity: 100 }],
      destination: partial.shippingAddress,
      allOrNothing: false,
    });
    expect(lost.shipments).toHaveLength(1);

    // The backorder timeout plus the second shipment's pick, ship and capture: generous for a loaded machine.
    const done = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED'], 30_000);
    expect(done.lines[0]).toMatchObject({ shippedQuantity: available, cancelledQuantity: 100, reservedQuantity: 0 });
    expect(await oms.db('reservations').where({ order_id: placed.body.id, status: 'active' })).toEqual([]);
    expect(await oms.db('shipments').where({ id: lost.shipments[0].id }).first('status')).toEqual({
      status: 'cancelled',
    });
    expect(await oms.db('stock').where({ warehouse_code: 'RNO', sku: 'TEE-M' }).first('reserved')).toEqual({
      reserved: 0,
    });
  });
});
