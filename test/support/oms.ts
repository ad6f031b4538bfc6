import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createSimulatedCarrier } from '../../adapters/carrier/simulated';
import { createSandboxPaymentProvider, type SandboxFaults } from '../../adapters/payments/sandbox';
import { createApp } from '../../api/app';
import { createOrderStarts, type OrderStarts } from '../../services/order-starts';
import { createRestockStarts } from '../../services/restock-starts';
import type { ApiKey, Role } from '../../config';
import { ROLES } from '../../config';
import { createDb, type Db } from '../../db/connection';
import type { NewOrder } from '../../db/orders';
import { migrateToLatest } from '../../db/migrate';
import { seedDemo } from '../../db/seed-demo';
import type { OrderSettings, OrderStatus } from '../../domain/order';
import { createOmsWorker, installWorkerLogging } from '../../worker/worker';
import { generateCodecKey, type CodecKey } from '../../temporal/codec';
import { connectClient, connectWorker, omsDataConverter, type TemporalSettings } from '../../temporal/connect';
import { logLevelFromEnv } from '../../config/logging';
import { createLogger, type Logger } from '../../observability/logger';
import { startOutbox } from '../../outbox';
import { ActivityGate } from './activity-gate';
import { sharedServers } from './servers';

export interface ApiResponse<T = any> {
  status: number;
  contentType: string;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** A role's key, a literal key, or null for no Authorization header. Defaults to admin. */
  as?: Role | null;
  key?: string;
  headers?: Record<string, string>;
  rawBody?: string;
}

export const TEST_SETTINGS: OrderSettings = {
  fulfillmentMode: 'auto',
  approvalTimeoutMs: 60_000,
  backorderTimeoutMs: 60_000,
  carrierDeliveryDelayMs: 500,
  returnWindowMs: 60_000,
};

/**
 * A whole OMS for one test file, on the shared real servers: its own database (migrated and seeded with the
 * demo data), its own task queue and worker, and the API on a free port.
 */
export async function startOms(
  options: {
    settings?: Partial<OrderSettings>;
    seed?: boolean;
    sandboxFaults?: SandboxFaults;
    codecKeys?: CodecKey[];
    logger?: Logger;
    /** OMS_WEBHOOK_RETRY_FOR (a minute by default). */
    webhookRetryForMs?: number;
    /** OMS_SMTP_URL: customer emails wait without one. */
    smtpUrl?: string;
    /** OMS_MAIL_TEMPLATES */
    mailTemplatesDir?: string;
  } = {},
) {
  // The API's and the worker's JSON logs: silent unless OMS_LOG_LEVEL asks, or a test captures them.
  const logger = options.logger ?? createLogger({ level: logLevelFromEnv('silent') });
  const servers = sharedServers();
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `oms_test_${suffix}`;
  const admin = createDb(servers.postgresUrl, { poolMax: 1 });
  await admin.raw(`CREATE DATABASE ${databaseName}`);
  await admin.destroy();
  const databaseUrl = servers.postgresUrl.replace(/\/[^/]+$/, `/${databaseName}`);
  const db: Db = createDb(databaseUrl, { poolMax: 20 });
  await migrateToLatest(db);
  if (options.seed !== false) await seedDemo(db);

  const settings: OrderSettings = { ...TEST_SETTINGS, ...options.settings };
  const taskQueue = `orders-test-${suffix}`;
  const gate = new ActivityGate();
  await installWorkerLogging('ERROR'); // retried activity failures are expected in these tests
  // Payloads are encrypted as in production, with a key of this test file's own (or the given ones).
  const temporalSettings: TemporalSettings = {
    temporalNamespace: 'default',
    codecKeys: options.codecKeys ?? [generateCodecKey()],
  };
  const dataConverter = omsDataConverter(temporalSettings);
  const { connection, client: temporal } = await connectClient(temporalSettings, servers.temporalAddress);
  const nativeConnection = await connectWorker(temporalSettings, servers.temporalAddress);
  const worker: Worker = await createOmsWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    db,
    temporal,
    dataConverter,
    sandboxFaults: options.sandboxFaults,
    workflowBundle: { codePath: servers.workflowBundlePath },
    interceptors: { activity: [gate.interceptor] },
    logger,
  });
  const workerRun = worker.run();

  const apiKeys: ApiKey[] = ROLES.map((role) => ({ key: `test-${role}-${suffix}`, role }));
  const carrierWebhookSecret = `test-webhook-secret-${suffix}`;
  const errors: unknown[] = [];
  const orderStarts = createOrderStarts({ db, temporal, taskQueue, logger });
  const sweeper = orderStarts.runSweeper(1_000);
  const restockStarts = createRestockStarts({ db, temporal, taskQueue, logger });
  const restockSweeper = restockStarts.runSweeper(1_000);
  const app = createApp({
    db,
    temporal,
    taskQueue,
    orderStarts,
    restockStarts,
    config: {
      apiKeys,
      orderSettings: settings,
      temporalUiUrl: servers.temporalUiUrl,
      temporalNamespace: 'default',
      carrierWebhookSecret,
    },
    log: (error) => errors.push(error),
    logger,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const outbox = startOutbox({
    db,
    settings: {
      webhookRetryForMs: options.webhookRetryForMs ?? 60_000,
      smtpUrl: options.smtpUrl,
      mailFrom: 'OMS test <orders@oms.test>',
      mailTemplatesDir: options.mailTemplatesDir,
      publicUrl: baseUrl,
    },
    logger,
    pollMs: 100,
  });
  const keyOf = (role: Role) => apiKeys.find((entry) => entry.role === role)!.key;

  async function request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key ?? (options.as === null ? undefined : keyOf(options.as ?? 'admin'));
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    return {
      status: response.status,
      contentType,
      headers: response.headers,
      body: (contentType.includes('json') && text ? JSON.parse(text) : text) as T,
    };
  }

  /** Polls the order until its status is one of `statuses` (fails with the last detail after the timeout). */
  async function waitForStatus(orderId: string, statuses: OrderStatus | OrderStatus[], timeoutMs = 20_000) {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      last = (await request('GET', `/v1/orders/${orderId}`)).body;
      if (wanted.includes(last.status)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `order ${orderId} is ${last?.status}, expected ${wanted.join(' or ')} within ${timeoutMs}ms; timeline: ${JSON.stringify(last?.timeline?.map((event: { message: string }) => event.message))}`,
    );
  }

  return {
    baseUrl,
    /** This test file's database, for tools that connect themselves (the CLI's seed and keys). */
    databaseUrl,
    db,
    temporal,
    temporalSettings,
    dataConverter,
    taskQueue,
    gate,
    /** The worker's activities on this OMS's database, to call one directly (as a retry, or a task that was lost). */
    activities: createActivities({
      db,
      payments: createSandboxPaymentProvider(db),
      carrier: createSimulatedCarrier(),
      temporal,
      restockStarts,
    }),
    settings,
    carrierWebhookSecret,
    errors,
    orderStarts,
    restockStarts,
    keyOf,
    request,
    waitForStatus,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await sweeper.stop();
      await restockSweeper.stop();
      await outbox.stop();
      worker.shutdown();
      await workerRun;
      await nativeConnection.close();
      await connection.close();
      await db.destroy();
    },
  };
}

