import { startOms, type TestOms } from '../support/oms';

/** Master data and inventory (SPEC section 4), with the roles that may change them. */
describe('master data and inventory API', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ seed: false });
  });
  afterAll(() => oms.close());

  const product = {
    sku: 'WIDGET-1',
    name: 'Widget',
    unitPrice: 999,
    currency: 'USD',
    taxCode: 'GENERAL',
    weightGrams: 120,
  };
  const address = {
    name: 'Dock',
    line1: '1 Main St',
    city: 'Springfield',
    region: 'IL',
    postalCode: '62701',
    country: 'US',
  };

  it('creates, reads and updates products; only admin writes', async () => {
    expect((await oms.request('POST', '/v1/products', { as: 'sales', body: product })).status).toBe(403);
    expect((await oms.request('POST', '/v1/products', { as: null, body: product })).status).toBe(401);
    expect((await oms.request('POST', '/v1/products', { key: 'wrong-key', body: product })).status).toBe(401);
    const created = await oms.request('POST', '/v1/products', { body: product });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ ...product, active: true, maxOrderQuantity: null });
    expect((await oms.request('POST', '/v1/products', { body: product })).status).toBe(409);

    const patched = await oms.request('PATCH', '/v1/products/WIDGET-1', {
      body: { unitPrice: 1099, maxOrderQuantity: 10 },
    });
    expect(patched.body).toMatchObject({ unitPrice: 1099, maxOrderQuantity: 10, name: 'Widget' });
    expect((await oms.request('GET', '/v1/products/WIDGET-1', { as: 'warehouse' })).body.unitPrice).toBe(1099);
    expect((await oms.request('GET', '/v1/products', { as: 'carrier' })).body.items).toHaveLength(1);
    expect((await oms.request('GET', '/v1/products/NOPE')).status).toBe(404);
    expect((await oms.request('PATCH', '/v1/products/NOPE', { body: { name: 'x' } })).status).toBe(404);
  });

  it('creates warehouses and customers', async () => {
    const warehouse = await oms.request('POST', '/v1/warehouses', {
      body: { code: 'ORD1', name: 'Chicago', region: 'IL', priority: 1, cutoffHour: 17 },
    });
    expect(warehouse.status).toBe(201);
    expect(warehouse.body).toEqual({
      code: 'ORD1',
      name: 'Chicago',
      region: 'IL',
      country: 'US',
      priority: 1,
      cutoffHour: 17,
      active: true,
    });
    expect((await oms.request('GET', '/v1/warehouses')).body.items.map((w: { code: string }) => w.code)).toEqual([
      'ORD1',
    ]);

    const customer = await oms.request('POST', '/v1/customers', {
      body: { name: 'Bob Ltd', email: 'bob@example.com', currency: 'USD', approvalLimit: 100_000, address },
    });
    expect(customer.status).toBe(201);
    expect(customer.body).toMatchObject({
      name: 'Bob Ltd',
      tier: 'standard',
      paymentTerms: 'prepaid',
      creditLimit: 0,
      active: true,
      address,
    });
    expect(customer.body.id).toMatch(/^CUST-/);
    const patched = await oms.request('PATCH', `/v1/customers/${customer.body.id}`, {
      body: { tier: 'critical', active: false },
    });
    expect(patched.body).toMatchObject({ tier: 'critical', active: false });
    // A patch changes only what it names.
    const terms = await oms.request('PATCH', `/v1/customers/${customer.body.id}`, {
      body: { paymentTerms: 'net30', creditLimit: 50_000 },
    });
    expect(terms.body).toMatchObject({
      tier: 'critical',
      active: false,
      paymentTerms: 'net30',
      creditLimit: 50_000,
      approvalLimit: 100_000,
    });
    const renamed = await oms.request('PATCH', '/v1/products/WIDGET-1', { body: { name: 'Widget v2' } });
    expect(renamed.body).toMatchObject({ name: 'Widget v2', weightGrams: 120, maxOrderQuantity: 10, active: true });
    expect((await oms.request('GET', `/v1/customers/${customer.body.id}`, { as: 'sales' })).body.tier).toBe('critical');
  });

  it('receives stock once per reference, adjusts it, and records every movement in the ledger', async () => {
    const receipt = { warehouse: 'ORD1', sku: 'WIDGET-1', quantity: 40, reference: 'PO-1001' };
    expect((await oms.request('POST', '/v1/inventory/receipts', { as: 'sales', body: receipt })).status).toBe(403);
    const first = await oms.request('POST', '/v1/inventory/receipts', { as: 'warehouse', body: receipt });
    expect(first.status).toBe(201);
    expect(first.body.level).toEqual({ sku: 'WIDGET-1', warehouse: 'ORD1', onHand: 40, reserved: 0, available: 40 });
    const repeated = await oms.request('POST', '/v1/inventory/receipts', { as: 'warehouse', body: receipt });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ duplicate: true, level: { onHand: 40 } });

    const adjusted = await oms.request('POST', '/v1/inventory/adjustments', {
      as: 'warehouse',
      body: { warehouse: 'ORD1', sku: 'WIDGET-1', delta: -5, reason: 'damaged in storage' },
    });
    expect(adjusted.body.level.onHand).toBe(35);
    const tooMuch = await oms.request('POST', '/v1/inventory/adjustments', {
      as: 'warehouse',
      body: { warehouse: 'ORD1', sku: 'WIDGET-1', delta: -36, reason: 'count' },
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.errors[0].path).toBe('body.delta');

    const unknown = await oms.request('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { ...receipt, warehouse: 'NOWHERE', sku: 'NOTHING' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors.map((error: { path: string }) => error.path)).toEqual(['body.warehouse', 'body.sku']);

    const levels = await oms.request('GET', '/v1/inventory?sku=WIDGET-1', { as: 'support' });
    expect(levels.body.items).toEqual([{ sku: 'WIDGET-1', warehouse: 'ORD1', onHand: 35, reserved: 0, available: 35 }]);
    const ledger = await oms.request('GET', '/v1/inventory/ledger?sku=WIDGET-1');
    expect(
      ledger.body.items.map((row: { reason: string; onHandDelta: number; reference: string }) => [
        row.reason,
        row.onHandDelta,
        row.reference,
      ]),
    ).toEqual([
      ['adjustment', -5, 'damaged in storage'],
      ['receipt', 40, 'PO-1001'],
    ]);
    const ledgerSum = await oms
      .db('stock_ledger')
      .where({ sku: 'WIDGET-1', warehouse_code: 'ORD1' })
      .sum({ total: 'on_hand_delta' })
      .first();
    expect(Number(ledgerSum?.total)).toBe(35);
  });

  it('refuses to oversell whatever the concurrency: 30 racing adjustments of -2 against 35 units', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        oms.request('POST', '/v1/inventory/adjustments', {
          as: 'warehouse',
          body: { warehouse: 'ORD1', sku: 'WIDGET-1', delta: -2, reason: 'race' },
        }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(17);
    expect(results.filter((result) => result.status === 409)).toHaveLength(13);
    expect((await oms.request('GET', '/v1/inventory?sku=WIDGET-1')).body.items[0].onHand).toBe(1);
  });

  it('pages through the ledger newest first with the cursor it answers', async () => {
    const ledger = (query: string) => oms.request('GET', `/v1/inventory/ledger?sku=WIDGET-1&${query}`);
    const whole = await ledger('limit=500');
    expect(whole.body.nextCursor).toBeNull();
    const ids: number[] = whole.body.items.map((row: { id: number }) => row.id);
    expect(ids.length).toBeGreaterThan(10); // the receipt and the adjustments above
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const paged: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await ledger(`limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(4);
      paged.push(...page.body.items.map((row: { id: number }) => row.id));
      cursor = page.body.nextCursor;
    }
    expect(paged).toEqual(ids);
    // The default page is 100; a cursor this API did not give is refused.
    expect((await oms.request('GET', '/v1/inventory/ledger')).body.items.length).toBeLessThanOrEqual(100);
    const bad = await ledger('cursor=first');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path)).toEqual(['query.cursor']);
  });

  it('refuses an adjustment Idempotency-Key reused with another body, as every keyed route does', async () => {
    const adjust = (key: string, delta: number) =>
      oms.request('POST', '/v1/inventory/adjustments', {
        as: 'warehouse',
        headers: { 'idempotency-key': key },
        body: { warehouse: 'ORD1', sku: 'WIDGET-1', delta, reason: 'recount' },
      });
    const onHand = async () => (await oms.request('GET', '/v1/inventory?sku=WIDGET-1')).body.items[0].onHand as number;
    const before = await onHand();
    expect((await adjust('count-2026-11', 3)).status).toBe(201);
    expect(await adjust('count-2026-11', 3)).toMatchObject({
      status: 200,
      body: { duplicate: true, level: { onHand: before + 3 } },
    });
    const reused = await adjust('count-2026-11', 5);
    expect(reused.status).toBe(422);
    expect(reused.body.detail).toBe('this Idempotency-Key was used with a different request body');
    expect(reused.body.errors.map((error: { path: string }) => error.path)).toEqual(['header.Idempotency-Key']);

    // Racing first uses of one key with two bodies: one applies, the other is refused, never answered `duplicate`.
    const racing = await Promise.all([adjust('count-2026-12', 2), adjust('count-2026-12', 4)]);
    expect(racing.map((answer) => answer.status).sort()).toEqual([201, 422]);
    const applied = racing.find((answer) => answer.status === 201)!;
    expect([before + 5, before + 7]).toContain(applied.body.level.onHand);
    expect(await onHand()).toBe(applied.body.level.onHand);
  });

  it('serves health and readiness without a key', async () => {
    expect((await oms.request('GET', '/health', { as: null })).body).toEqual({ status: 'ok' });
    expect((await oms.request('GET', '/ready', { as: null })).body).toEqual({
      status: 'ready',
      postgres: 'ok',
      temporal: 'ok',
    });
  });
});
