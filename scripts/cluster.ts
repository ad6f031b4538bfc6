import cluster, { type Worker as ApiProcess } from 'node:cluster';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type OmsConfig } from '../config';
import { withDataDirSecrets } from '../config/secrets';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { setupTemporalSchemas, startTemporalServer, temporalDatabasesBeside } from '../temporal/server';
import { TEMPORAL_SERVER, TEMPORAL_UI_SERVER, temporalServerBinaries } from '../temporal/server-binaries';
import { startUiServer } from '../temporal/ui-server';
import { freePort } from '../tools/free-port';
import { ChildRole, entryModule, nodeArguments } from './system/processes';
import { prepareDatabase, printSummary, Startup } from './system/startup';

/**
 * `npm run cluster`: the production topology on one machine, without Docker (docker-compose.yml runs the same
 * pieces). PostgreSQL (embedded unless DATABASE_URL) holds the OMS and, in databases of their own, Temporal's
 * persistence and visibility; a Temporal server and the Temporal UI server built from the Go module proxy; the
 * codec server; OMS_CLUSTER_WORKERS workers and OMS_CLUSTER_APIS API processes sharing PORT, each a process of its
 * own that is started again when it exits. Same environment variables and summary as `npm start`; Ctrl-C stops
 * everything; the state is kept in OMS_DATA_DIR/cluster.
 */
const startup = new Startup();

startup.run(async () => {
  const config = withDataDirSecrets(parseConfig());
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
  const env: NodeJS.ProcessEnv = { ...process.env, OMS_DATA_DIR: config.dataDir, DATABASE_URL: databaseUrl };

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

  step(`starting ${config.cluster.workers} workers`);
  const workers: ChildRole[] = [];
  for (let index = 1; index <= config.cluster.workers; index++) {
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

  step(`starting ${config.cluster.apis} API processes on port ${config.port}`);
  const apis = await startApiProcesses(config, env, logDir, () => startup.stopping);
  startup.started('API processes', apis.stop);
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
    processes: `${config.cluster.workers} workers, ${config.cluster.apis} API processes; logs in ${logDir}`,
  });
});

/**
 * The API processes share one port through node:cluster (this process accepts and hands connections round-robin);
 * one that exits is replaced.
 */
async function startApiProcesses(
  config: OmsConfig,
  env: NodeJS.ProcessEnv,
  logDir: string,
  stopping: () => boolean,
): Promise<{ stop(): Promise<void> }> {
  const [execArgv, exec] = ((args) => [args.slice(0, -1), args[args.length - 1]])(
    nodeArguments(entryModule('api/main')),
  );
  cluster.setupPrimary({ exec, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], silent: true });
  const fork = (index: number): Promise<ApiProcess> =>
    new Promise((resolve, reject) => {
      const child = cluster.fork(env);
      const log = createWriteStream(path.join(logDir, `api-${index}.log`), { flags: 'a' });
      child.process.stdout?.pipe(log);
      child.process.stderr?.pipe(log);
      child.once('listening', () => resolve(child));
      child.once('exit', (code, signal) => {
        reject(
          new Error(
            `API process ${index} exited (${signal ?? code}) before it listened; see ${logDir}/api-${index}.log`,
          ),
        );
        if (stopping()) return;
        console.error(`[oms] API process ${index} exited (${signal ?? code}): starting it again`);
        setTimeout(() => void fork(index).catch((error: Error) => console.error(`[oms] ${error.message}`)), 1_000);
      });
    });
  await Promise.all(Array.from({ length: config.cluster.apis }, (_, index) => fork(index + 1)));
  return {
    async stop() {
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (child) =>
            child &&
            new Promise<void>((resolve) => {
              if (child.isDead()) return resolve();
              child.once('exit', () => resolve());
              child.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

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
