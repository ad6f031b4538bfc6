import { orderBody, startOms, type TestOms } from '../support/oms';

/**
 * Bad input (SPEC section 4): each malformed or unacceptable order gets a 4xx problem+json answer naming the
 * field, and no order row is written.
 */
describe('bad input', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
    await oms.request('PATCH', '/v1/products/BEANS-1KG', { body: { active: false } });
    await oms.request('POST', '/v1/customers', {
      body: {
        id: 'CUST-GONE',
        name: 'Gone',
        email: 'gone@example.com',
        currency: 'USD',
        approvalLimit: 1,
        active: false,
        address: { name: 'a', line1: 'b', city: 'c', region: 'NY', postalCode: '1', country: 'US' },
      },
    });
    await oms.request('POST', '/v1/products', {
      body: { sku: 'EURO-1', name: 'Euro thing', unitPrice: 100, currency: 'EUR', taxCode: 'GENERAL' },
    });
  });
  afterAll(() => oms.close());

  const address = { name: 'A', line1: '1 St', city: 'Town', region: 'NY', postalCode: '10001', country: 'US' };
  type Case = {
    name: string;
    status: number;
    field: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  };
  const cases: Case[] = [
    {
      name: 'invalid JSON',
      status: 400,
      field: 'body',
      rawBody: '{"customerId": "CUST-ACME",',
      headers: { 'content-type': 'application/json' },
    },
    {
      name: 'JSON that is not an object',
      status: 400,
      field: 'body',
      rawBody: '"just a string"',
      headers: { 'content-type': 'application/json' },
    },
    {
      name: 'empty body',
      status: 400,
      field: 'body.customerId',
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    },
    {
      name: 'missing customerId',
      status: 400,
      field: 'body.customerId',
      body: { lines: [{ sku: 'MUG-BLK', quantity: 1 }], payment: { method: 'card', token: 'tok_ok' } },
    },
    {
      name: 'customerId of the wrong type',
      status: 400,
      field: 'body.customerId',
      body: orderBody({ customerId: 42 }),
    },
    { name: 'missing lines', status: 400, field: 'body.lines', body: orderBody({ lines: undefined }) },
    { name: 'empty lines', status: 400, field: 'body.lines', body: orderBody({ lines: [] }) },
    {
      name: 'lines not an array',
      status: 400,
      field: 'body.lines',
      body: orderBody({ lines: { sku: 'MUG-BLK', quantity: 1 } }),
    },
    {
      name: 'zero quantity',
      status: 400,
      field: 'body.lines.0.quantity',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 0 }] }),
    },
    {
      name: 'negative quantity',
      status: 400,
      field: 'body.lines.0.quantity',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: -3 }] }),
    },
    {
      name: 'fractional quantity',
      status: 400,
      field: 'body.lines.0.quantity',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 1.5 }] }),
    },
    {
      name: 'quantity as a string',
      status: 400,
      field: 'body.lines.0.quantity',
      body: orderBody({ lines: [{ sku: 'MUG-BLK', quantity: '2' }] }),
    },
    {
      name: 'unknown payment method',
      status: 400,
      field: 'body.payment.method',
      body: orderBody({ payment: { method: 'bitcoin' } }),
    },
    {
      name: 'unknown backorder policy',
      status: 400,
      field: 'body.backorderPolicy',
      body: orderBody({ backorderPolicy: 'hope' }),
    },
    { name: 'missing payment', status: 400, field: 'body.payment', body: orderBody({ payment: undefined }) },
    {
      name: 'incomplete shipping address',
      status: 400,
      field: 'body.shippingAddress.city',
      body: orderBody({ shippingAddress: { ...address, city: undefined } }),
    },
    {
      name: 'country not ISO',
      status: 400,
      field: 'body.shippingAddress.country',
      body: orderBody({ shippingAddress: { ...address, country: 'United States' } }),
    },
    { name: 'unknown field', status: 400, field: 'body', body: orderBody({ discountPercent: 50 }) },
    { name: 'expedite not a boolean', status: 400, field: 'body.expedite', body: orderBody({ expedite: 'yes' }) },
    { name: 'unknown customer', status: 422, field: 'body.customerId', body: orderBody({ customerId: 'CUST-NOBODY' }) },
    { name: 'inactive customer', status: 422, field: 'body.customerId', body: orderBody({ customerId: 'CUST-GONE' }) },
    {
      name: 'unknown SKU',
      status: 422,
      field: 'body.lines.1.sku',
      body: orderBody({
        lines: [
          { sku: 'MUG-BLK', quantity: 1 },
          { sku: 'NO-SUCH-SKU', quantity: 1 },
        ],
      }),
    },
    {
      name: 'inactive SKU',
      status: 422,
      field: 'body.lines.0.sku',
      body: orderBody({ lines: [{ sku: 'BEANS-1KG', quantity: 1 }] }),
    },
    {
      name: 'SKU in another currency',
      status: 422,
      field: 'body.lines.0.sku',
      body: orderBody({ lines: [{ sku: 'EURO-1', quantity: 1 }] }),
    },
    {
      name: 'same SKU twice',
      status: 422,
      field: 'body.lines.1.sku',
      body: orderBody({
        lines: [
          { sku: 'MUG-BLK', quantity: 1 },
          { sku: 'MUG-BLK', quantity: 1 },
        ],
      }),
    },
    {
      name: 'card without token',
      status: 422,
      field: 'body.payment.token',
      body: orderBody({ payment: { method: 'card' } }),
    },
    {
      name: 'invoice for a prepaid customer',
      status: 422,
      field: 'body.payment.method',
      body: orderBody({ payment: { method: 'invoice' } }),
    },
    { name: 'body over 1 MB', status: 413, field: 'body', body: orderBody({ note: 'x'.repeat(1_100_000) }) },
    {
      name: 'not JSON at all',
      status: 415,
      field: 'header.Content-Type',
      rawBody: 'customerId=CUST-ACME',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
  ];

  it.each(cases)('$name -> $status naming $field', async ({ status, field, body, rawBody, headers }) => {
    const before = await oms.db('orders').count({ n: '*' }).first();
    const response = await oms.request('POST', '/v1/orders', { as: 'sales', body, rawBody, headers });
    expect(response.status).toBe(status);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(field);
    expect(await oms.db('orders').count({ n: '*' }).first()).toEqual(before);
  });

  it('lists every reason at once', async () => {
    const response = await oms.request('POST', '/v1/orders', {
      as: 'sales',
      body: orderBody({
        customerId: 'CUST-NOBODY',
        lines: [
          { sku: 'NOPE-1', quantity: 1 },
          { sku: 'BEANS-1KG', quantity: 1 },
        ],
      }),
    });
    expect(response.status).toBe(422);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual([
      'body.customerId',
      'body.lines.0.sku',
      'body.lines.1.sku',
    ]);
  });

  it('answers unknown routes, bad query parameters and bad cursors with problems too', async () => {
    expect((await oms.request('GET', '/v1/nothing-here')).status).toBe(404);
    expect((await oms.request('GET', '/v1/orders?status=LOST')).body.errors[0].path).toBe('query.status');
    expect((await oms.request('GET', '/v1/orders?limit=0')).status).toBe(400);
    expect((await oms.request('GET', '/v1/orders?cursor=garbage')).body.errors[0].path).toBe('query.cursor');
    expect((await oms.request('GET', '/v1/orders/ORD-NOTHING')).status).toBe(404);
  });
});
