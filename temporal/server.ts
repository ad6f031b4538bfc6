import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { PROJECT_ROOT } from '../tools/project-root';
import { stopOrphanedServer, stopProcess, waitUntilServing } from './dev-server';

/** A PostgreSQL server Temporal keeps its persistence and visibility in, each in a database of its own. */
export interface TemporalDatabases {
  host: string;
  port: number;
  user: string;
  password: string;
  persistence: string;
  visibility: string;
}

/** Temporal's databases beside the OMS's, on the same server and with the same credentials. */
export function temporalDatabasesBeside(databaseUrl: string): TemporalDatabases {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    persistence: 'temporal',
    visibility: 'temporal_visibility',
  };
}

/** docker-compose.yml's dynamic config, used as is: one file for both topologies. */
export const DYNAMIC_CONFIG_FILE = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig', 'oms.yaml');
/** How long a closed order's history stays in Temporal (its business record stays in PostgreSQL). */
export const NAMESPACE_RETENTION = '7 days';

const run = promisify(execFile);

/**
 * Creates Temporal's two databases when missing and brings their schemas to the server's version, with the
 * server's own SQL tool and the schemas embedded in it, as the compose file's temporal-schema service does.
 */
export async function setupTemporalSchemas(sqlTool: string, databases: TemporalDatabases): Promise<void> {
  const common = [
    '--plugin',
    'postgres12',
    '--ep',
    databases.host,
    '-p',
    String(databases.port),
    '-u',
    databases.user,
    '--pw',
    databases.password,
  ];
  const tool = (database: string, ...args: string[]) =>
    run(sqlTool, [...common, '--db', database, ...args]).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${(error.stderr || error.message).trim()}`);
    });
  for (const [database, schema] of [
    [databases.persistence, 'postgresql/v12/temporal'],
    [databases.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    // Both refuse a database or versioning table that exists already: harmless on a restart.
    await run(sqlTool, [...common, '--db', database, '--quiet', 'create-database']);
    await run(sqlTool, [...common, '--db', database, '--quiet', 'setup-schema', '-v', '0.0']);
    await tool(database, 'update-schema', '--schema-name', schema);
  }
}

/** A server process this run started: where it listens, and how to stop it. */
export interface ServerProcess {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  binary: string;
  /** Its configuration, log and pid file go here. */
  dir: string;
  /** The frontend's gRPC port (the address clients use); the other services' ports are derived from it. */
  port: number;
  databases: TemporalDatabases;
  namespace: string;
}

/**
 * The Temporal server as production runs it (one process with every service, as the compose file's image), on
 * PostgreSQL, with the OMS's dynamic config. Waits until it serves `namespace`, registering it when missing.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<ServerProcess> {
  if (options.port < 1324 || options.port - 300 + 6 > 32_767)
    throw new Error(
      `TEMPORAL_PORT=${options.port}: the Temporal server's membership ports (300 below it) must lie within 1024-32767, as PostgreSQL stores them as smallint; choose a port from 1324 to 33061 (default 7233).`,
    );
  const configDir = path.join(options.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  // YAML is a superset of JSON: the server reads this as its production.yaml.
  writeFileSync(path.join(configDir, 'production.yaml'), JSON.stringify(serverConfig(options), null, 2));
  const logFile = path.join(options.dir, 'temporal-server.log');
  const pidFile = path.join(options.dir, 'temporal-server.pid');
  await stopOrphanedServer(pidFile, options.binary, 'Temporal server');
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    options.binary,
    ['--root', options.dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (child.pid) writeFileSync(pidFile, String(child.pid));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exit: string | undefined;
  child.on('exit', (code, signal) => (exit = `exited with ${signal ?? code}`));
  const address = `127.0.0.1:${options.port}`;
  const stop = async () => {
    await stopProcess(child, 20_000);
    rmSync(pidFile, { force: true });
  };
  try {
    await waitUntilServing({
      address,
      namespace: 'temporal-system',
      exited: () => exit,
      logFile,
      what: 'Temporal server',
    });
    await ensureNamespace(address, options.namespace);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, process: child, stop };
}

function serverConfig(options: TemporalServerOptions) {
  const { databases } = options;
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${databases.host}:${databases.port}`,
      connectProtocol: 'tcp',
      user: databases.user,
      password: databases.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  // Temporal's standard layout around the frontend's port (7233: history 7234, matching 7235, worker 7239, their
  // membership ports 300 below). Membership ports are stored as smallint in PostgreSQL: a free port above 32767
  // would be refused.
  const service = (offset: number) => ({
    rpc: { grpcPort: options.port + offset, membershipPort: options.port - 300 + offset, bindOnLocalHost: true },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
      datastores: { default: store(databases.persistence, 20), visibility: store(databases.visibility, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: { rpc: { ...service(0).rpc, httpPort: options.port + 10 } },
      history: service(1),
      matching: service(2),
      worker: service(6),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${options.port}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' },
  };
}

/** Registers the namespace unless the server has it (the dev server creates its own; a real server does not). */
export async function ensureNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch {
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION) })
        .catch((error: { code?: number }) => {
          if (error.code !== 6) throw error; // ALREADY_EXISTS: another process registered it first
        });
    }
    // A new namespace takes a moment to reach every service.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`namespace ${namespace} not served after 60 s`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await connection.close();
  }
}
