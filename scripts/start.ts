import path from 'node:path';
import { parseConfig } from '../config';
import { withDataDirSecrets } from '../config/secrets';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { runApi } from '../api/main';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../temporal/cli';
import { startDevServer } from '../temporal/dev-server';
import { startCodecServer } from '../temporal/codec-server';
import { runWorker } from '../worker/main';
import { ensureMailServer, prepareDatabase, printSummary, Startup } from './system/startup';

/**
 * `npm start`: everything on one machine (SPEC section 2). Embedded PostgreSQL unless DATABASE_URL, a
 * Temporal dev server with its Web UI unless TEMPORAL_ADDRESS, migrations and a demo seed, the worker and
 * the API. Ctrl-C stops them all, newest first.
 */
const startup = new Startup();

startup.run(async () => {
  const config = await ensureMailServer(startup, withDataDirSecrets(parseConfig()));
  const step = (message: string) => startup.step(message);

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    step(`starting embedded PostgreSQL on port ${config.pgPort}`);
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.pgPort,
      database: 'oms',
    });
    startup.started('PostgreSQL', postgres.stop);
    databaseUrl = postgres.url;
  }

  // Before the dev server, whose Web UI is pointed at it.
  const codecServer = await startCodecServer(config);
  startup.started('codec server', codecServer.close);

  let temporalAddress = config.temporalAddress;
  let temporalUi = config.temporalUiUrl;
  if (!temporalAddress) {
    const cli = await resolveTemporalCli({ onProgress: step });
    if (!cli) {
      throw new Error(
        `No Temporal CLI found. Set TEMPORAL_CLI to its path, put "temporal" on PATH, install Go so the pinned ${TEMPORAL_CLI_VERSION} can be built, or set TEMPORAL_ADDRESS to an existing server.`,
      );
    }
    step(
      `starting Temporal dev server (${cli.source}: ${cli.path}) on port ${config.temporalPort}, UI on ${config.temporalUiPort}`,
    );
    const server = await startDevServer({
      cliPath: cli.path,
      port: config.temporalPort,
      uiPort: config.temporalUiPort,
      namespace: config.temporalNamespace,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      logFile: path.join(config.dataDir, 'temporal.log'),
      pidFile: path.join(config.dataDir, 'temporal.pid'),
      codecEndpoint: codecServer.url,
      niceness: config.backgroundNiceness,
    });
    startup.started('Temporal dev server', server.stop);
    temporalAddress = server.address;
    temporalUi = server.uiUrl;
  }

  const newKeys = await prepareDatabase(config, databaseUrl, step);
  const worker = await runWorker(config, { databaseUrl, temporalAddress });
  startup.started('worker', worker.shutdown);
  worker.done.catch((error) => {
    console.error('[oms] the worker stopped with an error:', error);
    void startup.shutdown('worker failure', 1);
  });
  const api = await runApi(config, { databaseUrl, temporalAddress });
  startup.started('API', api.close);
  step('ready');
  printSummary({
    config,
    title: 'OMS is running',
    apiUrl: api.url,
    temporalUi,
    temporalAddress,
    codecUrl: codecServer.url,
    databaseUrl,
    newKeys,
  });
});
