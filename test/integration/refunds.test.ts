import { WorkflowNotFoundError } from '@temporalio/client';
import { orderBody, startOms, type TestOms } from '../support/oms';
import { orderStateQuery } from '../../workflows/order/messages';
import { eventually } from '../support/helpers';

/** Refunds by support (SPEC section 3): by amount or lines, never beyond what was charged, each with a credit note. */
describe('refunds', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  async function shippedOrder(body: Record<string, unknown>) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    return oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED']);
  }
  const refund = (orderId: string, body: Record<string, unknown>, as: 'support' | 'sales' = 'support') =>
    oms.request('POST', `/v1/orders/${orderId}/refunds`, { as, body });

  it('refunds shipped units at their billed price with a credit note, and never more than was captured', async () => {
    const order = await shippedOrder(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }));
    expect(
      (await refund(order.id, { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'chipped' }, 'sales')).status,
    ).toBe(403);
    expect((await refund(order.id, { reason: 'nothing said' })).status).toBe(400);

    const first = await refund(order.id, { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'chipped' });
    expect(first.status).toBe(201);
    // One of three mugs: 1250 + a third of the line's 333 tax (111), no shipping.
    expect(first.body).toMatchObject({ amount: 1361, refundId: `${order.id}:refund:1` });
    expect(first.body.creditNote).toMatch(/^CN-\d{4}-\d{6}$/);
    const creditNote = await oms.request('GET', `/v1/invoices/${first.body.creditNote}`);
    expect(creditNote.body).toMatchObject({
      kind: 'credit_note',
      status: 'credit',
      total: 1361,
      tax: 111,
      orderId: order.id,
      note: 'chipped',
    });

    expect((await refund(order.id, { lines: [{ sku: 'MUG-BLK', quantity: 3 }], reason: 'too many' })).status).toBe(409);
    const left = order.totals.total - 1361;
    const tooMuch = await refund(order.id, { amount: left + 1, reason: 'too much' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.detail).toBe(`a refund of ${left + 1} exceeds the ${left} USD charged and not yet refunded`);
    expect((await refund(order.id, { amount: left, reason: 'goodwill' })).status).toBe(201);

    const after = (await oms.request('GET', `/v1/orders/${order.id}`)).body;
    expect(
      after.payments
        .filter((payment: { kind: string }) => payment.kind === 'refund')
        .map((payment: { amount: number }) => payment.amount),
    ).toEqual([1361, left]);
    expect(after.invoices.filter((invoice: { kind: string }) => invoice.kind === 'credit_note')).toHaveLength(2);
    // The line says which units were refunded: the one by lines; the amount names none.
    expect(after.lines).toEqual([expect.objectContaining({ sku: 'MUG-BLK', shippedQuantity: 3, refundedQuantity: 1 })]);
    const sandbox = await oms
      .db('sandbox_payment_authorizations')
      .where({ id: after.payments[0].providerReference })
      .first('captured', 'refunded');
    expect(sandbox).toEqual({ captured: order.totals.total, refunded: order.totals.total });
    expect((await oms.request('GET', `/v1/reports/payments?orderId=${order.id}`)).body.discrepancies).toEqual([]);
  });

  it('lets exactly one of two racing refunds through when both together would exceed the capture', async () => {
    const order = await shippedOrder(orderBody({ lines: [{ sku: 'TEE-M', quantity: 2 }] }));
    const amount = Math.ceil(order.totals.total * 0.6);
    const answers = await Promise.all([
      refund(order.id, { amount, reason: 'race A' }),
      refund(order.id, { amount, reason: 'race B' }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    const refunds = await oms.db('payment_transactions').where({ order_id: order.id, kind: 'refund' });
    expect(refunds.map((row) => row.amount)).toEqual([amount]);
  });

  it('reduces a net30 receivable by the credit note, and refuses refunds before anything was charged', async () => {
    const order = await shippedOrder(
      orderBody({ customerId: 'CUST-GLOBEX', lines: [{ sku: 'TEE-M', quantity: 2 }], payment: { method: 'invoice' } }),
    );
    const answer = await refund(order.id, { lines: [{ sku: 'TEE-M', quantity: 1 }], reason: 'wrong size' });
    expect(answer.status).toBe(201);
    const invoice = (await oms.request('GET', `/v1/invoices/${order.invoices[0].number}`)).body;
    expect(invoice.amountCredited).toBe(answer.body.amount);
    expect(invoice.status).toBe('open');
    expect(await oms.db('payment_transactions').where({ order_id: order.id })).toEqual([]);

    const waiting = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }),
    });
    await oms.waitForStatus(waiting.body.id, 'AWAITING_APPROVAL');
    const early = await refund(waiting.body.id, { amount: 100, reason: 'too early' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/nothing has been charged yet/);
    await oms.request('POST', `/v1/orders/${waiting.body.id}/reject`, {
      as: 'approver',
      body: { reason: 'test done' },
    });
  });
});

