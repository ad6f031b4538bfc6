import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../config';
import { withDataDirSecrets } from '../config/secrets';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { setupTemporalSchemas, startTemporalServer, temporalDatabasesBeside } from '../temporal/server';
import { TEMPORAL_SERVER, TEMPORAL_UI_SERVER, temporalServerBinaries } from '../temporal/server-binaries';
import { startUiServer } from '../temporal/ui-server';
import { freePort } from '../tools/free-port';
import { ChildRole } from './system/processes';
import { ensureMailServer, prepareDatabase, printSummary, Startup } from './system/startup';

/**
 * `npm run cluster`: the production topology on one machine, without Docker (docker-compose.yml runs the same
 * pieces). PostgreSQL (embedded unless DATABASE_URL) holds the OMS and, in databases of their own, Temporal's
 * persistence and visibility; a Temporal server and the Temporal UI server built from the Go module proxy; the
 * codec server; OMS_CLUSTER_WORKERS workers and OMS_API_PROCESSES API processes sharing PORT (api/process-group.ts),
 * each a process of its own, started again when it exits. Same environment variables and summary as `npm start`;
 * Ctrl-C stops everything; the state is kept in OMS_DATA_DIR/cluster.
 */
const startup = new Startup();

startup.run(async () => {
  const config = await ensureMailServer(startup, withDataDirSecrets(parseConfig()));
  const step = (message: string) => startup.step(message);
  const clusterDir = path.join(config.dataDir, 'cluster');
  const logDir = path.join(clusterDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const restartAfterExit = (role: ChildRole) => {
    if (startup.stopping) return;
    console.error(`[oms] ${role.name} exited (${role.lastCrash ?? 'no reason'}): starting it again`);
    setTimeout(
      () => void role.start().catch((error: Error) => console.error(`[oms] ${role.name}: ${error.message}`)),
      1_000,
    );
  };

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    step(`starting embedded PostgreSQL on port ${config.pgPort}`);
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(clusterDir, 'postgres'),
      port: config.pgPort,
      database: 'oms',
    });
    startup.started('PostgreSQL', postgres.stop);
    databaseUrl = postgres.url;
  }
  // The processes read the same environment, with the addresses this run settled on.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMS_DATA_DIR: config.dataDir,
    DATABASE_URL: databaseUrl,
    OMS_SMTP_URL: config.outbound.smtpUrl,
  };

  const codecUrl = `http://${config.codecServer.host}:${config.codecServer.port}`;
  const codec = new ChildRole(
    'codec server',
    'temporal/codec-server',
    env,
    path.join(logDir, 'codec-server.log'),
    /codec server for namespace/,
    restartAfterExit,
  );
  await codec.start();
  startup.started('codec server', () => codec.stop());

  let temporalAddress = config.temporalAddress;
  let temporalUi = config.temporalUiUrl;
  if (!temporalAddress) {
    const binaries = await temporalServerBinaries(step);
    const databases = temporalDatabasesBeside(databaseUrl);
    step(`setting up Temporal's schemas in ${databases.persistence} and ${databases.visibility} (temporal-sql-tool)`);
    await setupTemporalSchemas(binaries.sqlTool, databases);
    step(
      `starting the Temporal server ${TEMPORAL_SERVER.version} on port ${config.temporalPort} (persistence and visibility on PostgreSQL)`,
    );
    const temporal = await startTemporalServer({
      binary: binaries.server,
      dir: path.join(clusterDir, 'temporal'),
      port: config.temporalPort,
      databases,
      namespace: config.temporalNamespace,
    });
    startup.started('Temporal server', temporal.stop);
    temporalAddress = temporal.address;
    step(`starting the Temporal UI server ${TEMPORAL_UI_SERVER.version} on port ${config.temporalUiPort}`);
    const ui = await startUiServer({
      binary: binaries.ui,
      dir: path.join(clusterDir, 'temporal-ui'),
      port: config.temporalUiPort,
      temporalAddress,
      namespace: config.temporalNamespace,
      codecEndpoint: codecUrl,
    });
    startup.started('Temporal UI server', ui.stop);
    temporalUi = ui.address;
  }
  env.TEMPORAL_ADDRESS = temporalAddress;

  const newKeys = await prepareDatabase(config, databaseUrl, step);

  step(`starting ${config.clusterWorkers} workers`);
  const workers: ChildRole[] = [];
  for (let index = 1; index <= config.clusterWorkers; index++) {
    const worker = new ChildRole(
      `worker ${index}`,
      'worker/main',
      { ...env, OMS_WORKER_METRICS_PORT: String(await freePort()) },
      path.join(logDir, `worker-${index}.log`),
      /worker polling task queue/,
      restartAfterExit,
    );
    workers.push(worker);
    startup.started(worker.name, () => worker.stop());
  }
  await Promise.all(workers.map((worker) => worker.start()));

  const apiProcesses = config.apiProcesses ?? 2;
  step(`starting ${apiProcesses} API processes on port ${config.port}`);
  const api = new ChildRole(
    'API',
    'api/main',
    { ...env, OMS_API_PROCESSES: String(apiProcesses) },
    path.join(logDir, 'api.log'),
    /API listening on/,
    restartAfterExit,
  );
  await api.start();
  startup.started('API', () => api.stop());
  const apiUrl = `http://localhost:${config.port}`;
  await untilReady(apiUrl);
  step('ready');
  printSummary({
    config,
    title: 'OMS cluster is running',
    apiUrl,
    temporalUi,
    temporalAddress,
    codecUrl,
    databaseUrl,
    newKeys,
    processes: `${config.clusterWorkers} workers, ${apiProcesses} API processes; logs in ${logDir}`,
  });
});

async function untilReady(apiUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${apiUrl}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`${apiUrl}/ready did not answer 200 within 60 s; see the API logs`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
