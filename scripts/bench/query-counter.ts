import { Context } from '@temporalio/activity';
import pg from 'pg';

/** SQL round trips a process made: every statement sent to PostgreSQL, transaction control included. */
export interface QueryCounts {
  total: number;
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT: round trips that carry no work of their own. */
  transactionControl: number;
  /** Per activity type, for the statements sent from inside an activity (local ones included). */
  byActivity: Record<string, number>;
}

const TRANSACTION_CONTROL = /^\s*(begin|commit|rollback|savepoint|release savepoint)\b/i;

/**
 * Counts every query of this process at the pg driver, beneath knex, so whatever the code under test does is
 * counted without touching it. Returns a reader of the counts so far.
 */
export function countQueries(): () => QueryCounts {
  const counts: QueryCounts = { total: 0, transactionControl: 0, byActivity: {} };
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function countedQuery(this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    counts.total += 1;
    if (TRANSACTION_CONTROL.test(text)) counts.transactionControl += 1;
    const activity = currentActivityType();
    if (activity) counts.byActivity[activity] = (counts.byActivity[activity] ?? 0) + 1;
    return original.apply(this, args);
  };
  return () => ({ ...counts, byActivity: { ...counts.byActivity } });
}

function currentActivityType(): string | undefined {
  try {
    return Context.current().info.activityType;
  } catch {
    return undefined; // not inside an activity (API request, migration)
  }
}
