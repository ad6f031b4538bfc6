import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../../api/app';
import { routeTable, toOpenApiPath } from '../../api/route-table';
import { ORDER_EVENT_TYPES } from '../../domain/order-events';
import { startOms, type TestOms } from '../support/oms';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The OpenAPI document describes exactly the routes the app serves, and /docs renders it offline. */
describe('OpenAPI document and /docs', () => {
  let oms: TestOms;
  let document: any;
  beforeAll(async () => {
    oms = await startOms({ seed: false });
    const response = await oms.request('GET', '/openapi.json', { as: null });
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(() => oms.close());

  const operations = () =>
    Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([route, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${route}`, route, operation })),
    );

  it('documents every /v1 route of the real router, and nothing else', () => {
    const app = createApp({
      db: oms.db,
      temporal: oms.temporal,
      taskQueue: oms.taskQueue,
      config: {
        apiKeys: [],
        orderSettings: oms.settings,
        temporalUiUrl: 'http://localhost',
        temporalNamespace: 'default',
        carrierWebhookSecret: 'x',
      },
    });
    const served = routeTable(app).map((route) => `${route.method} ${toOpenApiPath(route.path)}`);
    const servedV1 = served.filter((key) => key.split(' ')[1].startsWith('/v1/')).sort();
    const documentedV1 = operations()
      .map((entry) => entry.key)
      .filter((key) => key.split(' ')[1].startsWith('/v1/'))
      .sort();
    expect(servedV1.length).toBeGreaterThan(30);
    expect(documentedV1).toEqual(servedV1);
    // Liveness and readiness are served and documented too.
    for (const key of ['GET /health', 'GET /ready']) {
      expect(served).toContain(key);
      expect(operations().map((entry) => entry.key)).toContain(key);
    }
  });

  it('is OpenAPI 3.1 with responses, declared path parameters, unique operation IDs and resolvable references', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toBeTruthy();
    const schemes = Object.keys(document.components.securitySchemes);
    expect(schemes).toContain('apiKey');
    for (const { key, route, operation } of operations()) {
      expect([key, Object.keys(operation.responses ?? {}).length > 0]).toEqual([key, true]);
      const declared = (operation.parameters ?? [])
        .filter((parameter: any) => parameter.in === 'path')
        .map((parameter: any) => parameter.name)
        .sort();
      const templated = [...route.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      expect([key, declared]).toEqual([key, templated]);
      for (const requirement of operation.security ?? [])
        for (const scheme of Object.keys(requirement)) expect(schemes).toContain(scheme);
      if (route.startsWith('/v1/') && operation.security?.length)
        expect([key, operation.responses['401']?.content['application/problem+json']]).toEqual([
          key,
          expect.anything(),
        ]);
    }
    const operationIds = operations().map((entry) => entry.operation.operationId);
    expect(new Set(operationIds).size).toBe(operations().length);
    const byId = new Map(operations().map((entry) => [entry.operation.operationId, entry.operation]));
    for (const { key, operation } of operations()) {
      for (const response of Object.values<any>(operation.responses))
        for (const [name, link] of Object.entries<any>(response.links ?? {})) {
          expect(operationIds).toContain(link.operationId);
          // A link fills parameters its target declares (a renamed one breaks API clients that follow links).
          const targetParameters = (byId.get(link.operationId).parameters ?? []).map(
            (parameter: any) => parameter.name,
          );
          for (const parameter of Object.keys(link.parameters ?? {}))
            expect([key, name, parameter, targetParameters.includes(parameter)]).toEqual([key, name, parameter, true]);
        }
    }
    // A nullable reference must be anyOf [ref, null]: allOf [ref, {type: [.., null]}] refuses null.
    expect(JSON.stringify(document)).not.toMatch(/"allOf":\[\{"\$ref":"[^"]+"\},\{[^{}]*"null"/);
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (match) => match[1],
    );
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect([ref, document.components.schemas[ref]]).toEqual([ref, expect.anything()]);
  });

  it('limits each key under /v1 to OMS_RATE_LIMIT requests a second when it is set, and documents the 429', async () => {
    const app = createApp({
      db: oms.db,
      temporal: oms.temporal,
      taskQueue: oms.taskQueue,
      config: {
        apiKeys: [{ key: 'limited-support', role: 'support' }],
        orderSettings: oms.settings,
        temporalUiUrl: 'http://localhost',
        temporalNamespace: 'default',
        carrierWebhookSecret: 'x',
        apiRateLimit: 2,
      },
    });
    const server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const statuses = (route: string, count: number) =>
      Promise.all(
        Array.from({ length: count }, () =>
          fetch(`${base}${route}`, { headers: { authorization: 'Bearer limited-support' } }).then(
            (answer) => answer.status,
          ),
        ),
      );
    try {
      expect((await statuses('/v1/orders', 4)).sort()).toEqual([200, 200, 429, 429]);
      expect(await statuses('/health', 4)).toEqual([200, 200, 200, 200]); // probes are not limited
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(document.paths['/v1/orders'].get.responses['429'].description).toMatch(/OMS_RATE_LIMIT/);
    expect(document.paths['/health'].get.responses['429']).toBeUndefined();
  });

  it('describes the batch endpoint with both JSON and CSV bodies, and tracking as public', () => {
    expect(Object.keys(document.paths['/v1/orders/batch'].post.requestBody.content).sort()).toEqual([
      'application/json',
      'text/csv',
    ]);
    expect(document.paths['/v1/track/{trackingNumber}'].get.security).toEqual([]);
    expect(document.paths['/v1/orders'].post.responses['202'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PlacedOrder',
    });
    // An order's detail (OrderSummary and its own fields) lists its returns as GET /v1/returns/{id} shows each.
    const orderFields = document.components.schemas.Order.allOf.find((part: any) => part.properties);
    expect(orderFields.properties.returns).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/Return' },
    });
    expect(orderFields.required).toContain('returns');
    // An order's webhook deliveries need the order; the event types are the domain's list, as the console shows it.
    const orderDeliveries = document.paths['/v1/webhooks/deliveries'].get;
    expect(orderDeliveries.parameters).toContainEqual(expect.objectContaining({ name: 'orderId', required: true }));
    expect(orderDeliveries.responses['200'].content['application/json'].schema.properties.items.items.$ref).toBe(
      '#/components/schemas/OrderWebhookDelivery',
    );
    expect(
      document.paths['/v1/webhooks/event-types'].get.responses['200'].content['application/json'].schema.properties
        .items.items.enum,
    ).toEqual([...ORDER_EVENT_TYPES]);
    // Paged lists take the previous page's cursor, the ledger too.
    for (const route of ['/v1/inventory/ledger', '/v1/webhooks/deliveries', '/v1/webhooks/{id}/deliveries'])
      expect([route, document.paths[route].get.parameters.map((parameter: any) => parameter.name)]).toEqual([
        route,
        expect.arrayContaining(['limit', 'cursor']),
      ]);
    // Request bodies are the very zod schemas that validate them: strict objects with their patterns.
    expect(document.components.schemas.PlaceOrder).toMatchObject({
      additionalProperties: false,
      required: ['customerId', 'lines', 'payment'],
    });
  });

  it('serves /docs as an HTML page whose Swagger UI assets come from this server', async () => {
    const page = await oms.request('GET', '/docs', { as: null });
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    const assets = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets).toEqual(
      expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/init.js']),
    );
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true); // no CDN
      const response = await fetch(`${oms.baseUrl}${asset}`);
      expect([asset, response.status]).toEqual([asset, 200]);
      expect((await response.text()).length).toBeGreaterThan(100);
    }
  });

  it('renders every operation in a browser that may reach nothing but this server', async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    try {
      const page = await browser.newPage();
      const outside: string[] = [];
      await page.route('**/*', (route) => {
        if (route.request().url().startsWith(oms.baseUrl)) return route.continue();
        outside.push(route.request().url());
        return route.abort();
      });
      await page.goto(`${oms.baseUrl}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBe(operations().length);
      expect(await page.locator('.opblock-summary-path', { hasText: '/v1/orders/{id}/approve' }).count()).toBe(1);
      const artifacts = path.join(__dirname, '../../test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'openapi-docs.png'), fullPage: false });
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
