import type { Worker } from '@temporalio/worker';
import { parseConfig, type OmsConfig } from '../config';
import { loggerSettings } from '../config/logging';
import { withDataDirSecrets } from '../config/secrets';
import { createDb, type Db } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { connectClient, connectWorker, omsDataConverter } from '../temporal/connect';
import { ORDER_TASK_QUEUE } from '../workflows/order/messages';
import { createStripePaymentProvider } from '../adapters/payments/stripe';
import { lowerCpuPriority } from './cpu-priority';
import { createOmsWorker, installWorkerLogging } from './worker';
import { WORKFLOW_THREAD_PRELOAD, workflowThreadsPreloaded } from './workflow-threads';
import { serveProcessMetrics } from '../observability/metrics-server';
import { logger } from '../observability/logger';
import { startOutbox } from '../outbox';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped (after `shutdown()` or a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** Connects, makes sure the schema and search attributes exist, and starts polling the order task queue. */
export async function runWorker(
  config: OmsConfig,
  targets: { databaseUrl: string; temporalAddress: string },
): Promise<RunningWorker> {
  await installWorkerLogging(loggerSettings().temporalSdkLevel);
  if (!config.workflowStackTraces && !workflowThreadsPreloaded()) {
    logger.warn(
      `workflow stack traces stay on (about 20 CPU ms per order): start this process with node --require ${WORKFLOW_THREAD_PRELOAD}, as npm run worker does`,
    );
  }
  const db: Db = createDb(targets.databaseUrl, { poolMax: config.dbPoolMax });
  await migrateToLatest(db);
  const { connection: clientConnection, client: temporal } = await connectClient(config, targets.temporalAddress);
  await ensureSearchAttributes(clientConnection, config.temporalNamespace);
  const connection = await connectWorker(config, targets.temporalAddress);
  const worker = await createOmsWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: ORDER_TASK_QUEUE,
    db,
    temporal,
    dataConverter: omsDataConverter(config),
    sandboxFaults: config.sandboxFaults,
    payments:
      config.paymentProvider.kind === 'stripe' ? createStripePaymentProvider(config.paymentProvider) : undefined,
    // OMS_WORKFLOW_BUNDLE: a prebuilt workflow bundle (bundleWorkflowCode), so a restart skips the bundling (chaos runs restart often).
    workflowBundle: config.workflowBundlePath ? { codePath: config.workflowBundlePath } : undefined,
  });
  const outbox = startOutbox({ db, settings: config.outbound, logger });
  const done = worker.run().finally(async () => {
    await outbox.stop();
    await connection.close();
    await clientConnection.close();
    await db.destroy();
  });
  return {
    worker,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

if (require.main === module) {
  const parsed = parseConfig();
  if (!parsed.databaseUrl) {
    console.error(
      'npm run worker needs DATABASE_URL (and TEMPORAL_ADDRESS unless Temporal listens on 127.0.0.1:7233). To run everything locally, use npm start.',
    );
    process.exit(2);
  }
  const config = withDataDirSecrets(parsed);
  lowerCpuPriority(config.backgroundNiceness);
  runWorker(config, {
    databaseUrl: parsed.databaseUrl,
    temporalAddress: config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`,
  })
    .then(async (running) => {
      const metrics = await serveProcessMetrics(config.workerMetricsPort);
      console.log(
        `worker polling task queue "${ORDER_TASK_QUEUE}" in namespace "${config.temporalNamespace}"; metrics at ${metrics.url}`,
      );
      return running.done.finally(() => metrics.close());
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