describe('refunds after the order completed', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 100, returnWindowMs: 300 } });
  });
  afterAll(() => oms.close());

  it('still refunds at any time after capture, with a credit note, and never beyond what was charged', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }),
    });
    const order = await oms.waitForStatus(placed.body.id, 'COMPLETED');
    const byLines = await oms.request('POST', `/v1/orders/${order.id}/refunds`, {
      as: 'support',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'late complaint' },
    });
    expect(byLines.status).toBe(201);
    expect(byLines.body).toMatchObject({
      status: 'COMPLETED',
      amount: 1361,
      creditNote: expect.stringMatching(/^CN-/),
    });
    expect(byLines.body.refundId).toMatch(new RegExp(`^${order.id}/refund-`));
    expect(
      (
        await oms.request('POST', `/v1/orders/${order.id}/refunds`, {
          as: 'support',
          body: { lines: [{ sku: 'MUG-BLK', quantity: 3 }], reason: 'too many' },
        })
      ).status,
    ).toBe(409);

    // Two racing refunds that together would exceed what is left: exactly one passes.
    const left = order.totals.total - 1361;
    const amount = Math.ceil(left * 0.6);
    const answers = await Promise.all(
      [1, 2].map((n) =>
        oms.request('POST', `/v1/orders/${order.id}/refunds`, { as: 'support', body: { amount, reason: `race ${n}` } }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    const refunds = await oms
      .db('payment_transactions')
      .where({ order_id: order.id, kind: 'refund' })
      .orderBy('created_at');
    expect(refunds.map((row) => row.amount)).toEqual([1361, amount]);
    expect((await oms.request('GET', `/v1/reports/payments?orderId=${order.id}`)).body.discrepancies).toEqual([]);
  });

  it('answers a retried credit with the credit note it already issued', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] }),
    });
    const order = await oms.waitForStatus(placed.body.id, 'COMPLETED');
    const request = {
      orderId: order.id,
      refundId: `${order.id}/refund-retry`,
      lines: [{ sku: 'MUG-BLK', quantity: 2 }],
      reason: 'retried',
    };
    const first = await oms.activities.creditCompletedOrder(request);
    const retry = await oms.activities.creditCompletedOrder(request);
    expect(retry).toEqual(first);
    expect(
      await oms.db('invoices').where({ order_id: order.id, kind: 'credit_note' }).count({ n: '*' }).first(),
    ).toEqual({ n: 1 });
  });
});

