import { createHmac } from 'node:crypto';
import type express from 'express';
import { createApp } from '../../api/app';
import { routeTable } from '../../api/route-table';
import { ROLES, type Role } from '../../config';
import { createApiKey, digestKeyId, importApiKeys, revokeApiKey } from '../../db/api-keys';
import { startOms, type TestOms } from '../support/oms';

/**
 * SPEC section 4, who may call what, for every route the API serves. `y`: the role passes authorization,
 * `-`: 403. Every route needs a key (401 without one or with a wrong one) unless it is listed as public.
 * admin may do everything.
 */
const MUTATIONS = table(`
  route                                     | admin | sales | approver | support | warehouse | carrier
  POST   /v1/products                       |   y   |   -   |    -     |    -    |     -     |    -
  PATCH  /v1/products/:sku                  |   y   |   -   |    -     |    -    |     -     |    -
  POST   /v1/warehouses                     |   y   |   -   |    -     |    -    |     -     |    -
  POST   /v1/customers                      |   y   |   -   |    -     |    -    |     -     |    -
  PATCH  /v1/customers/:id                  |   y   |   -   |    -     |    -    |     -     |    -
  POST   /v1/promotions                     |   y   |   -   |    -     |    -    |     -     |    -
  POST   /v1/inventory/receipts             |   y   |   -   |    -     |    -    |     y     |    -
  POST   /v1/inventory/adjustments          |   y   |   -   |    -     |    -    |     y     |    -
  POST   /v1/orders                         |   y   |   y   |    -     |    -    |     -     |    -
  POST   /v1/orders/batch                   |   y   |   y   |    -     |    -    |     -     |    -
  PATCH  /v1/orders/:id                     |   y   |   y   |    -     |    y    |     -     |    -
  POST   /v1/orders/:id/approve             |   y   |   -   |    y     |    -    |     -     |    -
  POST   /v1/orders/:id/reject              |   y   |   -   |    y     |    -    |     -     |    -
  POST   /v1/orders/:id/cancel              |   y   |   -   |    -     |    y    |     -     |    -
  POST   /v1/orders/:id/resume-backorder    |   y   |   -   |    -     |    y    |     -     |    -
  POST   /v1/orders/:id/hold                |   y   |   -   |    -     |    y    |     -     |    -
  POST   /v1/orders/:id/release             |   y   |   -   |    -     |    y    |     -     |    -
  POST   /v1/orders/:id/refunds             |   y   |   -   |    -     |    y    |     -     |    -
  POST   /v1/orders/:id/returns             |   y   |   -   |    -     |    y    |     -     |    -
  POST   /v1/returns/:id/receive            |   y   |   -   |    -     |    -    |     y     |    -
  POST   /v1/pick-lists/:id/confirm         |   y   |   -   |    -     |    -    |     y     |    -
  POST   /v1/shipments/:id/events           |   y   |   -   |    -     |    -    |     -     |    y
  POST   /v1/invoices/:number/payments      |   y   |   -   |    -     |    -    |     -     |    -
  POST   /v1/webhooks                       |   y   |   -   |    -     |    -    |     -     |    -
  PATCH  /v1/webhooks/:id                   |   y   |   -   |    -     |    -    |     -     |    -
  DELETE /v1/webhooks/:id                   |   y   |   -   |    -     |    -    |     -     |    -
  POST   /v1/webhooks/:id/deliveries/:deliveryId/redeliver | y | - | - | - | - | -
`);

const READS = table(`
  route                                     | admin | sales | approver | support | warehouse | carrier
  GET    /v1/products                       |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/products/:sku                  |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/warehouses                     |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/customers                      |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/customers/:id                  |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/promotions                     |   y   |   -   |    -     |    -    |     -     |    -
  GET    /v1/inventory                      |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/inventory/ledger               |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/orders                         |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/orders/:id                     |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/orders/:id/history             |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/returns/:id                    |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/pick-lists                     |   y   |   -   |    -     |    -    |     y     |    -
  GET    /v1/shipments/:id                  |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/invoices                       |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/invoices/:number               |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/invoices/:number.pdf           |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/reports/payments               |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/reports/products               |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/reports/sales                  |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/reports/customers              |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/reports/status                 |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/webhooks                       |   y   |   -   |    -     |    -    |     -     |    -
  GET    /v1/webhooks/:id                   |   y   |   -   |    -     |    -    |     -     |    -
  GET    /v1/webhooks/:id/deliveries        |   y   |   -   |    -     |    -    |     -     |    -
  GET    /v1/webhooks/deliveries            |   y   |   -   |    -     |    -    |     -     |    -
  GET    /v1/webhooks/event-types           |   y   |   -   |    -     |    -    |     -     |    -
  GET    /v1/notifications                  |   y   |   -   |    -     |    y    |     -     |    -
  GET    /v1/me                             |   y   |   y   |    y     |    y    |     y     |    y
  GET    /v1/notifications/:id              |   y   |   -   |    -     |    y    |     -     |    -
  GET    /v1/audit                          |   y   |   -   |    -     |    -    |     -     |    -
`);

/** No key needed (SPEC section 4 "none"); some are served only once their issue lands. */
const PUBLIC = [
  ...['GET /health', 'GET /ready', 'GET /metrics', 'GET /openapi.json', 'GET /docs', 'GET /v1/track/:trackingNumber'],
  // HTML pages: the console asks for a key and calls /v1 with it; the tracking page is the customer's.
  ...['GET /console', 'GET /track/:trackingNumber'],
  // Swagger UI's start-up script for /docs.
  'GET /docs/init.js',
  // Chart.js's browser build for the console's reports, from node_modules.
  'GET /static/vendor/chart.umd.min.js',
];

