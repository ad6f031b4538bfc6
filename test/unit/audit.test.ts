import {
  DETAIL_LIMITS,
  auditAction,
  auditDetail,
  auditTarget,
  orderIdIn,
  pathParams,
  redacted,
} from '../../api/audit-entry';

/** The pure pieces of the audit log: what a request changed, read from its route, path, body and answer. */
describe('audit entries', () => {
  const operations = new Map([['POST /v1/orders/{id}/cancel', 'cancelOrder']]);

  it('names the action by the operationId, else by method and route pattern', () => {
    expect(auditAction('POST', '/v1/orders/:id/cancel', operations)).toBe('cancelOrder');
    expect(auditAction('delete', '/v1/webhooks/:id', operations)).toBe('DELETE /v1/webhooks/:id');
  });

  it('reads path parameters by the pattern, decoded (a return id holds a slash)', () => {
    expect(pathParams('/v1/orders/:id/cancel', '/v1/orders/ORD-1/cancel')).toEqual({ id: 'ORD-1' });
    expect(pathParams('/v1/returns/:id/receive', '/v1/returns/ORD-1%2Freturn-1/receive/')).toEqual({
      id: 'ORD-1/return-1',
    });
    expect(pathParams('/v1/invoices/:number.pdf', '/v1/invoices/INV-1.pdf')).toEqual({ number: 'INV-1' });
    expect(
      pathParams('/v1/webhooks/:id/deliveries/:deliveryId/redeliver', '/v1/webhooks/W1/deliveries/D%/redeliver'),
    ).toEqual({ id: 'W1', deliveryId: 'D%' });
    expect(pathParams('/v1/orders/:id', '/v1/orders')).toEqual({});
  });

  it('takes the target from the path, else from what a creation answered, else from the body', () => {
    expect(auditTarget('/v1/orders/:id/cancel', { id: 'ORD-1' }, { status: 'CANCELLED' }, {})).toEqual({
      type: 'order',
      id: 'ORD-1',
    });
    expect(auditTarget('/v1/products/:sku', { sku: 'MUG-BLK' }, { sku: 'MUG-BLK' }, { name: 'x' })).toEqual({
      type: 'product',
      id: 'MUG-BLK',
    });
    expect(auditTarget('/v1/pick-lists/:id/confirm', { id: 'PL-1' }, {}, {})).toEqual({
      type: 'pick_list',
      id: 'PL-1',
    });
    expect(auditTarget('/v1/orders', {}, { id: 'ORD-2', status: 'PENDING' }, { customerId: 'C' })).toEqual({
      type: 'order',
      id: 'ORD-2',
    });
    expect(auditTarget('/v1/warehouses', {}, { code: 'EWR' }, { code: 'EWR' })).toEqual({
      type: 'warehouse',
      id: 'EWR',
    });
    expect(
      auditTarget('/v1/inventory/receipts', {}, { duplicate: false }, { sku: 'MUG-BLK', warehouse: 'EWR' }),
    ).toEqual({ type: 'inventory', id: 'MUG-BLK' });
    expect(auditTarget('/v1/orders/batch', {}, { accepted: 2, results: [] }, { orders: [] })).toEqual({
      type: 'order',
      id: null,
    });
    expect(
      auditTarget('/v1/webhooks/:id/deliveries/:deliveryId/redeliver', { id: 'W1', deliveryId: 'D1' }, {}, {}),
    ).toEqual({ type: 'webhook', id: 'W1' });
    expect(auditTarget('/v1/deliveries', {}, 'text', 'a,b')).toEqual({ type: 'delivery', id: null });
    expect(orderIdIn({ orderId: 'ORD-3' })).toBe('ORD-3');
    expect(orderIdIn(null)).toBeUndefined();
  });

  it('drops secrets wherever they are and masks personal data', () => {
    const body = {
      customerId: 'CUST-ACME',
      payment: { method: 'card', token: 'tok_live_123' },
      apiKey: 'oms_admin_1_secret',
      nested: [{ clientSecret: 'x', password: 'p', keep: 'y' }],
      shippingAddress: { name: 'Jane Doe', line1: '1 Main St' },
      email: 'jane@example.com',
      url: 'https://user:hunter2@hooks.example/in?token=abc&x=1',
    };
    const shown = redacted(body);
    expect(shown).toEqual({
      customerId: 'CUST-ACME',
      payment: { method: 'card' },
      nested: [{ keep: 'y' }],
      shippingAddress: '[redacted]',
      email: '[redacted]',
      url: 'https://***@hooks.example/in?token=***&x=1',
    });
    expect(JSON.stringify(shown)).not.toMatch(/tok_live|secret|hunter2|abc|Jane|jane@/);
  });

  it('keeps a detail bounded and storable as jsonb', () => {
    const long = 'x'.repeat(1000);
    expect(redacted(long)).toBe(`${'x'.repeat(DETAIL_LIMITS.stringLength)}…`);
    const list = redacted(Array.from({ length: 25 }, (_, index) => index)) as unknown[];
    expect(list).toHaveLength(DETAIL_LIMITS.items + 1);
    expect(list.at(-1)).toBe('… 15 more');
    expect(redacted({ a: { b: { c: { d: { e: { f: 1 } } } } } })).toEqual({ a: { b: { c: { d: { e: '{…}' } } } } });
    expect(redacted('a\u0000b\ud800')).toBe('a\ufffdb\ufffd');
    expect(redacted(Number.NaN)).toBeNull();
    const batch = { orders: Array.from({ length: 1000 }, () => ({ customerId: 'C', lines: [{ sku: 'MUG' }] })) };
    const orders = (auditDetail({ body: batch, params: {}, result: undefined })?.body as { orders: unknown[] }).orders;
    expect(orders).toHaveLength(DETAIL_LIMITS.items + 1);
    expect(orders[0]).toEqual({ customerId: 'C', lines: [{ sku: 'MUG' }] });
    // Still too large once bounded (many long fields): the body is named by its size alone.
    const wide = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`field${index}`, long]));
    const detail = auditDetail({ body: wide, params: {}, result: { accepted: 1 } });
    expect(detail).toEqual({ body: { truncated: true, bytes: JSON.stringify(wide).length }, result: { accepted: 1 } });
  });

  it("puts the body, other path parameters and the answer's own fields in the detail", () => {
    expect(
      auditDetail({
        body: { reason: 'changed mind' },
        params: { id: 'ORD-1' },
        result: { status: 'CANCELLED', order: { id: 'ORD-1' } },
      }),
    ).toEqual({ body: { reason: 'changed mind' }, result: { status: 'CANCELLED' } });
    expect(
      auditDetail({
        body: undefined,
        params: { id: 'W1', deliveryId: 'D1' },
        result: { id: 'W1', secret: 'whsec_abc' },
        replayed: true,
      }),
    ).toEqual({ params: { id: 'W1', deliveryId: 'D1' }, result: { id: 'W1' }, replayed: true });
    expect(auditDetail({ body: 'sku,quantity\nMUG,1\n', params: {}, result: undefined })).toEqual({
      body: { bytes: 19 },
    });
    expect(auditDetail({ body: {}, params: { id: 'ORD-1' }, result: {} })).toBeNull();
  });
});