describe('refunds of a completed order: held, then refunded by the provider, then credited', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 100, returnWindowMs: 300 } });
  });
  afterAll(() => oms.close());

  async function completedOrder(lines: { sku: string; quantity: number }[]) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ lines }) });
    return oms.waitForStatus(placed.body.id, 'COMPLETED');
  }
  const refund = (orderId: string, body: Record<string, unknown>) =>
    oms.request('POST', `/v1/orders/${orderId}/refunds`, { as: 'support', body });
  const creditNotes = (orderId: string) => oms.db('invoices').where({ order_id: orderId, kind: 'credit_note' });

  it('issues the credit note only once the provider has refunded', async () => {
    const order = await completedOrder([{ sku: 'MUG-BLK', quantity: 2 }]);
    const answer = await refund(order.id, { amount: 300, reason: 'late goodwill' });
    expect(answer.status).toBe(201);
    const [payment] = await oms.db('payment_transactions').where({ order_id: order.id, kind: 'refund' });
    const [note] = await creditNotes(order.id);
    expect(note.number).toBe(answer.body.creditNote);
    expect(new Date(payment.created_at).getTime()).toBeLessThanOrEqual(new Date(note.issued_at).getTime());
    expect(await oms.db('refund_holds').where({ order_id: order.id }).pluck('status')).toEqual(['credited']);
  });

  it('a refusal by the provider issues nothing, releases the hold and answers 409', async () => {
    const order = await completedOrder([{ sku: 'MUG-BLK', quantity: 2 }]);
    const authorization = order.payments.find((payment: { kind: string }) => payment.kind === 'authorization');
    // Refunded at the provider behind the OMS's back (its dashboard, say): the provider refuses any more.
    const books = oms.db('sandbox_payment_authorizations').where({ id: authorization.providerReference });
    await books.clone().update({ refunded: oms.db.ref('captured') });

    const refused = await refund(order.id, { amount: 500, reason: 'goodwill' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(
      /^the payment provider refused the refund \(.+\); nothing was refunded and no credit note was issued$/,
    );
    expect(await creditNotes(order.id)).toEqual([]);
    expect(await oms.db('payment_transactions').where({ order_id: order.id, kind: 'refund' })).toEqual([]);
    expect(await oms.db('refund_holds').where({ order_id: order.id }).pluck('status')).toEqual(['released']);
    expect((await oms.request('GET', `/v1/reports/payments?orderId=${order.id}`)).body.discrepancies).toEqual([]);

    // The released hold counts for nothing: once the provider agrees, the whole amount may be refunded.
    await books.clone().update({ refunded: 0 });
    const again = await refund(order.id, { amount: order.totals.total, reason: 'goodwill' });
    expect(again.status).toBe(201);
    expect((await creditNotes(order.id)).map((note) => note.total)).toEqual([order.totals.total]);
  });

  it('lets exactly one of several concurrent refunds of the same units through', async () => {
    const order = await completedOrder([
      { sku: 'MUG-BLK', quantity: 1 },
      { sku: 'TEE-M', quantity: 3 },
    ]);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) => refund(order.id, { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: `race ${n}` })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409]);
    expect(await creditNotes(order.id)).toHaveLength(1);
    expect(await oms.db('payment_transactions').where({ order_id: order.id, kind: 'refund' })).toHaveLength(1);
    expect(await oms.db('refund_holds').where({ order_id: order.id, status: 'held' })).toEqual([]);
  });
});

describe('refund lines', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  it('refuses a SKU listed twice or one the order lacks with 422 per field, before the order sees it', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] }),
    });
    const order = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED']);
    const refund = (lines: unknown) =>
      oms.request('POST', `/v1/orders/${order.id}/refunds`, { as: 'support', body: { lines, reason: 'x' } });
    const twice = await refund([
      { sku: 'MUG-BLK', quantity: 1 },
      { sku: 'MUG-BLK', quantity: 1 },
    ]);
    expect({ status: twice.status, errors: twice.body.errors }).toEqual({
      status: 422,
      errors: [
        { path: 'body.lines.1.sku', message: 'MUG-BLK is listed more than once; put the whole quantity on one line' },
      ],
    });
    const foreign = await refund([{ sku: 'TEE-M', quantity: 1 }]);
    expect({ status: foreign.status, errors: foreign.body.errors }).toEqual({
      status: 422,
      errors: [{ path: 'body.lines.0.sku', message: `TEE-M is not a line of order ${order.id}` }],
    });
    const zero = await refund([{ sku: 'MUG-BLK', quantity: 0 }]);
    expect({ status: zero.status, paths: zero.body.errors.map((error: { path: string }) => error.path) }).toEqual({
      status: 400,
      paths: ['body.lines.0.quantity'],
    });
    expect(await oms.db('invoices').where({ order_id: order.id, kind: 'credit_note' })).toEqual([]);
  });
});

