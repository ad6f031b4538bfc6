import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { writingCarriedTimelineFirst } from '../../activities/carried-timeline';
import type { QuantityLine, WarehouseCandidate } from '../../domain/allocation';
import type { BackorderPolicy, OrderSettings, OrderStatus, PaymentMethod } from '../../domain/order';
import { omsDataConverter } from '../../temporal/connect';
import { installWorkerLogging } from '../../worker/worker';
import { orderStateQuery, type OrderState, type OrderWorkflowInput } from '../../workflows/order/messages';
import type { orderWorkflow } from '../../workflows/order/order.workflow';
import { HISTORIES_DIR, RECORDING_CODEC_KEYS, historyToText } from '../replay/histories';
import { ActivityGate } from '../support/activity-gate';
import { sharedServers } from '../support/servers';
import {
  FakeBackend,
  createFakeActivities,
  type FakeOrder,
  type FakeOrderOptions,
  type FakeProduct,
} from './fake-activities';

/**
 * Workflow tests: the real workflow bundle on the shared Temporal dev server, with every activity replaced by the
 * in-memory fakes of `fake-activities.ts` (no PostgreSQL). One harness per test file, on a task queue of its own;
 * payloads are encrypted with the replay fixtures' key, so a finished scenario's history can be recorded as is
 * (`OMS_RECORD_HISTORIES=1`) and replayed by `test/replay/replay.test.ts`.
 */

/**
 * Delivery and the return window are short, so a scenario ends in seconds; approval and backorder waits are long, so
 * an order waits for the test to act, unless a test shortens them to see them expire. The dev server fires a timer up
 * to about a second late: each timer a scenario waits on costs up to a second.
 */
export const FAST_SETTINGS: OrderSettings = {
  fulfillmentMode: 'auto',
  approvalTimeoutMs: 60_000,
  backorderTimeoutMs: 60_000,
  carrierDeliveryDelayMs: 50,
  returnWindowMs: 100,
};

/** Two warehouses; the order's address is in EAST's region, so EAST ships first when both can. */
export const EAST = 'EAST';
export const WEST = 'WEST';
export const WAREHOUSES: WarehouseCandidate[] = [
  { code: EAST, region: 'NY', priority: 1 },
  { code: WEST, region: 'CA', priority: 1 },
];

/** The catalog: unit prices in cents, taxed at 10%; a lamp above 3 per order needs an approver. */
export const MUG: FakeProduct = { sku: 'MUG', unitPrice: 1_250 };
export const TEE: FakeProduct = { sku: 'TEE', unitPrice: 2_000 };
export const LAMP: FakeProduct = { sku: 'LAMP', unitPrice: 4_500, maxOrderQuantity: 3 };
export const CATALOG = [MUG, TEE, LAMP];

/** Histories are recorded as `<scenario>.<version>.json`, the version being the recording date by default. */
const HISTORY_VERSION = process.env.OMS_HISTORY_VERSION ?? new Date().toISOString().slice(0, 10);
const RECORDING = process.env.OMS_RECORD_HISTORIES === '1';

export interface OrderOptions extends Omit<FakeOrderOptions, 'orderId' | 'lines'> {
  lines: QuantityLine[];
  settings?: Partial<OrderSettings>;
  backorderPolicy?: BackorderPolicy;
  paymentMethod?: PaymentMethod;
}

export interface StockOptions {
  stock?: { warehouse: string; sku: string; onHand: number }[];
}

/** An order's workflow under test, with the fake records of what its activities did. */
export class TestOrder {
  constructor(
    readonly handle: WorkflowHandle<typeof orderWorkflow>,
    readonly records: FakeOrder,
    readonly backend: FakeBackend,
  ) {}

  get id(): string {
    return this.handle.workflowId;
  }

  state(): Promise<OrderState> {
    return this.handle.query(orderStateQuery);
  }

  /** What the order says it is doing or waiting for (the Temporal UI's current details). */
  async currentDetails(): Promise<string> {
    const metadata = await this.handle.query<temporal.api.sdk.v1.IWorkflowMetadata>('__temporal_workflow_metadata');
    return metadata.currentDetails ?? '';
  }

  /** Polls the order's query until `reached` holds; fails naming `what` and the last state after `timeoutMs`. */
  async waitFor(what: string, reached: (state: OrderState) => boolean, timeoutMs = 10_000): Promise<OrderState> {
    return this.poll(what, () => this.state(), reached, timeoutMs);
  }

  async waitForCurrentDetails(details: string, timeoutMs = 10_000): Promise<void> {
    await this.poll(
      `current details "${details}"`,
      () => this.currentDetails(),
      (current) => current === details,
      timeoutMs,
    );
  }

