import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { connectClient } from '../temporal/connect';
import { parseConfig, type OmsConfig } from '../config';
import { withDataDirSecrets } from '../config/secrets';
import { createDb } from '../db/connection';
import { hasActiveApiKeys } from '../db/api-keys';
import { ORDER_TASK_QUEUE } from '../workflows/order/messages';
import { createApp } from './app';
import { runApiProcessGroup } from './process-group';
import { createOrderStarts } from '../services/order-starts';
import { createRestockStarts } from '../services/restock-starts';
import { logger } from '../observability/logger';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** Serves the REST API on `config.port` against the given PostgreSQL and Temporal. */
export async function runApi(
  config: OmsConfig,
  targets: { databaseUrl: string; temporalAddress: string },
): Promise<RunningApi> {
  // Placing an order runs its lookups in parallel: keep that many connections open for the first request after a lull.
  const db = createDb(targets.databaseUrl, { poolMax: config.dbPoolMax, poolMin: Math.min(3, config.dbPoolMax) });
  const { connection, client: temporal } = await connectClient(config, targets.temporalAddress);
  const orderStarts = createOrderStarts({ db, temporal, taskQueue: ORDER_TASK_QUEUE, logger });
  const restockStarts = createRestockStarts({ db, temporal, taskQueue: ORDER_TASK_QUEUE, logger });
  const app = createApp({ db, temporal, taskQueue: ORDER_TASK_QUEUE, config, orderStarts, restockStarts });
  // Starts orders whose workflow did not start when they were accepted (Temporal away, an API stopped in between),
  // and restock runs whose start failed after their stock movement committed (in the API or in a worker).
  const sweeper = orderStarts.runSweeper();
  const restockSweeper = restockStarts.runSweeper();
  if (config.apiKeys.length === 0 && !(await hasActiveApiKeys(db).catch(() => true))) {
    console.warn(
      '[oms] no API keys yet: every /v1 request gets 401. Create one with "npx oms keys create --role admin" (DATABASE_URL set) or set OMS_API_KEYS.',
    );
  }
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, () => resolve(listening));
    listening.once('error', reject);
  });
  return {
    url: `http://localhost:${config.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await sweeper.stop();
      await restockSweeper.stop();
      await connection.close();
      await db.destroy();
    },
  };
}

if (require.main === module) {
  const parsed = parseConfig();
  if (!parsed.databaseUrl) {
    console.error(
      'npm run api needs DATABASE_URL (and TEMPORAL_ADDRESS unless Temporal listens on 127.0.0.1:7233). To run everything locally, use npm start.',
    );
    process.exit(2);
  }
  const processes = parsed.apiProcesses ?? 1;
  const url = `http://localhost:${parsed.port}`;
  const started =
    processes > 1 && cluster.isPrimary
      ? runApiProcessGroup(processes).then(() => console.log(`API listening on ${url} (${processes} processes)`))
      : runApi(withDataDirSecrets(parsed), {
          databaseUrl: parsed.databaseUrl,
          temporalAddress: parsed.temporalAddress ?? `127.0.0.1:${parsed.temporalPort}`,
        }).then(() =>
          console.log(cluster.isWorker ? `API process ${process.pid} serving ${url}` : `API listening on ${url}`),
        );
  started.catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
