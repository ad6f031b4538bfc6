import { randomBytes } from 'node:crypto';
import { orderBody, startOms, type TestOms } from '../support/oms';

/**
 * Bugs `npm run fuzz` (schemathesis) found, each answered 500 or wrongly before its fix: input PostgreSQL
 * cannot hold must be refused as the client's (400/409), naming what is wrong.
 */
describe('inputs the fuzzer found', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  const fieldsOf = (body: { errors: { path: string }[] }) => body.errors.map((error) => error.path);

  it('refuses NUL characters in body text, in the path and in the query', async () => {
    const product = await oms.request('POST', '/v1/products', {
      body: { sku: 'NUL-1', name: 'mug\u0000', unitPrice: 100, currency: 'USD', taxCode: 'GENERAL' },
    });
    expect(product.status).toBe(400);
    expect(fieldsOf(product.body)).toEqual(['body.name']);
    const patch = await oms.request('PATCH', '/v1/customers/CUST-ACME', { body: { name: 'Acme\u0000' } });
    expect([patch.status, fieldsOf(patch.body)]).toEqual([400, ['body.name']]);
    for (const path of ['/v1/products/%00', '/v1/orders/ORD-%00/cancel', '/v1/invoices?orderId=%00']) {
      const response = await oms.request(
        path.includes('cancel') ? 'POST' : 'GET',
        path,
        path.includes('cancel') ? { body: { reason: 'x' } } : {},
      );
      expect([path, response.status, response.contentType]).toEqual([
        path,
        400,
        expect.stringContaining('application/problem+json'),
      ]);
    }
    expect(oms.errors).toEqual([]);
  });

  it('refuses promotion values beyond what the columns hold, and compares validity across offsets', async () => {
    const usage = await oms.request('POST', '/v1/promotions', {
      body: { code: 'BIG', type: 'fixed', value: 5, usageLimit: 3_000_000_000 },
    });
    expect([usage.status, fieldsOf(usage.body)]).toEqual([400, ['body.usageLimit']]);
    const yearZero = await oms.request('POST', '/v1/promotions', {
      body: { code: 'ZERO', type: 'fixed', value: 5, validFrom: '0000-01-01T00:00:00Z' },
    });
    expect([yearZero.status, fieldsOf(yearZero.body)]).toEqual([400, ['body.validFrom']]);
    // 10:00+05:00 is 05:00Z, before 08:00Z: a valid window (a text comparison said otherwise).
    const window = await oms.request('POST', '/v1/promotions', {
      body: {
        code: 'TZ',
        type: 'fixed',
        value: 5,
        validFrom: '2030-01-01T10:00:00+05:00',
        validTo: '2030-01-01T08:00:00Z',
      },
    });
    expect(window.status).toBe(201);
    expect(oms.errors).toEqual([]);
  });

  it('answers a negative adjustment of a warehouse that never held the SKU with 409', async () => {
    expect(
      (await oms.request('POST', '/v1/warehouses', { body: { code: 'NEW-WH', name: 'New', region: 'NJ' } })).status,
    ).toBe(201);
    const adjustment = await oms.request('POST', '/v1/inventory/adjustments', {
      as: 'warehouse',
      body: { warehouse: 'NEW-WH', sku: 'MUG-BLK', delta: -5, reason: 'count' },
    });
    expect(adjustment.status).toBe(409);
    expect(adjustment.body.detail).toBe('adjusting by -5 would leave -5 on hand against 0 reserved');
    expect(oms.errors).toEqual([]);
  });

  it('answers stock beyond what a stock row can count with 409', async () => {
    await oms.db('stock').where({ warehouse_code: 'RNO', sku: 'TEE-M' }).update({ on_hand: 2_147_483_000 });
    const receipt = await oms.request('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse: 'RNO', sku: 'TEE-M', quantity: 1000, reference: 'too-much' },
    });
    expect(receipt.status).toBe(409);
    const adjustment = await oms.request('POST', '/v1/inventory/adjustments', {
      as: 'warehouse',
      body: { warehouse: 'RNO', sku: 'TEE-M', delta: 1000, reason: 'count' },
    });
    expect(adjustment.status).toBe(409);
    expect((await oms.db('stock').where({ warehouse_code: 'RNO', sku: 'TEE-M' }).first()).on_hand).toBe(2_147_483_000);
    expect(oms.errors).toEqual([]);
  });

  it('refuses an Idempotency-Key that cannot be stored, on every route that takes one', async () => {
    // Incompressible and longer than a btree index row may be (2704 bytes).
    const long = randomBytes(1500).toString('hex');
    const adjustment = await oms.request('POST', '/v1/inventory/adjustments', {
      headers: { 'idempotency-key': long },
      body: { warehouse: 'EWR', sku: 'MUG-BLK', delta: 1, reason: 'count' },
    });
    const batch = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      headers: { 'idempotency-key': long },
      body: { orders: [orderBody()] },
    });
    expect([adjustment.status, batch.status]).toEqual([400, 400]);
    expect(fieldsOf(batch.body)).toEqual(['header.Idempotency-Key']);
    expect(oms.errors).toEqual([]);
  });

  it('refuses a forged list cursor whose values would fail in the query', async () => {
    const cursor = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const forged of [
      { priority: 1e300, created: '2026-01-01T00:00:00.000000Z', id: 'ORD-1' },
      { priority: 3, created: '2026-13-45T00:00:00.000000Z', id: 'ORD-1' },
      { priority: 3, created: '2026-01-01T00:00:00.000000Z', id: 'ORD-\u0000' },
    ]) {
      const response = await oms.request('GET', `/v1/orders?status=BACKORDERED&cursor=${cursor(forged)}`);
      expect([forged, response.status]).toEqual([forged, 400]);
    }
    expect(oms.errors).toEqual([]);
  });
});
