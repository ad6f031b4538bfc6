import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createSimulatedCarrier } from '../adapters/carrier/simulated';
import type { PaymentProvider } from '../adapters/payments/provider';
import { createSandboxPaymentProvider, type SandboxFaults } from '../adapters/payments/sandbox';
import type { Db } from '../db/connection';

export interface OmsWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** A client of the same namespace, for activities that message other workflows. */
  temporal: Client;
  sandboxFaults?: SandboxFaults;
  /** The payment provider; the built-in sandbox (with `sandboxFaults`) when not given. */
  payments?: PaymentProvider;
  /** A prebuilt workflow bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker interceptors (tests use one to hold an order at a chosen step). */
  interceptors?: WorkerOptions['interceptors'];
}

/** The SDK logs every bundle build at INFO; a person running the system wants warnings and errors. */
export function installWorkerLogging(level: LogLevel = 'WARN'): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed by an earlier worker in this process.
  }
}

/**
 * Slots, pollers and cache of the order worker. The bench's ceiling worker (`npm run bench`) uses the same, so
 * the two are compared on equal terms.
 */
export const WORKER_TUNING = {} satisfies Partial<WorkerOptions>;

/** The worker that runs order workflows and their activities, wired to the built-in adapters. */
export async function createOmsWorker(options: OmsWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...WORKER_TUNING,
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    interceptors: options.interceptors,
    activities: createActivities({
      db: options.db,
      payments: options.payments ?? createSandboxPaymentProvider(options.db, options.sandboxFaults),
      carrier: createSimulatedCarrier(),
      temporal: options.temporal,
    }),
  });
}
