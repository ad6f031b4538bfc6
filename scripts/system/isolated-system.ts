import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ROLES, type Role } from '../../config';
import { createDb, type Db } from '../../db/connection';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../db/embedded-postgres';
import { migrateToLatest } from '../../db/migrate';
import { seedDemo } from '../../db/seed-demo';
import { resolveTemporalCli } from '../../temporal/cli';
import { startDevServer } from '../../temporal/dev-server';
import { setupTemporalSchemas, startTemporalServer, temporalDatabasesBeside } from '../../temporal/server';
import { temporalServerBinaries } from '../../temporal/server-binaries';
import { freePort, freeTemporalServerPort } from '../../tools/free-port';
import { writeWorkflowBundle } from '../../worker/bundle';
import { ChildRole } from './processes';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a run started, stopped in order however the run ends: `first` ones before the others, `last` ones after. */
export class Cleanups {
  private readonly steps: (() => Promise<void>)[] = [];

  first(step: () => Promise<void>): void {
    this.steps.unshift(step);
  }

  last(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps) await step().catch((error: Error) => console.error(`cleanup: ${error.message}`));
    this.steps.length = 0;
  }
}

export interface IsolatedSystemOptions {
  /** Names the run's temporary directory, its API keys and its webhook secret (`chaos`, `adversary`). */
  name: string;
  /** Where to keep the data and logs; default a new temporary directory. */
  dataDir?: string;
  /** A Temporal server to use instead of starting a dev server. */
  temporalAddress?: string;
  /**
   * With `temporalAddress`: register a namespace of the run's own there, so no other run's worker polls its task
   * queue (the task queue name is fixed: two runs on one namespace would take each other's workflow tasks).
   */
  ownNamespace?: boolean;
  /** A prebuilt workflow bundle (bundleWorkflowCode) instead of building one. */
  workflowBundle?: string;
  /**
   * `dev` (default): a Temporal dev server and one worker. `cluster`: as `npm run cluster` runs it, the production
   * Temporal server on the run's PostgreSQL (SQL persistence and visibility), which the run may restart, and two
   * workers.
   */
  topology?: 'dev' | 'cluster';
  /** OMS settings of the API and the worker: OMS_FULFILLMENT_MODE, the timeouts, OMS_SANDBOX_FAULTS, ... */
  settings: Record<string, string>;
  log: (message: string) => void;
  cleanups: Cleanups;
}

/**
 * A whole OMS of one run's own: embedded PostgreSQL, a Temporal dev server (or a namespace on a given server), and
 * the API and the worker as child processes that the run may `kill -9` and restart. The demo catalog is seeded.
 */
export interface IsolatedSystem {
  runId: string;
  dataDir: string;
  /** One API key per role (OMS_API_KEYS). */
  keys: Record<Role, string>;
  apiUrl: string;
  carrierWebhookSecret: string;
  db: Db;
  temporal: Client;
  temporalAddress: string;
  namespace: string;
  /** The first of `workers`. */
  worker: ChildRole;
  /** One worker (dev topology) or two (cluster), polling the same task queue. */
  workers: ChildRole[];
  api: ChildRole;
  /** Exits nobody asked for, with when they happened (each crashed role is restarted). */
  crashLines: string[];
  /** Set by SIGINT/SIGTERM: the run should stop and report. */
  readonly interrupted: boolean;
  /** Starts the role, trying again while it cannot (e.g. PostgreSQL is down at that moment). */
  ensureRunning(role: ChildRole): Promise<void>;
  /** Stops PostgreSQL, waits `downMs`, starts it again on the same data directory and port. */
  restartPostgres(downMs: number): Promise<void>;
  /** Cluster topology: stops the Temporal server, waits `downMs`, starts it again on the same databases and port. */
  restartTemporal?: (downMs: number) => Promise<void>;
}

