import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { resolveTemporalCli } from '../../temporal/cli';
import { startDevServer } from '../../temporal/dev-server';
import { writeWorkflowBundle } from '../../worker/bundle';
import { freePort } from '../../tools/free-port';
import { setSharedServers } from './servers';

/**
 * Starts the real servers every integration test shares: one PostgreSQL (each test file makes its own
 * database in it) and one Temporal dev server (each test file polls its own task queue). The workflow
 * bundle is built once here too.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'oms-test-'));
  chmodSync(workDir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const cli = await resolveTemporalCli({ onProgress: (message) => console.log(message) });
  if (!cli)
    throw new Error(
      'integration tests need the Temporal CLI: set TEMPORAL_CLI, or install Go so the pinned version can be built',
    );

  const [pgPort, temporalPort, uiPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  const bundling = writeWorkflowBundle(bundlePath);
  // Awaited once the servers are up; until then a failed build must not count as an unhandled rejection, which would
  // end the setup before it stops the servers it started.
  bundling.catch(() => undefined);
  // PostgreSQL first: the dev server takes free ports of its own as it starts, and could take PostgreSQL's.
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(workDir, 'postgres'),
    port: pgPort,
    database: 'postgres',
    persistent: false,
  });
  // Jest runs no teardown after a failed setup: leave no server behind.
  const temporal = await startDevServer({
    cliPath: cli.path,
    port: temporalPort,
    uiPort,
    logFile: path.join(workDir, 'temporal.log'),
  }).catch(async (error: unknown) => {
    await postgres.stop();
    throw error;
  });
  await bundling.catch(async (error: unknown) => {
    await Promise.all([temporal.stop(), postgres.stop()]);
    throw error;
  });

  setSharedServers({
    postgresUrl: postgres.url,
    temporalAddress: temporal.address,
    temporalUiUrl: temporal.uiUrl,
    workflowBundlePath: bundlePath,
    cliPath: cli.path,
    workDir,
  });
  (globalThis as Record<string, unknown>).__OMS_TEST_SERVERS__ = { postgres, temporal };
  console.log(
    `\nTest servers ready in ${((Date.now() - started) / 1000).toFixed(1)}s: PostgreSQL :${pgPort}, Temporal ${temporal.address} (logs in ${workDir})`,
  );
}
