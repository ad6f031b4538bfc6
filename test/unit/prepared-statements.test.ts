import knex from 'knex';
// Loading the modules defines their statements.
import '../../activities';
import '../../adapters/payments/sandbox';
import { positionalParameters, preparedStatements } from '../../db/connection';

/**
 * Prepared statements go to pg directly, numbered by `positionalParameters`: each must be sent exactly as knex would
 * send the same SQL and named bindings (a `::type` cast is not a binding, every occurrence is its own parameter).
 */
describe('prepared statements', () => {
  const sqlOnly = knex({ client: 'pg' });
  afterAll(() => sqlOnly.destroy());

  it('numbers the parameters of every statement as knex does', () => {
    const statements = preparedStatements();
    expect(statements.map((statement) => statement.name)).toEqual(
      expect.arrayContaining([
        'reserve-shipment',
        'hand-over-shipment',
        'record-order-timeline',
        'sandbox-capture',
        'find-customer',
      ]),
    );
    for (const statement of statements) {
      const { names } = positionalParameters(statement.sql);
      const bindings = Object.fromEntries(names.map((name) => [name, 'x']));
      expect({ name: statement.name, text: statement.text }).toEqual({
        name: statement.name,
        text: sqlOnly.raw(statement.sql, bindings).toSQL().toNative().sql,
      });
    }
  });

  it('leaves casts and colons in strings alone', () => {
    expect(
      positionalParameters(`SELECT count(*)::int, 'ship:' || :id || ':' || sku, :id FROM t WHERE x = :other`),
    ).toEqual({
      text: `SELECT count(*)::int, 'ship:' || $1 || ':' || sku, $2 FROM t WHERE x = $3`,
      names: ['id', 'id', 'other'],
    });
  });
});
