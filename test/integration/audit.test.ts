import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '../../config';
import { createApiKey } from '../../db/api-keys';
import { createLogger } from '../../observability/logger';
import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

interface AuditEntry {
  id: number;
  at: string;
  actor: { type: string; id?: string; role?: string };
  action: string;
  targetType: string | null;
  targetId: string | null;
  orderId: string | null;
  detail: Record<string, any> | null;
  status: number | null;
  requestId: string | null;
}

/**
 * The audit log (SPEC section 6): every change that succeeded, through the API or the CLI, is one row naming
 * who made it (never their key), what it was and what it changed; `GET /v1/audit` lists them for admins.
 */
describe('audit log', () => {
  let oms: TestOms;
  const logLines: string[] = [];
  beforeAll(async () => {
    // Manual fulfillment: orders wait at their pick list, so they can be cancelled or shipped by hand.
    oms = await startOms({
      settings: { fulfillmentMode: 'manual' },
      logger: createLogger({ level: 'warn', destination: { write: (line: string) => void logLines.push(line) } }),
    });
  });
  afterAll(() => oms.close());

  /** A static key's id, as the authenticator names it (a digest prefix). */
  const keyIdOf = (role: Role) => createHash('sha256').update(oms.keyOf(role)).digest('hex').slice(0, 12);

  /**
   * The entries `query` lists once there are at least `count` (or `ready` says so): rows are written just after
   * the answer, so a read right after it may not show them yet.
   */
  async function entries(query: string, ready: number | ((items: AuditEntry[]) => boolean)): Promise<AuditEntry[]> {
    const accept = typeof ready === 'number' ? (found: AuditEntry[]) => found.length >= ready : ready;
    const items = await eventually(
      async () => (await oms.request('GET', `/v1/audit${query}`)).body.items as AuditEntry[],
      accept,
    );
    expect(accept(items)).toBe(true);
    return items;
  }

  const rowCount = async () => Number((await oms.db('audit_log').count({ count: '*' }).first())?.count);

  async function place(body = orderBody()) {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  async function openPickList(orderId: string): Promise<{ id: string }> {
    await oms.waitForStatus(orderId, 'PICKING');
    const lists = await eventually(
      async () =>
        (await oms.request('GET', '/v1/pick-lists?status=open', { as: 'warehouse' })).body.items as {
          id: string;
          orderId: string;
        }[],
      (items) => items.some((item) => item.orderId === orderId),
    );
    const list = lists.find((item) => item.orderId === orderId);
    expect(list).toBeDefined();
    return list!;
  }

  const sign = (body: string) => createHmac('sha256', oms.carrierWebhookSecret).update(body).digest('hex');

  it('records placing and cancelling an order: one row each, with the key that did it', async () => {
    const id = await place();
    await oms.waitForStatus(id, 'PICKING');
    const cancelled = await oms.request('POST', `/v1/orders/${id}/cancel`, {
      as: 'support',
      body: { reason: 'customer changed their mind' },
    });
    expect(cancelled.status).toBe(200);

    const [cancel, placing, ...more] = await entries(`?orderId=${id}`, 2);
    expect(more).toEqual([]);
    expect(cancel).toEqual({
      id: expect.any(Number),
      at: expect.any(String),
      actor: { type: 'api_key', id: keyIdOf('support'), role: 'support' },
      action: 'cancelOrder',
      targetType: 'order',
      targetId: id,
      orderId: id,
      detail: { body: { reason: 'customer changed their mind' }, result: { status: 'CANCELLED' } },
      status: 200,
      requestId: cancelled.headers.get('x-request-id'),
    });
    expect(placing).toMatchObject({
      actor: { type: 'api_key', id: keyIdOf('sales'), role: 'sales' },
      action: 'placeOrder',
      targetType: 'order',
      targetId: id,
      orderId: id,
      status: 202,
      detail: { body: { customerId: 'CUST-ACME', lines: [{ sku: 'MUG-BLK', quantity: 2 }] }, result: { id } },
    });
    // The payment token is a secret: dropped, the method kept.
    expect(placing.detail!.body.payment).toEqual({ method: 'card' });
    expect(Date.parse(cancel.at)).toBeGreaterThanOrEqual(Date.parse(placing.at));

    // The order's timeline names who asked: the request entry carries the key, the steps it caused are the system's.
    const { timeline } = (await oms.request('GET', `/v1/orders/${id}`)).body;
    const request = timeline.find((entry: { type: string }) => entry.type === 'request');
    expect(request).toMatchObject({
      message: 'Request: cancel (customer changed their mind)',
      actor: { type: 'api_key', id: keyIdOf('support'), role: 'support' },
    });
    const cancelledEntry = timeline.find((entry: { status: string }) => entry.status === 'CANCELLED');
    expect(cancelledEntry.actor).toEqual({ type: 'system' });
    expect(cancelledEntry.seq).toBeGreaterThan(request.seq);
  });

  it('records a product change, a stock receipt, a pick confirmation, a batch and a carrier event signed by HMAC', async () => {
    const changed = await oms.request('PATCH', '/v1/products/MUG-BLK', { body: { name: 'Mug, black (audited)' } });
    expect(changed.status).toBe(200);
    const receipt = { warehouse: 'EWR', sku: 'TEE-M', quantity: 5, reference: 'audit-po-1' };
    expect((await oms.request('POST', '/v1/inventory/receipts', { as: 'warehouse', body: receipt })).status).toBe(201);

    const id = await place();
    const list = await openPickList(id);
    const confirmed = await oms.request('POST', `/v1/pick-lists/${list.id}/confirm`, { as: 'warehouse', body: {} });
    expect(confirmed.status).toBe(200);
    const event = JSON.stringify({ status: 'in_transit', at: '2026-11-23T08:00:00Z' });
    const signed = await oms.request('POST', `/v1/shipments/${id}-S1/events`, {
      as: null,
      rawBody: event,
      headers: { 'content-type': 'application/json', 'x-oms-signature': sign(event) },
    });
    expect(signed.status).toBe(200);
    const batch = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      body: { orders: [orderBody(), { customerId: 'CUST-ACME' }] },
    });
    expect([batch.status, batch.body.accepted]).toEqual([200, 1]);

    const [product] = await entries(`?actor=${keyIdOf('admin')}`, 1);
    expect(product).toMatchObject({
      actor: { type: 'api_key', id: keyIdOf('admin'), role: 'admin' },
      action: 'updateProduct',
      targetType: 'product',
      targetId: 'MUG-BLK',
      orderId: null,
      detail: { body: { name: 'Mug, black (audited)' }, result: { sku: 'MUG-BLK', name: 'Mug, black (audited)' } },
    });

    const byWarehouse = await entries(`?actor=${keyIdOf('warehouse')}`, 2);
    expect(byWarehouse.map((entry) => entry.action)).toEqual(['confirmPickList', 'receiveStock']);
    expect(byWarehouse[1]).toMatchObject({
      targetType: 'inventory',
      targetId: 'TEE-M',
      orderId: null,
      status: 201,
      detail: { body: receipt, result: { duplicate: false } },
    });
    // A pick list belongs to an order: the row names it.
    expect(byWarehouse[0]).toMatchObject({ targetType: 'pick_list', targetId: list.id, orderId: id });

    const forOrder = await entries(`?orderId=${id}`, 3);
    expect(forOrder.map((entry) => entry.action)).toEqual(['recordCarrierEvent', 'confirmPickList', 'placeOrder']);
    expect(forOrder[0]).toMatchObject({
      actor: { type: 'carrier_signature' },
      targetType: 'shipment',
      targetId: `${id}-S1`,
      orderId: id,
      detail: { body: { status: 'in_transit', at: '2026-11-23T08:00:00Z' } },
    });
    expect(forOrder[0].actor).toEqual({ type: 'carrier_signature' });

    const [placedBatch] = await entries(`?actor=${keyIdOf('sales')}`, (items) => items[0]?.action === 'placeOrders');
    expect(placedBatch).toMatchObject({
      action: 'placeOrders',
      targetType: 'order',
      targetId: null,
      orderId: null,
      detail: { result: { accepted: 1, rejected: 1 } },
    });
  });

  it('records nothing for a refused request', async () => {
    const before = await rowCount();
    const refused = [
      await oms.request('PATCH', '/v1/products/NOPE-1', { body: { name: 'x' } }),
      await oms.request('POST', '/v1/products', { as: 'sales', body: {} }),
      await oms.request('POST', '/v1/orders', { as: null, body: orderBody() }),
      await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ lines: [] }) }),
      await oms.request('POST', '/v1/inventory/receipts', { as: 'warehouse', body: { sku: 'TEE-M' } }),
      await oms.request('POST', '/v1/shipments/NOPE-1/events', {
        as: null,
        rawBody: '{"status":"delivered"}',
        headers: { 'content-type': 'application/json', 'x-oms-signature': sign('{"status":"lost"}') },
      }),
    ];
    expect(refused.map((response) => response.status)).toEqual([404, 403, 401, 400, 400, 401]);
    // A change after them is the fence: once its row is there, theirs would have been too.
    expect((await oms.request('PATCH', '/v1/products/TEE-M', { body: { name: 'Tee, M' } })).status).toBe(200);
    expect(await eventually(rowCount, (count) => count > before)).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await rowCount()).toBe(before + 1);
    const [newest] = await entries('?limit=1', 1);
    expect([newest.action, newest.targetId]).toEqual(['updateProduct', 'TEE-M']);
  });

  it('names a stored key by its id and never keeps a key, a token or a secret', async () => {
    const stored = await createApiKey(oms.db, 'admin', 'audit test');
    const customer = await oms.request('PATCH', '/v1/customers/CUST-ACME', {
      key: stored.key,
      body: {
        address: {
          name: 'Jane Doe',
          line1: '1 Main St',
          city: 'Newark',
          region: 'NJ',
          postalCode: '07102',
          country: 'US',
        },
      },
    });
    expect(customer.status).toBe(200);
    const [changed] = await entries(`?actor=${stored.id}`, 1);
    // The key's creation is the system's (createApiKey outside the CLI), in the same transaction as the key.
    const created = (await entries('?limit=200', 1)).find(
      (entry) => entry.action === 'createApiKey' && entry.targetId === stored.id,
    );
    expect(changed).toMatchObject({
      actor: { type: 'api_key', id: stored.id, role: 'admin' },
      action: 'updateCustomer',
      targetType: 'customer',
      targetId: 'CUST-ACME',
      detail: { body: { address: '[redacted]' } },
    });
    expect(created).toMatchObject({
      actor: { type: 'system' },
      targetType: 'api_key',
      detail: { role: 'admin', label: 'audit test' },
    });

    const everything = JSON.stringify(await oms.db('audit_log').select('*'));
    const secrets = [
      stored.key,
      stored.key.slice(stored.id.length + 1),
      ...(['admin', 'sales', 'support', 'warehouse', 'carrier'] as const).map((role) => oms.keyOf(role)),
      oms.carrierWebhookSecret,
      'tok_ok',
      'Jane Doe',
    ];
    for (const secret of secrets) expect([secret, everything.includes(secret)]).toEqual([secret, false]);
  });

  it('lists newest first with cursor paging and filters; bad input is a 400 naming the field; admin only', async () => {
    const all = await entries('?limit=200', 10);
    const keys = all.map((entry) => [Date.parse(entry.at), entry.id]);
    const sorted = [...keys].sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    expect(keys).toEqual(sorted);

    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await oms.request('GET', `/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.items.map((entry: AuditEntry) => entry.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.map((entry) => entry.id));

    expect((await oms.request('GET', '/v1/audit?since=2999-01-01T00:00:00Z')).body.items).toEqual([]);
    const since = all[2].at;
    const recent = (await oms.request('GET', `/v1/audit?since=${encodeURIComponent(since)}&limit=200`)).body.items;
    expect(recent.map((entry: AuditEntry) => entry.id)).toEqual(
      all.filter((entry) => Date.parse(entry.at) >= Date.parse(since)).map((entry) => entry.id),
    );
    const support = (await oms.request('GET', `/v1/audit?actor=${keyIdOf('support')}`)).body.items;
    expect(support.length).toBeGreaterThan(0);
    expect(support.every((entry: AuditEntry) => entry.actor.id === keyIdOf('support'))).toBe(true);
    expect((await oms.request('GET', '/v1/audit?actor=nobody')).body).toEqual({ items: [], nextCursor: null });

    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=201', 'query.limit'],
      ['since=yesterday', 'query.since'],
      ['since=2026-01-01', 'query.since'],
      ['cursor=not-a-cursor', 'query.cursor'],
      [`cursor=${Buffer.from('{"at":"2026-13-01T00:00:00.000000Z","id":1}').toString('base64url')}`, 'query.cursor'],
      ['orderId=a%20b', 'query.orderId'],
    ]) {
      const refused = await oms.request('GET', `/v1/audit?${query}`);
      expect([query, refused.status, refused.contentType]).toEqual([
        query,
        400,
        expect.stringContaining('application/problem+json'),
      ]);
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(field);
    }
    for (const role of ['sales', 'approver', 'support', 'warehouse', 'carrier'] as const)
      expect([role, (await oms.request('GET', '/v1/audit', { as: role })).status]).toEqual([role, 403]);
    expect((await oms.request('GET', '/v1/audit', { as: null })).status).toBe(401);
  });

  it('records the keys the CLI creates and revokes, by the system, without the key', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'oms-audit-cli-'));
    const cli = (args: string[]): Promise<{ code: number | null; stdout: string }> => {
      const child = spawn(process.execPath, [path.join(__dirname, '../../bin/oms.js'), ...args], {
        env: { ...process.env, DATABASE_URL: oms.databaseUrl, OMS_DATA_DIR: workDir },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
    };
    const created = await cli(['keys', 'create', '--role', 'carrier', '--label', 'audited']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    const id = key.slice(0, key.lastIndexOf('_'));
    expect((await cli(['keys', 'revoke', id])).code).toBe(0);

    const [revoked, createdEntry] = await entries('?actor=cli', 2);
    expect(revoked).toMatchObject({
      actor: { type: 'system', id: 'cli' },
      action: 'revokeApiKey',
      targetType: 'api_key',
      targetId: id,
      orderId: null,
      status: null,
      requestId: null,
    });
    expect(createdEntry).toMatchObject({
      actor: { type: 'system', id: 'cli' },
      action: 'createApiKey',
      targetId: id,
      detail: { role: 'carrier', label: 'audited' },
    });
    expect(JSON.stringify(await oms.db('audit_log').select('*'))).not.toContain(key.slice(id.length + 1));
  }, 60_000);

  it('answers a change that was made even when its audit row cannot be written, and logs why', async () => {
    await oms.db.raw('ALTER TABLE audit_log RENAME TO audit_log_away');
    try {
      const changed = await oms.request('PATCH', '/v1/products/TEE-M', { body: { name: 'Tee, medium' } });
      expect(changed.status).toBe(200);
      const failures = await eventually(
        () =>
          logLines
            .map((line) => JSON.parse(line) as Record<string, any>)
            .filter((line) => line.component === 'audit' && line.level === 'error'),
        (found) => found.length > 0,
      );
      expect(failures[0]).toMatchObject({
        msg: expect.stringContaining('audit write failed'),
        action: 'updateProduct',
        requestId: changed.headers.get('x-request-id'),
      });
    } finally {
      await oms.db.raw('ALTER TABLE audit_log_away RENAME TO audit_log');
    }
    expect(oms.errors).toEqual([]);
  });
});
