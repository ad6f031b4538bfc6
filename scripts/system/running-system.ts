import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../config';
import { postgresUrl } from '../../db/embedded-postgres';

export class UsageError extends Error {}

export interface RunningSystemTargets {
  databaseUrl: string;
  /** The database as it may be printed (no password). */
  label: string;
  temporalAddress?: string;
  namespace: string;
}

/**
 * The database and Temporal server of a system that is already running: given explicitly (flags, else
 * DATABASE_URL and TEMPORAL_ADDRESS), else those of `npm start` on OMS_DATA_DIR while it runs (the port of its
 * embedded PostgreSQL from postgres/postmaster.pid; its dev server when temporal.pid is there).
 */
export function resolveRunningSystem(values: {
  databaseUrl?: string;
  temporal?: string;
  noTemporal?: boolean;
}): RunningSystemTargets {
  const config = parseConfig();
  const namespace = config.temporalNamespace;
  const explicitTemporal = values.noTemporal ? undefined : (values.temporal ?? config.temporalAddress);
  const explicit = values.databaseUrl ?? config.databaseUrl;
  if (explicit) return { databaseUrl: explicit, label: redact(explicit), temporalAddress: explicitTemporal, namespace };
  const pidFile = path.join(config.dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(pidFile)) {
    throw new UsageError(
      `no database: set DATABASE_URL (or --database-url), or start the system with npm start (no PostgreSQL is running on ${config.dataDir})`,
    );
  }
  // postmaster.pid: pid, data directory, start time, port, ...
  const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  const devServer =
    existsSync(path.join(config.dataDir, 'temporal.pid')) && !values.noTemporal
      ? `127.0.0.1:${config.temporalPort}`
      : undefined;
  const url = postgresUrl(port, 'oms');
  return {
    databaseUrl: url,
    label: `${redact(url)} (npm start, ${config.dataDir})`,
    temporalAddress: explicitTemporal ?? devServer,
    namespace,
  };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
