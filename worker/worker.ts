import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { writingCarriedTimelineFirst } from '../activities/carried-timeline';
import { createSimulatedCarrier } from '../adapters/carrier/simulated';
import type { PaymentProvider } from '../adapters/payments/provider';
import { createSandboxPaymentProvider, type SandboxFaults } from '../adapters/payments/sandbox';
import type { Db } from '../db/connection';
import { activityObservability } from '../observability/activity-interceptor';
import { logger as processLogger, type Logger } from '../observability/logger';
import { installTemporalRuntime } from '../observability/temporal-runtime';
import { createRestockStarts } from '../services/restock-starts';

export interface OmsWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** A client of the same namespace, for activities that message other workflows. */
  temporal: Client;
  /** The OMS data converter (`omsDataConverter` in temporal/connect.ts): payloads are encrypted. */
  dataConverter: WorkerOptions['dataConverter'];
  sandboxFaults?: SandboxFaults;
  /** The payment provider; the built-in sandbox (with `sandboxFaults`) when not given. */
  payments?: PaymentProvider;
  /** A prebuilt workflow bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker interceptors (tests use one to hold an order at a chosen step). */
  interceptors?: WorkerOptions['interceptors'];
  /** Where activity logs go (tests capture them); the process's JSON logger by default. */
  logger?: Logger;
}

/**
 * The SDK logs every bundle build at INFO; a person running the system wants warnings and errors. They go to
 * the JSON log, and the SDK's worker metrics to the Prometheus exporter `/metrics` reads. Await it before the
 * first connection: the Runtime is installed once per process, and a connection made first installs the default.
 */
export async function installWorkerLogging(level: LogLevel = 'WARN'): Promise<void> {
  await installTemporalRuntime(level);
}

/**
 * Slots, pollers and cache of the order worker. The bench's ceiling worker (`npm run bench`) uses the same, so
 * the two are compared on equal terms.
 */
export const WORKER_TUNING = {} satisfies Partial<WorkerOptions>;

/** The worker that runs order workflows and their activities, wired to the built-in adapters. */
export async function createOmsWorker(options: OmsWorkerOptions): Promise<Worker> {
  const logger = (options.logger ?? processLogger).child({ component: 'worker' });
  const activities = createActivities({
    db: options.db,
    payments: options.payments ?? createSandboxPaymentProvider(options.db, options.sandboxFaults),
    carrier: createSimulatedCarrier(),
    temporal: options.temporal,
    // Restock runs start on this worker's task queue; one whose start fails is left to the API's sweeper.
    restockStarts: createRestockStarts({
      db: options.db,
      temporal: options.temporal,
      taskQueue: options.taskQueue,
      logger,
    }),
  });
  return Worker.create({
    ...WORKER_TUNING,
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    // The carried timeline outermost (written as a step starts); observability innermost: a test's gate holding an
    // activity does not count as the step's duration.
    interceptors: {
      ...options.interceptors,
      activity: [
        writingCarriedTimelineFirst(activities.recordOrderTimeline),
        ...(options.interceptors?.activity ?? []),
        activityObservability(logger),
      ],
    },
    activities,
  });
}