export type TestOms = Awaited<ReturnType<typeof startOms>>;

/** A valid order body for the demo data, with overrides. */
export function orderBody(overrides: Record<string, unknown> = {}) {
  return {
    customerId: 'CUST-ACME',
    lines: [{ sku: 'MUG-BLK', quantity: 2 }],
    payment: { method: 'card', token: 'tok_ok' },
    ...overrides,
  };
}

/**
 * An order as the records have it, for tests that write them without a workflow (`insertOrder`): one of MUG-BLK for
 * Acme, to Brooklyn, with overrides.
 */
export function newOrderRecord(id: string, overrides: Partial<NewOrder> = {}): NewOrder {
  return {
    id,
    trackingNumber: `TRK-${id}`,
    customerId: 'CUST-ACME',
    priority: 3,
    source: 'api',
    currency: 'USD',
    shippingAddress: { name: 'A', line1: '1 Way', city: 'Brooklyn', region: 'NY', postalCode: '11201', country: 'US' },
    paymentMethod: 'card',
    backorderPolicy: 'ship_available',
    expedite: false,
    lines: [{ sku: 'MUG-BLK', quantity: 1 }],
    ...overrides,
  };
}

/**
 * A second API on a test OMS's database whose orders start through `orderStarts` (on a Temporal that does not answer,
 * on a task queue no worker polls), with one sales key. Its requests may use a database pool of their own (`db`).
 */
export async function startSecondApi(
  oms: TestOms,
  options: { temporal: Client; orderStarts: OrderStarts; salesKey: string; db?: Db },
) {
  const logger = createLogger({ level: 'silent' });
  const app = createApp({
    db: options.db ?? oms.db,
    temporal: options.temporal,
    orderStarts: options.orderStarts,
    taskQueue: oms.taskQueue,
    config: {
      apiKeys: [{ key: options.salesKey, role: 'sales' }],
      orderSettings: oms.settings,
      temporalUiUrl: '',
      temporalNamespace: 'default',
      carrierWebhookSecret: 'unused',
    },
    logger,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
