import knex, { type Knex } from 'knex';
import pg from 'pg';

// bigint columns hold money in minor units: read them as numbers, refusing anything beyond 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} is beyond the safe integer range`);
  return parsed;
});
// Calendar dates stay 'YYYY-MM-DD' strings: no time zone can shift them.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Knex;

export function createDb(connectionString: string, options: { poolMax?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: { connectionString, application_name: 'oms' },
    pool: { min: 0, max: options.poolMax ?? 10 },
  });
}