describe('a refund retried with its Idempotency-Key once the order has completed', () => {
  let oms: TestOms;
  beforeAll(async () => {
    // A return window long enough to refund the running order, short enough to wait for it to close.
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 100, returnWindowMs: 2000 } });
  });
  afterAll(() => oms.close());

  it('answers with the refund the running order made, also once its history is gone, and never refunds twice', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }),
    });
    const order = await oms.waitForStatus(placed.body.id, 'DELIVERED');
    const send = () =>
      oms.request('POST', `/v1/orders/${order.id}/refunds`, {
        as: 'support',
        headers: { 'idempotency-key': 'goodwill-7f3a' },
        body: { amount: 500, reason: 'answer lost' },
      });
    const refunded = async () => {
      const detail = (await oms.request('GET', `/v1/orders/${order.id}`)).body;
      const authorization = detail.payments.find((payment: { kind: string }) => payment.kind === 'authorization');
      const creditNotes = detail.invoices.filter((invoice: { kind: string }) => invoice.kind === 'credit_note');
      return {
        creditNotes: creditNotes.map((invoice: { number: string }) => invoice.number),
        creditedTotal: creditNotes.reduce((total: number, invoice: { total: number }) => total + invoice.total, 0),
        refundPayments: detail.payments
          .filter((payment: { kind: string }) => payment.kind === 'refund')
          .map((payment: { amount: number }) => payment.amount),
        providerRefunded: (
          await oms
            .db('sandbox_payment_authorizations')
            .where({ id: authorization.providerReference })
            .first('refunded')
        ).refunded,
      };
    };

    const first = await send();
    expect(first.status).toBe(201);
    // Decided by the running order (an Update), the case this test is about.
    expect(first.body).toMatchObject({ status: 'DELIVERED', amount: 500, creditNote: expect.stringMatching(/^CN-/) });
    const once = await refunded();
    expect(once).toEqual({
      creditNotes: [first.body.creditNote],
      creditedTotal: 500,
      refundPayments: [500],
      providerRefunded: 500,
    });

    // The read model says COMPLETED a moment before the workflow ends: wait for the end itself.
    const workflow = oms.temporal.workflow.getHandle(order.id);
    await workflow.result();
    // While Temporal keeps the completed order's history it answers the Update ID with the first outcome.
    expect(await send()).toMatchObject({ status: 201, body: first.body });
    // A query of the completed order replays its history: the refund keeps the name it was answered with.
    expect((await workflow.query(orderStateQuery)).refunds.map((refund) => refund.id)).toEqual([first.body.refundId]);

    // The namespace's retention deletes the history in the end (the order and its refund stay in the database):
    // now the route itself must find the refund by the key, not make a second one.
    await oms.temporal.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: order.id },
    });
    // Deletion is asynchronous: 10 s on an idle dev server, over 30 s on a loaded one.
    const gone = () =>
      workflow.describe().then(
        () => false,
        (error) => error instanceof WorkflowNotFoundError,
      );
    expect(await eventually(gone, (isGone) => isGone, 90_000)).toBe(true);
    const late = await send();
    expect(late.status).toBe(201);
    expect(late.body).toEqual({ ...first.body, status: 'COMPLETED' });
    expect(await refunded()).toEqual(once);
  }, 120_000);
});
