import type { Server } from 'node:http';
import { createApp } from '../../api/app';
import { createDb } from '../../db/connection';
import { ORDER_STATUSES } from '../../domain/order';
import { createLogger } from '../../observability/logger';
import { serveProcessMetrics } from '../../observability/metrics-server';
import { freePort } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples (comments skipped; label values here never contain `",`). */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/);
      if (!match) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The samples of `name` whose labels include `labels`. */
function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The one sample of `name` with `labels` (fails naming it when missing). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = find(samples, name, labels);
  if (found.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0].value;
}

const captured = () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  return {
    logger,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, any>),
    text: () => lines.join(''),
  };
};

const PRIVATE_ADDRESS = {
  name: 'Jane Privacy',
  line1: '77 Secret Lane',
  city: 'Brooklyn',
  region: 'NY',
  postalCode: '11201',
  country: 'US',
};
const STEPS = [
  'validateAndPriceOrder',
  'authorizePayment',
  'allocateStock',
  'createPickList',
  'confirmPickList',
  'shipShipment',
  'capturePayment',
  'issueInvoice',
  'recordOrderTimeline',
];

describe('observability: metrics and JSON logs of an order driven through', () => {
  let oms: TestOms;
  const logs = captured();
  let delivered: string;
  let waiting: string;
  let samples: Sample[];

  beforeAll(async () => {
    oms = await startOms({ logger: logs.logger });
    delivered = (
      await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ shippingAddress: PRIVATE_ADDRESS }) })
    ).body.id;
    await oms.waitForStatus(delivered, 'DELIVERED');
    // 250 units, 200 in stock, wait for all: backordered with every unit waiting.
    waiting = (
      await oms.request('POST', '/v1/orders', {
        as: 'sales',
        body: orderBody({
          customerId: 'CUST-INITECH',
          lines: [{ sku: 'BEANS-1KG', quantity: 250 }],
          backorderPolicy: 'wait_all',
        }),
      })
    ).body.id;
    await oms.waitForStatus(waiting, 'BACKORDERED');
    expect((await oms.request('GET', '/v1/no-such-route')).status).toBe(404);

    const scraped = await oms.request<string>('GET', '/metrics', { as: null });
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    samples = parseMetrics(scraped.body);
  });
  afterAll(() => oms.close());

  it('counts HTTP requests and their durations by method, route pattern and status, never by raw path', () => {
    expect(value(samples, 'oms_http_requests_total', { method: 'POST', route: '/v1/orders', status: '202' })).toBe(2);
    expect(
      value(samples, 'oms_http_requests_total', { method: 'GET', route: '/v1/orders/:id', status: '200' }),
    ).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'oms_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    const placing = { method: 'POST', route: '/v1/orders', status: '202' };
    expect(value(samples, 'oms_http_request_duration_seconds_count', placing)).toBe(2);
    expect(value(samples, 'oms_http_request_duration_seconds_bucket', { ...placing, le: '+Inf' })).toBe(2);
    const seconds = value(samples, 'oms_http_request_duration_seconds_sum', placing);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(20);
    expect(samples.filter((sample) => /ORD-|no-such-route/.test(sample.labels.route ?? ''))).toEqual([]);
  });

  it('reads orders by status and the backorders waiting from the database', () => {
    expect(
      find(samples, 'oms_orders')
        .map((sample) => sample.labels.status)
        .sort(),
    ).toEqual([...ORDER_STATUSES].sort());
    expect(value(samples, 'oms_orders', { status: 'DELIVERED' })).toBe(1);
    expect(value(samples, 'oms_orders', { status: 'BACKORDERED' })).toBe(1);
    expect(value(samples, 'oms_orders', { status: 'PENDING' })).toBe(0);
    expect(value(samples, 'oms_backorders_waiting')).toBe(1);
    expect(value(samples, 'oms_backorder_units_waiting')).toBe(250);
    expect(value(samples, 'oms_orders_placed_total')).toBe(2);
    expect(value(samples, 'oms_order_status_changes_total', { status: 'DELIVERED' })).toBe(1);
    expect(value(samples, 'oms_order_status_changes_total', { status: 'BACKORDERED' })).toBe(1);
  });

  it('records the duration of each named step', () => {
    for (const step of STEPS) {
      const labels = { step, outcome: 'completed' };
      const count = value(samples, 'oms_step_duration_seconds_count', labels);
      expect({ step, count }).toEqual({ step, count: expect.any(Number) });
      expect(count).toBeGreaterThanOrEqual(1);
      const seconds = value(samples, 'oms_step_duration_seconds_sum', labels);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds / count).toBeLessThan(10); // each attempt is a few database statements
      expect(value(samples, 'oms_step_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(count);
    }
    expect(find(samples, 'oms_step_duration_seconds_count', { outcome: 'failed' })).toEqual([]);
  });

  it("includes the Temporal SDK's worker metrics for this worker's task queue", () => {
    const queue = { task_queue: oms.taskQueue };
    expect(
      value(samples, 'temporal_activity_execution_latency_count', { ...queue, activity_type: 'authorizePayment' }),
    ).toBe(2); // both orders
    expect(
      value(samples, 'temporal_workflow_task_execution_latency_count', { ...queue, workflow_type: 'orderWorkflow' }),
    ).toBeGreaterThanOrEqual(2);
    const localActivities = find(samples, 'temporal_local_activity_total', queue).reduce(
      (total, sample) => total + sample.value,
      0,
    );
    expect(localActivities).toBeGreaterThanOrEqual(5);
    expect(
      value(samples, 'temporal_worker_task_slots_available', { ...queue, worker_type: 'ActivityWorker' }),
    ).toBeGreaterThan(0);
  });

  it('serves the worker-side metrics on their own endpoint too, as npm run worker does', async () => {
    const endpoint = await serveProcessMetrics(0, '127.0.0.1');
    try {
      const worker = parseMetrics(await (await fetch(endpoint.url)).text());
      expect(value(worker, 'oms_step_duration_seconds_count', { step: 'authorizePayment', outcome: 'completed' })).toBe(
        2,
      );
      expect(
        value(worker, 'temporal_activity_execution_latency_count', {
          task_queue: oms.taskQueue,
          activity_type: 'authorizePayment',
        }),
      ).toBe(2);
      expect(find(worker, 'process_cpu_user_seconds_total')).toHaveLength(1);
      expect(find(worker, 'oms_http_requests_total')).toEqual([]); // the API's own, on the API's /metrics
      expect((await fetch(endpoint.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });

  it('logs JSON lines that carry the order and workflow, without keys or personal data', () => {
    const records = logs.records();
    const step = records.find(
      (record) =>
        record.component === 'worker' && record.activityType === 'authorizePayment' && record.workflowId === delivered,
    );
    expect(step).toMatchObject({
      level: 'info',
      service: 'oms',
      orderId: delivered,
      workflowType: 'orderWorkflow',
      attempt: 1,
      durationMs: expect.any(Number),
    });

    const read = records.find((record) => record.component === 'api' && record.req?.path === `/v1/orders/${delivered}`);
    expect(read).toMatchObject({
      level: 'info',
      req: { method: 'GET' },
      res: { status: 200 },
      route: '/v1/orders/:id',
      orderId: delivered,
      durationMs: expect.any(Number),
    });
    const placed = records.find(
      (record) => record.component === 'api' && record.req?.method === 'POST' && record.orderId === waiting,
    );
    expect(placed).toMatchObject({ req: { path: '/v1/orders' }, res: { status: 202 }, route: '/v1/orders' });

    const text = logs.text();
    for (const secret of [
      oms.keyOf('sales'),
      oms.keyOf('admin'),
      'Bearer',
      'buyer@acme.example',
      'ops@initech.example',
      PRIVATE_ADDRESS.name,
      PRIVATE_ADDRESS.line1,
    ]) {
      expect({ secret, logged: text.includes(secret) }).toEqual({ secret, logged: false });
    }
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});

describe('readiness', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ seed: false });
  });
  afterAll(() => oms.close());

  it('is ready when PostgreSQL and Temporal answer', async () => {
    const ready = await oms.request('GET', '/ready', { as: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'ok', temporal: 'ok' });
  });

  it('answers 503 naming PostgreSQL when it is unreachable, and logs a failing request with its error', async () => {
    const logs = captured();
    const closedPort = await freePort();
    const db = createDb(`postgres://oms:oms@127.0.0.1:${closedPort}/oms`, { poolMax: 1 });
    const app = createApp({
      db,
      temporal: oms.temporal,
      taskQueue: oms.taskQueue,
      config: {
        apiKeys: [{ key: 'observability-admin', role: 'admin' }],
        orderSettings: oms.settings,
        temporalUiUrl: 'http://localhost:8233',
        temporalNamespace: 'default',
        carrierWebhookSecret: 'unused',
      },
      logger: logs.logger,
    });
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body).toEqual({ status: 'not ready', postgres: expect.stringMatching(/ECONNREFUSED/), temporal: 'ok' });

      // A request that needs the database answers 503 (retry), logged once with its error.
      const order = await fetch(`${base}/v1/orders/ORD-0000000000AB`, {
        headers: { authorization: 'Bearer observability-admin' },
      });
      expect(order.status).toBe(503);
      const records = logs.records();
      expect(records.find((record) => record.route === '/ready')).toMatchObject({
        level: 'warn',
        res: { status: 503 },
      });
      const failed = records.filter((record) => record.level === 'error');
      expect(failed).toHaveLength(1); // on the request's line, not twice
      expect(failed[0]).toMatchObject({
        route: '/v1/orders/:id',
        orderId: 'ORD-0000000000AB',
        res: { status: 503 },
        err: { message: expect.stringMatching(/ECONNREFUSED/), stack: expect.any(String) },
      });
      expect(logs.text()).not.toContain('observability-admin');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    }
  });
});
