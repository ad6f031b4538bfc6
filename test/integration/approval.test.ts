import { execFileSync } from 'node:child_process';
import { orderBody, startOms, type TestOms } from '../support/oms';
import { eventually } from '../support/helpers';
import { sharedServers } from '../support/servers';

/** Approval quotas (SPEC section 3): orders beyond a limit wait for an approver's Update. */
describe('approval quotas', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  const laptops = (quantity: number, overrides: Record<string, unknown> = {}) =>
    orderBody({ lines: [{ sku: 'LAPTOP-14', quantity }], ...overrides });

  async function place(body: Record<string, unknown>) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  /** `temporal workflow list --query ...`, as an operator would run it. */
  function temporalList(query: string): string[] {
    const { cliPath, temporalAddress } = sharedServers();
    const output = execFileSync(
      cliPath,
      ['workflow', 'list', '--address', temporalAddress, '--query', query, '--output', 'json'],
      { encoding: 'utf8' },
    );
    return output.trim()
      ? (JSON.parse(output) as { execution: { workflowId: string } }[]).map((entry) => entry.execution.workflowId)
      : [];
  }

  it('holds an order above the approval limit until approved, then fulfils it', async () => {
    const id = await place(laptops(4)); // 4 × 1299.00 + NY tax is above Acme's 5000.00 limit
    const waiting = await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    // 4 × 129900 + 8.88% tax = 565740, plus 6 kg ground zone 2 = 2495 + 222 tax.
    expect(waiting.statusReasons).toEqual(["order total 568457 exceeds the customer's approval limit 500000"]);
    expect(waiting.payments).toEqual([]);

    // Operators find it by search attribute, with the Temporal CLI.
    const listed = await eventually(
      () => temporalList(`OrderStatus="AWAITING_APPROVAL" AND CustomerId="CUST-ACME"`),
      (ids) => ids.includes(id),
    );
    expect(listed).toContain(id);

    const approved = await oms.request('POST', `/v1/orders/${id}/approve`, {
      as: 'approver',
      body: { note: 'budget ok' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('AUTHORIZING');
    const shipped = await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    expect(shipped.lines[0]).toMatchObject({
      quantity: 4,
      approvedQuantity: 4,
      shippedQuantity: 4,
      cancelledQuantity: 0,
    });
    expect(shipped.timeline.map((event: { message: string }) => event.message)).toContain('Approved: budget ok');

    const moved = await eventually(
      () => temporalList(`OrderStatus="AWAITING_APPROVAL" AND CustomerId="CUST-ACME"`),
      (ids) => !ids.includes(id),
    );
    expect(moved).not.toContain(id);
    expect((await oms.request('POST', `/v1/orders/${id}/approve`, { as: 'approver', body: {} })).status).toBe(409);
  });

  it('writes what an approval causes only once the approval is in the history', async () => {
    // A local activity would run inside the workflow task that accepts the Update, before the Update is recorded:
    // a worker dying then would leave the read model showing an approval the workflow never got.
    const id = await place(laptops(4));
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect((await oms.request('POST', `/v1/orders/${id}/approve`, { as: 'approver', body: {} })).status).toBe(200);
    await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);

    const events = (await oms.temporal.workflow.getHandle(id).fetchHistory()).events ?? [];
    const acceptedAt = events.findIndex((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
    const before = events.slice(0, acceptedAt);
    const after = events.slice(acceptedAt + 1);
    const firstWrite = after.find(
      (event) =>
        event.markerRecordedEventAttributes ||
        event.activityTaskScheduledEventAttributes?.activityType?.name === 'recordOrderTimeline',
    );
    expect(before.some((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(
      true,
    );
    expect(firstWrite?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('recordOrderTimeline');
  });

  it('approves reduced quantities: the rest is cancelled and nothing downstream exceeds the approval', async () => {
    const id = await place(laptops(6)); // above maxOrderQuantity 5 and the limit
    const waiting = await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect(waiting.statusReasons).toContain('LAPTOP-14: quantity 6 exceeds the per-order maximum 5');

    const tooMany = await oms.request('POST', `/v1/orders/${id}/approve`, {
      as: 'approver',
      body: { lines: [{ sku: 'LAPTOP-14', approvedQuantity: 7 }] },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.contentType).toContain('application/problem+json');

    const approved = await oms.request('POST', `/v1/orders/${id}/approve`, {
      as: 'approver',
      body: { lines: [{ sku: 'LAPTOP-14', approvedQuantity: 2 }] },
    });
    expect(approved.status).toBe(200);
    const shipped = await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    expect(shipped.lines[0]).toMatchObject({
      quantity: 6,
      approvedQuantity: 2,
      reservedQuantity: 0,
      pickedQuantity: 2,
      shippedQuantity: 2,
      cancelledQuantity: 4,
    });
    // 2 × 129900 = 259800, + 8.88% tax 23070, + the order's shipping 2495 and its tax 222.
    expect(shipped.payments.map((payment: { kind: string; amount: number }) => [payment.kind, payment.amount])).toEqual(
      [
        ['authorization', 285587],
        ['capture', 285587],
      ],
    );
    expect(shipped.invoices[0].total).toBe(285587);
  });

  it("rejects on the approver's word, and refuses approver actions from other roles", async () => {
    const id = await place(laptops(4));
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    expect((await oms.request('POST', `/v1/orders/${id}/approve`, { as: 'sales', body: {} })).status).toBe(403);
    const rejected = await oms.request('POST', `/v1/orders/${id}/reject`, {
      as: 'approver',
      body: { reason: 'not in budget' },
    });
    expect(rejected.body).toEqual({ status: 'REJECTED' });
    const order = await oms.waitForStatus(id, 'REJECTED');
    expect(order.rejectReason).toBe('rejected');
    expect(order.statusReasons).toEqual(['not in budget']);
    expect(order.lines[0]).toMatchObject({ approvedQuantity: 0, cancelledQuantity: 4 });
    expect(
      (await oms.request('POST', `/v1/orders/${id}/reject`, { as: 'approver', body: { reason: 'again' } })).status,
    ).toBe(409);
  });

  it('lists the approval queue highest priority first, then oldest first', async () => {
    const acme = await place(laptops(6));
    const initech = await place(laptops(6, { customerId: 'CUST-INITECH' }));
    const globex = await place(laptops(6, { customerId: 'CUST-GLOBEX', payment: { method: 'invoice' } }));
    const acmeExpedited = await place(laptops(6, { expedite: true }));
    for (const id of [acme, initech, globex, acmeExpedited]) await oms.waitForStatus(id, 'AWAITING_APPROVAL');

    const queue = await oms.request('GET', '/v1/orders?status=AWAITING_APPROVAL&limit=2');
    const page2 = await oms.request(
      'GET',
      `/v1/orders?status=AWAITING_APPROVAL&limit=2&cursor=${queue.body.nextCursor}`,
    );
    const ids = [...queue.body.items, ...page2.body.items].map((order: { id: string }) => order.id);
    expect(ids).toEqual([initech, globex, acmeExpedited, acme]);
    expect([...queue.body.items, ...page2.body.items].map((order: { priority: number }) => order.priority)).toEqual([
      1, 2, 2, 3,
    ]);
    for (const id of ids)
      await oms.request('POST', `/v1/orders/${id}/reject`, { as: 'approver', body: { reason: 'test done' } });
  });
});

describe('approval timeout', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { approvalTimeoutMs: 1_500 } });
  });
  afterAll(() => oms.close());

  it('rejects an order nobody decides on within OMS_APPROVAL_TIMEOUT', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }),
    });
    await oms.waitForStatus(placed.body.id, 'AWAITING_APPROVAL');
    const rejected = await oms.waitForStatus(placed.body.id, 'REJECTED', 10_000);
    expect(rejected.rejectReason).toBe('approval_timeout');
    expect(rejected.statusReasons).toEqual(['no decision within 1500ms']);
  });
});