export async function startIsolatedSystem(options: IsolatedSystemOptions): Promise<IsolatedSystem> {
  const { log, cleanups } = options;
  const dataDir = options.dataDir
    ? path.resolve(options.dataDir)
    : mkdtempSync(path.join(os.tmpdir(), `oms-${options.name}-`));
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user when this runs as root
  const runId = randomBytes(4).toString('hex');

  const children: ChildRole[] = [];
  process.on('exit', () => children.forEach((child) => child.killNow()));
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: stopping');
  };

  // Every port its own, the worker's metrics too: two runs (chaos and adversary in CI) may run side by side.
  const cluster = options.topology === 'cluster';
  const [pgPort, temporalPort, uiPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const pgOptions = { dataDir: path.join(dataDir, 'postgres'), port: pgPort, database: 'oms' };
  let postgres!: EmbeddedPostgresServer;
  const bundlePath = options.workflowBundle ?? path.join(dataDir, 'workflow-bundle.js');
  let restartTemporal: ((downMs: number) => Promise<void>) | undefined;
  const startProductionTemporal = async () => {
    const binaries = await temporalServerBinaries(log);
    const databases = temporalDatabasesBeside(postgres.url);
    await setupTemporalSchemas(binaries.sqlTool, databases);
    const serverOptions = {
      binary: binaries.server,
      dir: path.join(dataDir, 'temporal'),
      port: await freeTemporalServerPort(),
      databases,
      namespace: 'default',
    };
    let server = await startTemporalServer(serverOptions);
    cleanups.first(() => server.stop());
    process.on('exit', () => server.process.kill('SIGKILL'));
    restartTemporal = async (downMs) => {
      await server.stop();
      await sleep(downMs);
      server = await startTemporalServer(serverOptions);
    };
    return { address: server.address, uiUrl: '' };
  };
  const startTemporal = async () => {
    if (options.temporalAddress) return { address: options.temporalAddress, uiUrl: '' };
    if (cluster) return startProductionTemporal();
    const cli = await resolveTemporalCli({ onProgress: log });
    if (!cli)
      throw new Error(
        'no Temporal CLI: set TEMPORAL_CLI or install Go so the pinned version can be built (npm run temporal-cli)',
      );
    const server = await startDevServer({
      cliPath: cli.path,
      port: temporalPort,
      uiPort,
      headless: true,
      logFile: path.join(dataDir, 'temporal.log'),
    });
    cleanups.first(() => server.stop());
    process.on('exit', () => server.process.kill('SIGKILL'));
    return server;
  };
  // PostgreSQL before the dev server, which takes free ports of its own as it starts and could take PostgreSQL's.
  const [temporalServer] = await Promise.all([
    startEmbeddedPostgres(pgOptions).then((server) => {
      postgres = server;
      cleanups.last(() => postgres.stop()); // PostgreSQL stops last
      return startTemporal();
    }),
    options.workflowBundle ? undefined : writeWorkflowBundle(bundlePath),
  ]);
  // Only now: the dev server's own free ports could have taken them.
  const [apiPort, ...workerMetricsPorts] = await Promise.all(Array.from({ length: cluster ? 3 : 2 }, () => freePort()));
  // The run stops everything in order on SIGINT/SIGTERM.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const connection = await Connection.connect({ address: temporalServer.address });
  cleanups.first(() => connection.close());
  const namespace =
    options.temporalAddress && options.ownNamespace
      ? await registerNamespace(connection, `${options.name}-${runId}`)
      : 'default';
  const temporal = new Client({ connection, namespace });
  log(
    `PostgreSQL on ${pgPort}, Temporal ${options.temporalAddress ? 'at' : 'dev server on'} ${temporalServer.address} (namespace ${namespace}), workflow bundle ${options.workflowBundle ? 'given' : 'built'}`,
  );

  const db = createDb(postgres.url, { poolMax: 4 });
  cleanups.first(() => db.destroy());
  await migrateToLatest(db);
  await seedDemo(db);

  const keys = Object.fromEntries(ROLES.map((role) => [role, `${options.name}-${role}-${runId}`])) as Record<
    Role,
    string
  >;
  const carrierWebhookSecret = `${options.name}-${runId}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMS_DATA_DIR: dataDir,
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    TEMPORAL_NAMESPACE: namespace,
    ...(temporalServer.uiUrl ? { TEMPORAL_UI_URL: temporalServer.uiUrl } : {}),
    PORT: String(apiPort),
    OMS_API_KEYS: ROLES.map((role) => `${keys[role]}:${role}`).join(','),
    OMS_CARRIER_WEBHOOK_SECRET: carrierWebhookSecret,
    OMS_PAYMENT_PROVIDER: 'sandbox',
    OMS_WORKFLOW_BUNDLE: bundlePath,
    // Generated load is nobody's first order to review: risk holds would wait for a person.
    OMS_RISK_RULES: 'off',
    ...options.settings,
  };
  let stopping = false;
  const crashLines: string[] = [];
  const restartAfterCrash = (role: ChildRole) => {
    crashLines.push(`${role.lastCrash} (${new Date().toISOString()})`);
    log(`!! ${role.lastCrash}: restarting it`);
    if (!stopping) void ensureRunning(role);
  };
  const workers = workerMetricsPorts.map(
    (metricsPort, index) =>
      new ChildRole(
        cluster ? `worker ${index + 1}` : 'worker',
        'worker/main',
        { ...env, OMS_WORKER_METRICS_PORT: String(metricsPort) },
        path.join(dataDir, cluster ? `worker-${index + 1}.log` : 'worker.log'),
        /worker polling task queue/,
        restartAfterCrash,
      ),
  );
  const api = new ChildRole(
    'API',
    'api/main',
    env,
    path.join(dataDir, 'api.log'),
    /API listening on/,
    restartAfterCrash,
  );
  children.push(...workers, api);
  async function ensureRunning(role: ChildRole): Promise<void> {
    for (let attempt = 1; !role.running && !stopping; attempt++) {
      try {
        await role.start();
      } catch (error) {
        if (attempt >= 10) throw error;
        log(
          `${role.name} did not start (attempt ${attempt}): ${String((error as Error).message).split('\n')[0]}; trying again`,
        );
        await sleep(1_000);
      }
    }
  }
  await Promise.all([...workers, api].map(ensureRunning));
  cleanups.first(async () => {
    stopping = true;
    await Promise.all([...workers, api].map((role) => role.stop()));
  });
  log(
    `API on http://127.0.0.1:${apiPort}, ${workers.length === 1 ? 'worker' : `${workers.length} workers`} running (logs: ${dataDir}/{api,worker*}.log)`,
  );

  return {
    runId,
    dataDir,
    keys,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    carrierWebhookSecret,
    db,
    temporal,
    temporalAddress: temporalServer.address,
    namespace,
    worker: workers[0],
    workers,
    api,
    crashLines,
    get interrupted() {
      return interrupted;
    },
    ensureRunning,
    async restartPostgres(downMs: number) {
      await postgres.stop();
      await sleep(downMs);
      postgres = await startEmbeddedPostgres(pgOptions);
    },
    restartTemporal,
  };
}

/** Registers `name` and waits until the server serves it (a new namespace takes a moment to reach every service). */
async function registerNamespace(connection: Connection, name: string): Promise<string> {
  await connection.workflowService.registerNamespace({
    namespace: name,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace: name, pageSize: 1 });
      await connection.operatorService.listSearchAttributes({ namespace: name });
      return name;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`namespace ${name} not served after 60 s`, { cause: error });
      await sleep(500);
    }
  }
}