  private async poll<Value>(
    what: string,
    read: () => Promise<Value>,
    reached: (value: Value) => boolean,
    timeoutMs: number,
  ): Promise<Value> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (reached(value)) return value;
      if (Date.now() > deadline) {
        const state = await this.state();
        throw new Error(
          `order ${this.id} did not reach ${what} in ${timeoutMs}ms: it is ${state.status} waiting for ${state.waitingFor}; steps ${this.records.steps().join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  waitForStatus(status: OrderStatus, waitingFor?: OrderState['waitingFor']): Promise<OrderState> {
    return this.waitFor(
      `${status}${waitingFor ? ` waiting for ${waitingFor}` : ''}`,
      (state) => state.status === status && (waitingFor === undefined || state.waitingFor === waitingFor),
    );
  }

  /** The workflow's result; fails after `timeoutMs` naming where the order stands, rather than at jest's timeout. */
  async result(timeoutMs = 20_000): Promise<OrderState> {
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(async () => {
        const state = await this.state().catch(() => undefined);
        reject(
          new Error(
            `order ${this.id} did not end in ${timeoutMs}ms: it is ${state?.status} waiting for ${state?.waitingFor}; steps ${this.records.steps().join(', ')}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.handle.result(), stuck]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface WorkflowHarness {
  readonly env: TestWorkflowEnvironment;
  readonly taskQueue: string;
  /** Holds an activity at its start until released (to act on an order while it sits at a known step). */
  readonly gate: ActivityGate;
  /** A fresh world for one test: catalog, warehouses and the stock given. */
  backend(options?: StockOptions): FakeBackend;
  /** Registers the order with `backend` and starts its workflow. */
  startOrder(backend: FakeBackend, options: OrderOptions): Promise<TestOrder>;
  /** With OMS_RECORD_HISTORIES=1, writes the finished workflow's history for the replay test. */
  record(scenario: string, workflowId: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a worker with the fake activities on a task queue of the calling test file's own. */
export async function startWorkflowHarness(name: string): Promise<WorkflowHarness> {
  await installWorkerLogging('ERROR');
  const servers = sharedServers();
  const dataConverter = omsDataConverter({ codecKeys: RECORDING_CODEC_KEYS });
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: servers.temporalAddress,
    namespace: 'default',
    client: { dataConverter },
  });
  const suffix = randomBytes(3).toString('hex');
  const taskQueue = `workflow-test-${name}-${suffix}`;
  const backends: FakeBackend[] = [];
  const gate = new ActivityGate();
  const activities = createFakeActivities(() => backends);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    dataConverter,
    workflowBundle: { codePath: servers.workflowBundlePath },
    activities,
    interceptors: { activity: [writingCarriedTimelineFirst(activities.recordOrderTimeline), gate.interceptor] },
  });
  const running = worker.run();
  let orders = 0;

  return {
    env,
    taskQueue,
    gate,
    backend(options = {}) {
      const backend = new FakeBackend(
        { products: CATALOG, warehouses: WAREHOUSES, stock: options.stock },
        () => env.client,
      );
      backends.push(backend);
      return backend;
    },
    async startOrder(backend, options) {
      orders += 1;
      const orderId = `WFT-${name}-${suffix}-${orders}`;
      const { settings, backorderPolicy, paymentMethod, ...fakeOptions } = options;
      const records = backend.addOrder({ orderId, ...fakeOptions });
      const input: OrderWorkflowInput = {
        orderId,
        customerId: 'CUST-WORKFLOW-TEST',
        priority: 2,
        shippingAddress: {
          name: 'Ada Lovelace',
          line1: '1 Main Street',
          city: 'New York',
          region: 'NY',
          postalCode: '10001',
          country: 'US',
        },
        payment: paymentMethod === 'invoice' ? { method: 'invoice' } : { method: 'card', token: 'tok_test' },
        backorderPolicy: backorderPolicy ?? 'ship_available',
        settings: { ...FAST_SETTINGS, ...settings },
      };
      const handle = await env.client.workflow.start<typeof orderWorkflow>('orderWorkflow', {
        taskQueue,
        workflowId: orderId,
        args: [input],
      });
      return new TestOrder(handle, records, backend);
    },
    async record(scenario, workflowId) {
      const handle = env.client.workflow.getHandle(workflowId);
      await handle.result();
      if (!RECORDING) return;
      const history = await handle.fetchHistory();
      mkdirSync(HISTORIES_DIR, { recursive: true });
      writeFileSync(
        path.join(HISTORIES_DIR, `${scenario}.${HISTORY_VERSION}.json`),
        historyToText(workflowId, history),
      );
    },
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** The failure an Update was refused with (its validator's, or its handler's): type and message. */
export async function refusal(update: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  try {
    await update;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure)
      return { type: error.cause.type ?? undefined, message: error.cause.message };
    throw error;
  }
  throw new Error('the Update was accepted, but a refusal was expected');
}

/** One line of the order's state, by SKU. */
export function lineOf(state: OrderState, sku: string): OrderState['lines'][number] {
  const line = state.lines.find((candidate) => candidate.sku === sku);
  if (!line) throw new Error(`order ${state.orderId} has no line ${sku}`);
  return line;
}

type History = temporal.api.history.v1.IHistory;

/** The local activities an order's history recorded, in order (their markers name them). */
export function localActivitiesOf(history: History): string[] {
  return (history.events ?? []).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { activity_type: string }).activity_type] : [];
  });
}

/** The activities an order's history scheduled, in order. */
export function activitiesOf(history: History): string[] {
  return (history.events ?? []).flatMap(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
  );
}

/** The durations of the timers an order's history started, in milliseconds. */
export function timersOf(history: History): number[] {
  return (history.events ?? []).flatMap((event) => {
    const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
    return timeout ? [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)] : [];
  });
}