/** An answer that got past authorization: the route looked at the request (no such order, bad body, ...). */
const PASSED_AUTH = [200, 201, 202, 400, 404, 409, 422];

describe('roles (SPEC section 4)', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  // Paths point at things that do not exist and bodies are empty, so a request that passes authorization
  // is refused by the route (400/404) and changes nothing: every cell can be checked in any order.
  const call = (route: string, as: Role | null, key?: string) => {
    const [method, path] = route.split(/\s+/);
    return oms.request(method, path.replace(/:[a-zA-Z]+/g, 'NOPE-1'), {
      as,
      key,
      ...(method === 'GET' ? {} : { body: {} }),
    });
  };

  it('the tables name every route the API serves, and only those', () => {
    const served = servedRoutes(
      createApp({
        db: oms.db,
        temporal: oms.temporal,
        taskQueue: oms.taskQueue,
        config: {
          apiKeys: [],
          orderSettings: oms.settings,
          temporalUiUrl: '',
          temporalNamespace: 'default',
          carrierWebhookSecret: 'x',
        },
      }),
    );
    const tabled = [...MUTATIONS, ...READS].map((row) => row.route);
    expect(served.filter((route) => !tabled.includes(route) && !PUBLIC.includes(route))).toEqual([]);
    expect(tabled.filter((route) => !served.includes(route))).toEqual([]);
  });

  describe.each([...MUTATIONS, ...READS].map((row) => [row.route, row] as const))('%s', (_route, row) => {
    it('answers 401 without a key and with a wrong one', async () => {
      const without = await call(row.route, null);
      expect(without.status).toBe(401);
      expect(without.contentType).toContain('application/problem+json');
      expect((await call(row.route, null, 'oms_sales_00000000_wrong')).status).toBe(401);
    });

    it.each(ROLES.map((role) => [role, row.allowed.includes(role) ? 'passes' : '403'] as const))(
      '%s: %s',
      async (role, expected) => {
        const response = await call(row.route, role);
        if (expected === 'passes') expect(PASSED_AUTH).toContain(response.status);
        else expect(response.status).toBe(403);
      },
    );
  });

  it('serves the public routes without a key', async () => {
    expect((await call('GET /health', null)).status).toBe(200);
    expect((await call('GET /ready', null)).status).toBe(200);
    expect((await call('GET /v1/track/:trackingNumber', null)).status).toBe(404);
  });

  it('takes a carrier event with a valid HMAC signature instead of a key, and refuses a bad one', async () => {
    const body = JSON.stringify({ status: 'in_transit' });
    const signed = (signature: string) =>
      oms.request('POST', '/v1/shipments/NOPE-1/events', {
        as: null,
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-oms-signature': signature },
      });
    expect((await signed(createHmac('sha256', oms.carrierWebhookSecret).update(body).digest('hex'))).status).toBe(404);
    expect((await signed(createHmac('sha256', 'another secret').update(body).digest('hex'))).status).toBe(401);
    expect((await signed('not-hex')).status).toBe(401);
  });

  it('accepts keys stored hashed in the database at once, keeps only their digest, and refuses revoked ones', async () => {
    const warehouse = await createApiKey(oms.db, 'warehouse', 'role matrix test');
    expect(warehouse.key.startsWith(`${warehouse.id}_`)).toBe(true);
    expect(PASSED_AUTH).toContain((await call('POST /v1/inventory/receipts', null, warehouse.key)).status);
    expect((await call('POST /v1/products', null, warehouse.key)).status).toBe(403);
    const stored = await oms.db('api_keys').where({ id: warehouse.id }).first();
    expect(JSON.stringify(stored)).not.toContain(warehouse.key.slice(warehouse.id.length + 1));
    expect(stored.role).toBe('warehouse');

    const revoked = await createApiKey(oms.db, 'sales');
    expect(await revokeApiKey(oms.db, revoked.id)).toBe(true);
    expect((await call('POST /v1/orders', null, revoked.key)).status).toBe(401);
  });

  it('keeps plain keys from an old secrets.json working once their digests are imported, under their old ids', async () => {
    const plain = 'oms_support_0123456789abcdef01234567';
    expect((await call('POST /v1/orders/:id/cancel', null, plain)).status).toBe(401);
    expect(await importApiKeys(oms.db, [{ key: plain, role: 'support' }], 'secrets.json')).toBe(1);
    expect(await importApiKeys(oms.db, [{ key: plain, role: 'support' }], 'secrets.json')).toBe(0);
    expect(PASSED_AUTH).toContain((await call('POST /v1/orders/:id/cancel', null, plain)).status);
    expect(
      await oms
        .db('api_keys')
        .where({ id: digestKeyId(plain) })
        .first('role', 'label'),
    ).toEqual({ role: 'support', label: 'secrets.json' });
  });
});

interface MatrixRow {
  route: string;
  allowed: Role[];
}

/** Reads a `route | admin | sales | ...` table: `y` allowed, `-` not. */
function table(text: string): MatrixRow[] {
  const [header, ...rows] = text
    .trim()
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const roles = header.slice(1) as Role[];
  if (roles.join() !== ROLES.join()) throw new Error(`the table's columns must be ${ROLES.join(', ')}`);
  return rows.map(([route, ...cells]) => ({
    route: route.replace(/\s+/, ' '),
    allowed: roles.filter((_role, index) => cells[index] === 'y'),
  }));
}

/** `METHOD /path` of every route the express app serves, read from its router (api/route-table.ts). */
function servedRoutes(app: express.Express): string[] {
  return [...new Set(routeTable(app).map((route) => `${route.method} ${route.path}`))];
}
