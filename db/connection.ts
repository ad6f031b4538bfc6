import knex, { type Knex } from 'knex';
import pg from 'pg';
import { logger } from '../observability/logger';

// bigint columns hold money in minor units: read them as numbers, refusing anything beyond 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} is beyond the safe integer range`);
  return parsed;
});
// Calendar dates stay 'YYYY-MM-DD' strings: no time zone can shift them.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Knex;

/** knex's own messages (e.g. "Acquire connection error" while PostgreSQL restarts) go to the JSON log, not the console. */
const knexLog = logger.child({ component: 'knex' });

/** `poolMin` connections stay open while idle: a request after a quiet spell then does not wait for a new one. */
export function createDb(connectionString: string, options: { poolMax?: number; poolMin?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: { connectionString, application_name: 'oms' },
    pool: { min: options.poolMin ?? 0, max: options.poolMax ?? 10 },
    log: {
      warn: (message: unknown) => knexLog.warn(String(message)),
      error: (message: unknown) => knexLog.error(String(message)),
      deprecate: (method: string, alternative: string) => knexLog.warn(`${method} is deprecated; use ${alternative}`),
      debug: (message: unknown) => knexLog.debug(String(message)),
    },
  });
}
