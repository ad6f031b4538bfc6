import knex, { type Knex } from 'knex';
import pg from 'pg';
import { logger } from '../observability/logger';

/**
 * A table row as pg or PostgreSQL's JSON gives it: untyped until a mapper (`toProduct`, `lineView`, ...) reads its
 * columns, the one place each table's shape is written down.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are checked by the mappers that read them
export type Row = Record<string, any>;

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

/** A statement PostgreSQL parses and plans once per connection (see `preparedStatement`). */
export interface PreparedStatement<Row> {
  readonly name: string;
  /** As written, with named `:bindings`. */
  readonly sql: string;
  /** As sent: `$n` parameters, one per `:binding` occurrence, as knex numbers them. */
  readonly text: string;
  /** Runs it with named `:bindings` on `db` or a transaction; answers its rows. */
  run(db: Knex | Knex.Transaction, bindings: Knex.ValueDict): Promise<Row[]>;
}

const prepared = new Map<string, PreparedStatement<unknown>>();

/** Every prepared statement the loaded modules define (the unit tests check each one's parameters). */
export function preparedStatements(): PreparedStatement<unknown>[] {
  return [...prepared.values()];
}

/** Named bindings (`:name`, not a `::type` cast) become `$1`, `$2`, ... in order of occurrence. */
export function positionalParameters(sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  const text = sql.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (_match, name: string) => {
    names.push(name);
    return `$${names.length}`;
  });
  return { text, names };
}

/**
 * A statement on a hot path, sent as a named prepared statement: each connection parses and plans it once instead of
 * on every call, which for the pipeline's multi-CTE statements is most of the server's work (bench: about 300 µs of
 * PostgreSQL CPU per call unprepared, 90 µs prepared). It goes to the pg connection directly (taken from knex's pool,
 * or the transaction's own), without knex's query building on every call. Its text never varies (pass lists as
 * JSON); a name is bound to one text, checked here when the module defines it. Name the columns it returns (or
 * return `row_to_json`): after a migration adds a column, a prepared `SELECT *` changes its result type, which
 * PostgreSQL refuses on every connection that prepared it.
 */
export function preparedStatement<Row = Record<string, unknown>>(name: string, sql: string): PreparedStatement<Row> {
  const known = prepared.get(name);
  if (known !== undefined && known.sql !== sql)
    throw new Error(`prepared statement "${name}" is defined twice with different SQL`);
  const { text, names } = positionalParameters(sql);
  const statement: PreparedStatement<Row> = {
    name,
    sql,
    text,
    async run(db, bindings) {
      const values = names.map((binding) => {
        const value = bindings[binding];
        if (value === undefined) throw new Error(`prepared statement "${name}": no value for :${binding}`);
        return value;
      });
      // A pool connection, or the transaction's: knex hands out either through its client.
      const connection: pg.Client = await db.client.acquireConnection();
      try {
        const result = await connection.query<Row & pg.QueryResultRow>({ name, text, values });
        return result.rows;
      } finally {
        await db.client.releaseConnection(connection);
      }
    },
  };
  prepared.set(name, statement as PreparedStatement<unknown>);
  return statement;
}
