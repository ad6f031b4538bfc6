import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../config';
import { createDb, type Db } from '../db/connection';
import { clusterDir, startEmbeddedPostgres, postgresUrl, type EmbeddedPostgresServer } from '../db/embedded-postgres';
import { migrateToLatest } from '../db/migrate';
import { CliError } from './command';

/**
 * Runs `work` against the OMS database: DATABASE_URL, else the embedded PostgreSQL of `npm start`'s data dir
 * (OMS_DATA_DIR, default ./.oms-data) — the running one when npm start is up, else started just for this
 * command. The schema is brought up to date first, so a CLI newer than the database still works.
 */
export async function withDatabase<T>(work: (db: Db) => Promise<T>, note: (text: string) => void): Promise<T> {
  const config = parseConfig();
  let url = config.databaseUrl;
  let server: EmbeddedPostgresServer | undefined;
  if (url) {
    note(`database: ${url.replace(/\/\/[^@]*@/, '//***@')}`);
  } else {
    const pgDir = path.join(config.dataDir, 'postgres');
    if (!existsSync(path.join(clusterDir(pgDir), 'PG_VERSION'))) {
      throw new CliError(
        `No OMS database in ${config.dataDir}: run this in the directory where npm start ran (or set OMS_DATA_DIR to its data dir), or set DATABASE_URL.`,
      );
    }
    const port = runningPort(clusterDir(pgDir));
    if (port) {
      url = postgresUrl(port, 'oms');
      note(`database: npm start's embedded PostgreSQL (${config.dataDir}, port ${port})`);
    } else {
      note(`database: npm start's embedded PostgreSQL (${config.dataDir}), started for this command`);
      server = await startEmbeddedPostgres({ dataDir: pgDir, port: config.pgPort, database: 'oms' });
      url = server.url;
    }
  }
  const db = createDb(url, { poolMax: 2 });
  try {
    await migrateToLatest(db).catch((error: Error) => {
      throw new CliError(`Cannot use the database (${error.message}). Is PostgreSQL running and DATABASE_URL right?`);
    });
    return await work(db);
  } finally {
    await db.destroy();
    await server?.stop();
  }
}

/** The port of the PostgreSQL running on this data dir (from its postmaster.pid), if one is. */
function runningPort(pgDir: string): number | undefined {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // stale file: nobody runs it
  }
  return Number(port) || undefined;
}
