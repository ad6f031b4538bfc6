import { customersReportSchema, productsReportSchema, salesReportSchema } from '../../api/report-schemas';
import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

const usd = (amount: number) => ({ amount, currency: 'USD' });

/**
 * The business reports (SPEC section 4) on known data: six orders driven through the real pipeline, then
 * exact figures. Money, from the demo catalog and rates:
 * - A  Acme (NY), 3 × MUG-BLK, card: 3750 + 333 tax + 1195 ground (1050 g, zone 2) + 106 shipping tax = 5384;
 *      one mug returned and refunded: 1250 + 111 = 1361 (credit note).
 * - B  Acme, 7 × LAPTOP-14, approved down to 4 (3 cancelled): 4/7 of the line (519600 + 46141 of 80746 tax)
 *      + 2495 shipping + 222 shipping tax = 568458.
 * - C  Initech, 250 × BEANS-1KG, wait_all: backordered (200 in stock), then cancelled.
 * - D  Globex (CA, net30), 2 × TEE-M on invoice: 4800 + 240 + 695 = 5735; 1000 paid, 4735 open.
 * - E  Globex, 6 × LAPTOP-14 on invoice: left awaiting approval.
 * - F  Acme, 6 × LAPTOP-14: rejected.
 */
describe('reports on orders driven through the pipeline', () => {
  let oms: TestOms;
  const ids: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', string> = { A: '', B: '', C: '', D: '', E: '', F: '' };
  const today = new Date().toISOString().slice(0, 10);

  async function place(body: Record<string, unknown>): Promise<string> {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id;
  }

  const returned = async () => {
    ids.A = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }));
    await oms.waitForStatus(ids.A, 'DELIVERED');
    const rma = await oms.request('POST', `/v1/orders/${ids.A}/returns`, {
      as: 'support',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 1 }], reason: 'chipped', resolution: 'refund' },
    });
    expect(rma.status).toBe(201);
    const path = `/v1/returns/${encodeURIComponent(rma.body.id)}`;
    await oms.request('POST', `${path}/receive`, {
      as: 'warehouse',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 1, condition: 'resellable' }] },
    });
    expect(
      (
        await eventually(
          async () => (await oms.request('GET', path)).body,
          (found) => found.status === 'REFUNDED',
          20_000,
        )
      ).status,
    ).toBe('REFUNDED');
  };
  const reduced = async () => {
    ids.B = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 7 }] }));
    await oms.waitForStatus(ids.B, 'AWAITING_APPROVAL');
    expect(
      (
        await oms.request('POST', `/v1/orders/${ids.B}/approve`, {
          as: 'approver',
          body: { lines: [{ sku: 'LAPTOP-14', approvedQuantity: 4 }] },
        })
      ).status,
    ).toBe(200);
    await oms.waitForStatus(ids.B, 'DELIVERED');
  };
  const cancelled = async () => {
    ids.C = await place(
      orderBody({
        customerId: 'CUST-INITECH',
        lines: [{ sku: 'BEANS-1KG', quantity: 250 }],
        backorderPolicy: 'wait_all',
      }),
    );
    await oms.waitForStatus(ids.C, 'BACKORDERED');
    expect(
      (
        await oms.request('POST', `/v1/orders/${ids.C}/cancel`, {
          as: 'support',
          body: { reason: 'customer changed plans' },
        })
      ).body.status,
    ).toBe('CANCELLED');
  };
  const net30 = async () => {
    ids.D = await place(
      orderBody({ customerId: 'CUST-GLOBEX', lines: [{ sku: 'TEE-M', quantity: 2 }], payment: { method: 'invoice' } }),
    );
    const order = await oms.waitForStatus(ids.D, 'DELIVERED');
    expect(
      (
        await oms.request('POST', `/v1/invoices/${order.invoices[0].number}/payments`, {
          body: { amount: 1000, reference: 'WIRE-1' },
        })
      ).status,
    ).toBe(201);
  };
  const awaiting = async () => {
    ids.E = await place(
      orderBody({
        customerId: 'CUST-GLOBEX',
        lines: [{ sku: 'LAPTOP-14', quantity: 6 }],
        payment: { method: 'invoice' },
      }),
    );
    await oms.waitForStatus(ids.E, 'AWAITING_APPROVAL');
  };
  const rejected = async () => {
    ids.F = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 6 }] }));
    await oms.waitForStatus(ids.F, 'AWAITING_APPROVAL');
    await oms.request('POST', `/v1/orders/${ids.F}/reject`, { as: 'approver', body: { reason: 'over budget' } });
    await oms.waitForStatus(ids.F, 'REJECTED');
  };

  beforeAll(async () => {
    oms = await startOms({ settings: { approvalTimeoutMs: 600_000, returnWindowMs: 600_000 } });
    await Promise.all([returned(), reduced(), cancelled(), net30(), awaiting(), rejected()]);
  }, 120_000);
  afterAll(async () => {
    if (ids.E)
      await oms.request('POST', `/v1/orders/${ids.E}/reject`, { as: 'approver', body: { reason: 'test done' } });
    await oms.close();
  });

  it('products: ordered vs approved vs shipped vs returned per SKU, with the variance', async () => {
    const report = await oms.request('GET', '/v1/reports/products', { as: 'carrier' });
    expect(report.status).toBe(200);
    expect(productsReportSchema.parse(report.body)).toEqual(report.body);
    const row = (
      ordered: number,
      approved: number,
      shipped: number,
      returned: number,
      cancelled: number,
      rejected: number,
    ) => ({
      ordered,
      approved,
      shipped,
      delivered: shipped,
      returned,
      cancelled,
      rejected,
    });
    expect(report.body.items.map(({ name: _name, ...item }: { name: string }) => item)).toEqual([
      {
        sku: 'BEANS-1KG',
        ...row(250, 250, 0, 0, 250, 0),
        variance: { unapproved: 0, open: 0, kept: 0 },
        shippedByWarehouse: [],
      },
      // B 7 (4 approved and shipped, 3 cancelled) + E 6 awaiting approval + F 6 rejected
      {
        sku: 'LAPTOP-14',
        ...row(19, 4, 4, 0, 3, 6),
        variance: { unapproved: 15, open: 6, kept: 4 },
        shippedByWarehouse: [{ warehouse: 'EWR', quantity: 4 }],
      },
      {
        sku: 'MUG-BLK',
        ...row(3, 3, 3, 1, 0, 0),
        variance: { unapproved: 0, open: 0, kept: 2 },
        shippedByWarehouse: [{ warehouse: 'EWR', quantity: 3 }],
      },
      {
        sku: 'TEE-M',
        ...row(2, 2, 2, 0, 0, 0),
        variance: { unapproved: 0, open: 0, kept: 2 },
        shippedByWarehouse: [{ warehouse: 'EWR', quantity: 2 }],
      },
    ]);
    expect(report.body.totals).toEqual({
      ...row(274, 259, 9, 1, 253, 6),
      variance: { unapproved: 15, open: 6, kept: 8 },
    });

    const laptops = await oms.request('GET', `/v1/reports/products?sku=LAPTOP-14&from=${today}&to=${today}`);
    expect(laptops.body).toMatchObject({
      from: today,
      to: today,
      sku: 'LAPTOP-14',
      items: [{ sku: 'LAPTOP-14', ordered: 19 }],
      totals: { ordered: 19 },
    });
    const later = await oms.request('GET', '/v1/reports/products?from=2999-01-01');
    expect(later.body.items).toEqual([]);
    expect(later.body.totals.ordered).toBe(0);
  });

  it("sales: today's orders, units and net revenue in USD", async () => {
    // Yesterday and today, so an order that crossed midnight UTC still counts.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const report = await oms.request('GET', `/v1/reports/sales?period=day&from=${yesterday}&to=${today}`, {
      as: 'warehouse',
    });
    expect(report.status).toBe(200);
    expect(salesReportSchema.parse(report.body)).toEqual(report.body);
    expect(report.body).toMatchObject({ period: 'day', from: yesterday, to: today, lookback: 7 });
    expect(report.body.series.map((series: { currency: string }) => series.currency)).toEqual(['USD']);
    const [usdSeries] = report.body.series;
    expect(
      usdSeries.periods.map((period: { start: string; complete: boolean }) => [period.start, period.complete]),
    ).toEqual([
      [yesterday, true],
      [today, false],
    ]);
    // A B C D E placed (F rejected): 3 + 7 + 250 + 2 + 6 units; shipped 3 + 4 + 2; invoiced A + B + D; credited A's refund.
    expect(usdSeries.totals).toEqual({
      orders: 5,
      unitsOrdered: 268,
      unitsShipped: 9,
      invoiced: usd(5384 + 568458 + 5735),
      credited: usd(1361),
      netRevenue: usd(578216),
    });
    // One complete period (yesterday, empty) to learn from: today's projection is what it has so far.
    expect(usdSeries.projection.basedOn).toEqual([yesterday]);
    const todayRow = usdSeries.periods[1];
    expect(usdSeries.projection.current.projected).toEqual({
      orders: todayRow.orders,
      unitsOrdered: todayRow.unitsOrdered,
      unitsShipped: todayRow.unitsShipped,
      invoiced: todayRow.invoiced,
      credited: todayRow.credited,
      netRevenue: todayRow.netRevenue,
    });
    expect(usdSeries.projection.next.projected.netRevenue).toEqual(usd(0));
  });

  it('customers: orders, revenue, returns, open receivables and average order value, ranked by revenue', async () => {
    const report = await oms.request('GET', '/v1/reports/customers', { as: 'sales' });
    expect(report.status).toBe(200);
    expect(customersReportSchema.parse(report.body)).toEqual(report.body);
    expect(report.body).toMatchObject({ from: null, to: null, sort: 'revenue', direction: 'desc', total: 3 });
    const none = { outstanding: usd(0), overdue: usd(0), openInvoices: 0 };
    expect(report.body.items).toEqual([
      {
        customerId: 'CUST-ACME',
        name: 'Acme Corp',
        tier: 'standard',
        paymentTerms: 'prepaid',
        currency: 'USD',
        orders: 2,
        cancelledOrders: 0,
        rejectedOrders: 1,
        billedOrders: 2,
        invoiced: usd(5384 + 568458),
        credited: usd(1361),
        revenue: usd(572481),
        averageOrderValue: usd(286241), // 572481 / 2, rounded half up
        returns: { count: 1, units: 1, refunded: usd(1361) },
        receivables: none,
      },
      {
        customerId: 'CUST-GLOBEX',
        name: 'Globex',
        tier: 'priority',
        paymentTerms: 'net30',
        currency: 'USD',
        orders: 2,
        cancelledOrders: 0,
        rejectedOrders: 0,
        billedOrders: 1,
        invoiced: usd(5735),
        credited: usd(0),
        revenue: usd(5735),
        averageOrderValue: usd(5735),
        returns: { count: 0, units: 0, refunded: usd(0) },
        receivables: { outstanding: usd(4735), overdue: usd(0), openInvoices: 1 },
      },
      {
        customerId: 'CUST-INITECH',
        name: 'Initech',
        tier: 'critical',
        paymentTerms: 'prepaid',
        currency: 'USD',
        orders: 1,
        cancelledOrders: 1,
        rejectedOrders: 0,
        billedOrders: 0,
        invoiced: usd(0),
        credited: usd(0),
        revenue: usd(0),
        averageOrderValue: null,
        returns: { count: 0, units: 0, refunded: usd(0) },
        receivables: none,
      },
    ]);

    const byOutstanding = await oms.request('GET', '/v1/reports/customers?sort=outstanding&limit=2');
    expect(byOutstanding.body.total).toBe(3);
    expect(byOutstanding.body.items.map((item: { customerId: string }) => item.customerId)).toEqual([
      'CUST-GLOBEX',
      'CUST-ACME',
    ]);
    const ascending = await oms.request('GET', '/v1/reports/customers?direction=asc');
    expect(ascending.body.items.map((item: { customerId: string }) => item.customerId)).toEqual([
      'CUST-INITECH',
      'CUST-GLOBEX',
      'CUST-ACME',
    ]);
    // Receivables are as of today whatever the range: Globex stays listed for its open invoice.
    const later = await oms.request('GET', '/v1/reports/customers?from=2999-01-01');
    expect(later.body.items).toEqual([
      expect.objectContaining({
        customerId: 'CUST-GLOBEX',
        orders: 0,
        revenue: usd(0),
        averageOrderValue: null,
        receivables: { outstanding: usd(4735), overdue: usd(0), openInvoices: 1 },
      }),
    ]);
    expect(
      (await oms.request('GET', '/v1/reports/customers?customerId=CUST-INITECH')).body.items.map(
        (item: { customerId: string }) => item.customerId,
      ),
    ).toEqual(['CUST-INITECH']);
  });

  it('answers bad query parameters with 400 naming the field, and needs a key', async () => {
    const cases: [string, string][] = [
      ['/v1/reports/products?from=2025-13-01', 'query.from'],
      ['/v1/reports/products?from=2025-03-09&to=2025-03-01', 'query.to'],
      ['/v1/reports/products?warehouse=EWR', 'query'],
      ['/v1/reports/sales?period=month', 'query.period'],
      ['/v1/reports/sales?lookback=0', 'query.lookback'],
      ['/v1/reports/sales?asOf=2999-01-01T00:00:00Z', 'query.asOf'],
      ['/v1/reports/sales?from=2999-01-01&to=2999-01-02', 'query.from'],
      ['/v1/reports/sales?from=2000-01-01&to=2025-01-01', 'query.from'],
      ['/v1/reports/sales?currency=usd', 'query.currency'],
      ['/v1/reports/customers?sort=name', 'query.sort'],
      ['/v1/reports/customers?limit=0', 'query.limit'],
    ];
    for (const [path, field] of cases) {
      const answer = await oms.request('GET', path);
      expect([path, answer.status, answer.contentType]).toEqual([
        path,
        400,
        expect.stringContaining('application/problem+json'),
      ]);
      expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(field);
    }
    expect((await oms.request('GET', '/v1/reports/sales', { as: null })).status).toBe(401);
    expect(oms.errors).toEqual([]); // nothing reached the 500 handler
  });

  it('keeps the payment reconciliation clean for every order above', async () => {
    const report = await oms.request('GET', '/v1/reports/payments');
    expect(report.body.orders).toHaveLength(6);
    expect(report.body.discrepancies).toEqual([]);
  });
});

