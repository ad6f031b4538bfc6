import { nextDocumentNumber } from '../../activities/invoicing';
import { orderBody, startOms, type TestOms } from '../support/oms';
import { pdfText } from '../support/pdf-text';

/** Money (issue 4, first part): numbering, receivables, invoice documents, reconciliation, provider faults. */
describe('invoices, receivables and reconciliation', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  it('numbers 100 concurrent invoices 1..100 without gap or duplicate, even with 10 more rolled back among them', async () => {
    const year = 2099;
    const issue = (index: number) =>
      oms.db
        .transaction(async (trx) => {
          const { number } = await nextDocumentNumber(trx, 'INV', year);
          if (index % 11 === 10) throw new Error('rolled back'); // a failed invoice insert gives its number back
          return number;
        })
        .catch(() => undefined);
    const numbers = (await Promise.all(Array.from({ length: 110 }, (_, index) => issue(index)))).filter(
      (number): number is string => Boolean(number),
    );
    expect(numbers).toHaveLength(100);
    expect(numbers.map((number) => Number(number.slice(-6))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
    expect(numbers.every((number) => /^INV-2099-\d{6}$/.test(number))).toBe(true);
  });

  it('makes net30 invoices receivables: due in 30 days, paid through the API, overdue when late', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({
        customerId: 'CUST-GLOBEX',
        lines: [{ sku: 'TEE-M', quantity: 2 }],
        payment: { method: 'invoice' },
      }),
    });
    const order = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED']);
    expect(order.payments).toEqual([]);
    const [invoice] = order.invoices;
    expect(invoice).toMatchObject({ status: 'open', amountPaid: 0 });
    expect(Date.parse(invoice.dueDate) - Date.parse(new Date().toISOString().slice(0, 10))).toBe(30 * 86_400_000);

    const pay = (amount: number, reference: string, as: 'admin' | 'support' = 'admin') =>
      oms.request('POST', `/v1/invoices/${invoice.number}/payments`, { as, body: { amount, reference } });
    expect((await pay(100, 'WIRE-1', 'support')).status).toBe(403);
    expect((await pay(invoice.total + 1, 'WIRE-1')).status).toBe(409);
    const first = await pay(1000, 'WIRE-1');
    expect(first.status).toBe(201);
    expect(first.body.invoice).toMatchObject({ amountPaid: 1000, status: 'open' });
    expect((await pay(1000, 'WIRE-1')).body).toMatchObject({ duplicate: true, invoice: { amountPaid: 1000 } });

    // Time passes: the invoice falls due unpaid.
    await oms
      .db('invoices')
      .where({ number: invoice.number })
      .update({ due_date: oms.db.raw(`current_date - 1`) });
    const overdue = await oms.request('GET', '/v1/invoices?status=overdue');
    expect(overdue.body.items.map((item: { number: string }) => item.number)).toContain(invoice.number);
    const rest = await pay(invoice.total - 1000, 'WIRE-2');
    expect(rest.body.invoice).toMatchObject({ amountPaid: invoice.total, status: 'paid' });
    expect(
      (await oms.request('GET', '/v1/invoices?status=overdue')).body.items.map(
        (item: { number: string }) => item.number,
      ),
    ).not.toContain(invoice.number);
  });

  it('renders the invoice as a PDF whose text carries the number, lines and totals', async () => {
    const placed = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({
        lines: [
          { sku: 'MUG-BLK', quantity: 3 },
          { sku: 'TEE-M', quantity: 1 },
        ],
      }),
    });
    const order = await oms.waitForStatus(placed.body.id, ['SHIPPED', 'DELIVERED']);
    const number = order.invoices[0].number;
    const response = await fetch(`${oms.baseUrl}/v1/invoices/${number}.pdf`, {
      headers: { authorization: `Bearer ${oms.keyOf('support')}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toEqual(
      expect.arrayContaining([
        'INVOICE',
        `Number: ${number}`,
        `Order: ${order.id}`,
        'Acme Corp (CUST-ACME)',
        'MUG-BLK',
        '3',
        '12.50 USD',
        '3.33 USD (8.88%)',
        '40.83 USD',
        'TEE-M',
        'Total',
        '77.84 USD',
      ]),
    );
    expect((await oms.request('GET', '/v1/invoices/INV-1999-000001.pdf')).status).toBe(404);
  });

  it('reconciles every order: authorized, captured, voided, invoiced — no discrepancy', async () => {
    const declined = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ payment: { method: 'card', token: 'tok_decline' } }),
    });
    const cancelled = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'GADGET-NONE', quantity: 1 }] }),
    });
    expect(cancelled.status).toBe(422);
    await oms.waitForStatus(declined.body.id, 'CANCELLED');
    const report = await oms.request('GET', '/v1/reports/payments');
    expect(report.status).toBe(200);
    expect(report.body.discrepancies).toEqual([]);
    expect(report.body.orders.length).toBeGreaterThanOrEqual(3);
    const card = report.body.orders.find(
      (row: { paymentMethod: string; captured: number }) => row.paymentMethod === 'card' && row.captured > 0,
    );
    expect(card.invoiced).toBe(card.captured);
    expect(report.body.totals.captured).toBe(
      report.body.orders.reduce((sum: number, row: { captured: number }) => sum + row.captured, 0),
    );

    // A capture without its invoice is reported.
    await oms
      .db('invoices')
      .where({ order_id: card.orderId })
      .update({ total: oms.db.raw('total - 1'), amount_paid: oms.db.raw('amount_paid - 1') });
    const broken = await oms.request('GET', `/v1/reports/payments?orderId=${card.orderId}`);
    expect(broken.body.discrepancies).toEqual([
      { orderId: card.orderId, problem: `invoiced ${card.invoiced - 1} differs from captured ${card.captured}` },
    ]);
    await oms
      .db('invoices')
      .where({ order_id: card.orderId })
      .update({ total: oms.db.raw('total + 1'), amount_paid: oms.db.raw('amount_paid + 1') });
  });
});

describe('sandbox provider fault mode', () => {
  let oms: TestOms;
  beforeAll(async () => {
    // 30 % of calls fail before doing anything, 30 % of the rest time out after succeeding (each retry is a
    // new draw, so retries converge; backoff keeps long streaks rare at these rates).
    oms = await startOms({ sandboxFaults: { transient: 0.3, timeoutAfterSuccess: 0.3 } });
  });
  afterAll(() => oms.close());

  it('retries through transient failures and lost responses, charging each order exactly once', async () => {
    const ids = await Promise.all(
      Array.from(
        { length: 8 },
        async () => (await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody() })).body.id as string,
      ),
    );
    for (const id of ids) {
      // About half the provider calls fail here, and retries back off up to 30 s: a long streak takes minutes.
      const order = await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED'], 180_000);
      expect(order.payments.map((payment: { kind: string }) => payment.kind)).toEqual(['authorization', 'capture']);
      const authorization = await oms
        .db('sandbox_payment_authorizations')
        .where({ id: order.payments[0].providerReference })
        .first('amount', 'captured');
      expect(authorization).toEqual({ amount: order.totals.total, captured: order.totals.total });
    }
    const operations: { attempts: number }[] = await oms
      .db('sandbox_payment_operations')
      .whereRaw("split_part(idempotency_key, ':', 1) = ANY(?)", [ids]);
    expect(operations.some((operation) => operation.attempts > 1)).toBe(true); // faults did happen
    expect((await oms.request('GET', '/v1/reports/payments')).body.discrepancies).toEqual([]);
  }, 300_000);
});
