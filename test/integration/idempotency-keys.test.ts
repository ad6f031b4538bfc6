import type { Role } from '../../config';
import { orderBody, startOms, type TestOms } from '../support/oms';

/**
 * SPEC section 3, idempotency, on every mutating route that takes an Idempotency-Key: the same key and body answers as
 * the first request did; the same key with another body is refused with 422 naming the header, and changes nothing.
 * Keys are scoped per API key and per action.
 */
describe('Idempotency-Key on the routes that change orders, returns and stock', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 200, returnWindowMs: 120_000 } });
    await oms.request('POST', '/v1/products', {
      body: {
        sku: 'IDEM-WIDGET',
        name: 'Widget',
        unitPrice: 500,
        currency: 'USD',
        taxCode: 'GENERAL',
        weightGrams: 50,
      },
    });
  });
  afterAll(() => oms.close());

  const reused = { path: 'header.Idempotency-Key', message: 'reused with another body' };
  const send = (path: string, key: string, body: unknown, as: Role) =>
    oms.request('POST', path, { as, body, headers: { 'idempotency-key': key } });

  /** The first request, the same again (answered alike), then the key with another body (422). */
  async function expectKeyBoundToBody(
    path: string,
    as: Role,
    first: unknown,
    other: unknown,
    key: string,
    otherPath = path,
  ) {
    const answer = await send(path, key, first, as);
    expect([path, answer.status]).toEqual([path, expect.any(Number)]);
    expect(answer.status).toBeLessThan(300);
    const again = await send(path, key, first, as);
    expect({ status: again.status, body: again.body }).toEqual({ status: answer.status, body: answer.body });
    const refused = await send(otherPath, key, other, as);
    expect({ path: otherPath, status: refused.status, errors: refused.body.errors }).toEqual({
      path: otherPath,
      status: 422,
      errors: [reused],
    });
    return answer;
  }

  async function place(body: Record<string, unknown>): Promise<string> {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id;
  }
  const awaitingApproval = async () => {
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    return id;
  };

  it('approve, reject and cancel: the same key and body answer alike, another body is refused', async () => {
    const approved = await awaitingApproval();
    await expectKeyBoundToBody(
      `/v1/orders/${approved}/approve`,
      'approver',
      { note: 'fine' },
      { note: 'fine after all', lines: [{ sku: 'LAPTOP-14', approvedQuantity: 1 }] },
      'approve-1',
    );
    // Nothing of the refused body was applied: all four approved.
    const order = (await oms.request('GET', `/v1/orders/${approved}`)).body;
    expect(order.lines[0].cancelledQuantity).toBe(0);

    const rejected = await awaitingApproval();
    await expectKeyBoundToBody(
      `/v1/orders/${rejected}/reject`,
      'approver',
      { reason: 'over budget' },
      { reason: 'wrong supplier' },
      'reject-1',
    );
    // The read model follows the workflow's answer within moments.
    expect((await oms.waitForStatus(rejected, 'REJECTED')).status).toBe('REJECTED');

    const cancelled = await awaitingApproval();
    await expectKeyBoundToBody(
      `/v1/orders/${cancelled}/cancel`,
      'support',
      { reason: 'changed mind' },
      { reason: 'duplicate order' },
      'cancel-1',
    );
    expect((await oms.waitForStatus(cancelled, 'CANCELLED')).status).toBe('CANCELLED');
  });

  it('resume: the key names the order it resumed; used for another order it is refused', async () => {
    const [first, second] = [
      await place(orderBody({ lines: [{ sku: 'IDEM-WIDGET', quantity: 1 }] })),
      await place(orderBody({ lines: [{ sku: 'IDEM-WIDGET', quantity: 2 }] })),
    ];
    for (const id of [first, second]) await oms.waitForStatus(id, 'BACKORDERED');
    await expectKeyBoundToBody(
      `/v1/orders/${first}/resume-backorder`,
      'support',
      undefined,
      undefined,
      'resume-1',
      `/v1/orders/${second}/resume-backorder`,
    );
    for (const id of [first, second])
      await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: { reason: 'test done' } });
  });

  it('refund, return and return receipt: bound to their body; one key may serve two actions', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }));
    await oms.waitForStatus(id, 'DELIVERED');
    const refund = await expectKeyBoundToBody(
      `/v1/orders/${id}/refunds`,
      'support',
      { amount: 100, reason: 'goodwill' },
      { amount: 200, reason: 'goodwill' },
      'shared-key',
    );
    expect(refund.status).toBe(201);
    const payments = (await oms.request('GET', `/v1/orders/${id}`)).body.payments;
    expect(payments.filter((payment: { kind: string }) => payment.kind === 'refund')).toHaveLength(1);

    // The same key for another action is another request.
    const opened = await expectKeyBoundToBody(
      `/v1/orders/${id}/returns`,
      'support',
      { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'chipped', resolution: 'refund' },
      { lines: [{ sku: 'MUG-BLK', quantity: 2 }], reason: 'chipped', resolution: 'refund' },
      'shared-key',
    );
    expect(opened.status).toBe(201);
    expect((await oms.db('returns').where({ order_id: id })).map((rma) => rma.id)).toEqual([opened.body.id]);

    await expectKeyBoundToBody(
      `/v1/returns/${encodeURIComponent(opened.body.id)}/receive`,
      'warehouse',
      { lines: [{ sku: 'MUG-BLK', quantity: 1, condition: 'resellable' }] },
      { lines: [{ sku: 'MUG-BLK', quantity: 1, condition: 'damaged' }] },
      'shared-key',
    );
    expect((await oms.db('returns').where({ id: opened.body.id }).first()).received_lines).toEqual([
      { sku: 'MUG-BLK', quantity: 1, condition: 'resellable' },
    ]);
  });

  it('stock receipts: the same key and body move nothing again, another body is refused', async () => {
    const receipt = { warehouse: 'EWR', sku: 'MUG-BLK', quantity: 5, reference: 'PO-IDEM-1' };
    const first = await send('/v1/inventory/receipts', 'receipt-1', receipt, 'warehouse');
    expect(first.status).toBe(201);
    const again = await send('/v1/inventory/receipts', 'receipt-1', receipt, 'warehouse');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, level: first.body.level });
    const other = await send(
      '/v1/inventory/receipts',
      'receipt-1',
      { ...receipt, reference: 'PO-IDEM-2' },
      'warehouse',
    );
    expect({ status: other.status, errors: other.body.errors }).toEqual({ status: 422, errors: [reused] });
    expect(await oms.db('stock_ledger').where({ reference: 'PO-IDEM-2' })).toEqual([]);
  });

  it('keys are per API key: two callers may use the same key for different adjustments', async () => {
    const adjust = (as: Role, delta: number) =>
      send('/v1/inventory/adjustments', 'count-7', { warehouse: 'EWR', sku: 'TEE-M', delta, reason: 'count' }, as);
    expect((await adjust('warehouse', 1)).status).toBe(201);
    expect((await adjust('admin', 2)).status).toBe(201);
    expect((await adjust('warehouse', 1)).status).toBe(200);
    const refused = await adjust('warehouse', 3);
    expect({ status: refused.status, errors: refused.body.errors }).toEqual({ status: 422, errors: [reused] });
    const moved = await oms.db('stock_ledger').where({ reason: 'adjustment', sku: 'TEE-M' }).pluck('on_hand_delta');
    expect(moved.sort()).toEqual([1, 2]);
  });
});