/**
 * The sales projection over several past days. Driving orders across real days is impractical in a test, so
 * this inserts historic orders, shipments and documents directly (the same rows the pipeline writes) and
 * reports as of a fixed past instant.
 */
describe('sales by period with a projection, on historic rows', () => {
  let oms: TestOms;
  let seq = 0;

  async function historicOrder(
    at: string,
    options: {
      units: number;
      currency?: string;
      customerId?: string;
      status?: string;
      invoice?: number;
      credit?: { amount: number; at: string };
    },
  ) {
    const id = `ORD-HIST-${++seq}`;
    const currency = options.currency ?? 'USD';
    await oms.db('orders').insert({
      id,
      tracking_number: `TRK-HIST-${seq}`,
      customer_id: options.customerId ?? 'CUST-ACME',
      status: options.status ?? 'COMPLETED',
      priority: 3,
      currency,
      shipping_address: JSON.stringify({
        name: 'x',
        line1: 'x',
        city: 'x',
        region: 'NY',
        postalCode: '1',
        country: 'US',
      }),
      payment_method: 'card',
      backorder_policy: 'ship_available',
      created_at: at,
      updated_at: at,
    });
    const approved = options.status === 'REJECTED' ? 0 : options.units;
    await oms.db('order_lines').insert({
      order_id: id,
      line_no: 1,
      sku: 'MUG-BLK',
      quantity: options.units,
      approved_quantity: approved,
      cancelled_quantity: options.units - approved,
    });
    const document = async (kind: 'invoice' | 'credit_note', total: number, issuedAt: string) => {
      const series = kind === 'invoice' ? 'INV' : 'CN';
      await oms.db('invoices').insert({
        number: `${series}-2025-${String(seq).padStart(6, '0')}`,
        kind,
        series,
        year: 2025,
        seq,
        order_id: id,
        source_key: `${kind}:${id}`,
        currency,
        subtotal: total,
        tax: 0,
        total,
        lines: '[]',
        amount_paid: kind === 'invoice' ? total : 0,
        issued_at: issuedAt,
      });
    };
    if (options.invoice) await document('invoice', options.invoice, at);
    if (options.credit) await document('credit_note', options.credit.amount, options.credit.at);
    return id;
  }

  async function historicShipment(orderId: string, at: string, units: number, purpose: 'order' | 'replacement') {
    const id = `${orderId}-S${purpose === 'order' ? 1 : 2}`;
    await oms.db('shipments').insert({
      id,
      order_id: orderId,
      seq: purpose === 'order' ? 1 : 2,
      purpose,
      warehouse_code: 'EWR',
      status: 'delivered',
      shipped_at: at,
    });
    await oms.db('shipment_lines').insert({ shipment_id: id, sku: 'MUG-BLK', quantity: units });
  }

  beforeAll(async () => {
    oms = await startOms();
    await oms.db('customers').insert({
      id: 'CUST-EURO',
      name: 'Euro GmbH',
      email: 'a@euro.example',
      currency: 'EUR',
      approval_limit: 1_000_000,
      address: JSON.stringify({
        name: 'x',
        line1: 'x',
        city: 'Berlin',
        region: 'BE',
        postalCode: '1',
        country: 'DE',
      }),
    });
    const first = await historicOrder('2025-03-04T10:00:00Z', { units: 1, invoice: 1000 });
    await historicShipment(first, '2025-03-04T12:00:00Z', 1, 'order');
    await historicShipment(first, '2025-03-05T12:00:00Z', 1, 'replacement'); // an exchange: not a sale
    await historicOrder('2025-03-05T10:00:00Z', {
      units: 2,
      invoice: 2000,
      credit: { amount: 200, at: '2025-03-05T15:00:00Z' },
    });
    await historicOrder('2025-03-06T10:00:00Z', { units: 3, invoice: 3200 });
    await historicOrder('2025-03-06T11:00:00Z', { units: 9, status: 'REJECTED' });
    await historicOrder('2025-03-06T12:00:00Z', { units: 1, currency: 'EUR', customerId: 'CUST-EURO', invoice: 900 });
    await historicOrder('2025-03-07T09:00:00Z', { units: 4, invoice: 500 });
    await historicOrder('2025-03-07T18:00:00Z', { units: 5, invoice: 700 }); // after asOf below
  });
  afterAll(() => oms.close());

  const figures = (
    orders: number,
    unitsOrdered: number,
    unitsShipped: number,
    invoiced: number,
    credited: number,
    currency = 'USD',
  ) => ({
    orders,
    unitsOrdered,
    unitsShipped,
    invoiced: { amount: invoiced, currency },
    credited: { amount: credited, currency },
    netRevenue: { amount: invoiced - credited, currency },
  });

  it('buckets by day per currency and projects the day under way from the average of the last complete days', async () => {
    const report = await oms.request(
      'GET',
      '/v1/reports/sales?period=day&from=2025-03-04&to=2025-03-08&asOf=2025-03-07T12:00:00Z&lookback=3',
    );
    expect(report.status).toBe(200);
    expect(salesReportSchema.parse(report.body)).toEqual(report.body);
    expect(report.body).toMatchObject({
      period: 'day',
      from: '2025-03-04',
      to: '2025-03-08',
      asOf: '2025-03-07T12:00:00.000Z',
      lookback: 3,
    });
    const [eur, usdSeries] = report.body.series;
    expect(usdSeries.periods).toEqual([
      { start: '2025-03-04', end: '2025-03-04', complete: true, ...figures(1, 1, 1, 1000, 0) },
      { start: '2025-03-05', end: '2025-03-05', complete: true, ...figures(1, 2, 0, 2000, 200) },
      { start: '2025-03-06', end: '2025-03-06', complete: true, ...figures(1, 3, 0, 3200, 0) },
      { start: '2025-03-07', end: '2025-03-07', complete: false, ...figures(1, 4, 0, 500, 0) },
    ]);
    expect(usdSeries.totals).toEqual(figures(4, 10, 1, 6700, 200));
    // Average of 03-04..03-06 (net 1000, 1800, 3200 -> 2000 a day); half of 03-07 is still to come.
    expect(usdSeries.projection).toEqual({
      basedOn: ['2025-03-04', '2025-03-05', '2025-03-06'],
      current: {
        start: '2025-03-07',
        end: '2025-03-07',
        elapsedShare: 0.5,
        toDate: figures(1, 4, 0, 500, 0),
        // 1 + 3/3 × ½ = 1.5 -> 2 orders; 4 + 6/3 × ½ = 5 units; 500 + 6200/3 × ½ = 1533.3 -> 1533; 200/3 × ½ = 33.3 -> 33
        projected: figures(2, 5, 0, 1533, 33),
      },
      next: { start: '2025-03-08', end: '2025-03-08', projected: figures(1, 2, 0, 2067, 67) },
    });
    expect(eur.currency).toBe('EUR');
    expect(eur.totals).toEqual(figures(1, 1, 0, 900, 0, 'EUR'));
    expect(eur.projection.current.projected.invoiced).toEqual({ amount: 150, currency: 'EUR' }); // 900 / 3 × ½
  });

  it('buckets by ISO week, widening the range to whole weeks, as of the end of the range', async () => {
    const report = await oms.request(
      'GET',
      '/v1/reports/sales?period=week&from=2025-03-05&to=2025-03-05&asOf=2025-03-12T00:00:00Z&currency=USD',
    );
    expect(report.body).toMatchObject({
      period: 'week',
      from: '2025-03-03',
      to: '2025-03-09',
      asOf: '2025-03-10T00:00:00.000Z',
      lookback: 4,
    });
    expect(report.body.series).toHaveLength(1);
    const [week] = report.body.series;
    expect(week.periods).toEqual([
      { start: '2025-03-03', end: '2025-03-09', complete: true, ...figures(5, 15, 1, 7400, 200) },
    ]);
    expect(week.projection).toEqual({
      basedOn: ['2025-03-03'],
      current: {
        start: '2025-03-10',
        end: '2025-03-16',
        elapsedShare: 0,
        toDate: figures(0, 0, 0, 0, 0),
        projected: figures(5, 15, 1, 7400, 200),
      },
      next: { start: '2025-03-17', end: '2025-03-23', projected: figures(5, 15, 1, 7400, 200) },
    });
  });

  it('has no projection without a complete period, and no series without figures', async () => {
    const partial = await oms.request(
      'GET',
      '/v1/reports/sales?from=2025-03-07&to=2025-03-07&asOf=2025-03-07T12:00:00Z&currency=USD',
    );
    expect(partial.body.series).toEqual([
      expect.objectContaining({ currency: 'USD', projection: null, totals: figures(1, 4, 0, 500, 0) }),
    ]);
    expect((await oms.request('GET', '/v1/reports/sales?from=2024-01-01&to=2024-01-31')).body.series).toEqual([]);
  });
});
