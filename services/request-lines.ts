import type { Db } from '../db/connection';
import { orderLineProblems, type LineProblem } from '../domain/request-lines';
import { NotFoundError, RuleViolationError } from './errors';

/** Refuses a request whose lines break an entry rule (422), each problem named by its field in the body. */
export function refuseLineProblems(problems: readonly LineProblem[]): void {
  if (problems.length === 0) return;
  throw new RuleViolationError(
    `the lines cannot be accepted: ${problems.map((problem) => problem.message).join('; ')}`,
    problems.map((problem) => ({ path: `body.${problem.path}`, message: problem.message })),
  );
}

/** A refund's or a return's lines must each name one of the order's SKUs, once (domain/request-lines.ts). */
export async function requireLinesOfOrder(
  db: Db,
  orderId: string,
  lines: readonly { sku: string; quantity: number }[],
): Promise<void> {
  const skus: string[] = await db('order_lines').where({ order_id: orderId }).pluck('sku');
  if (skus.length === 0 && !(await db('orders').where({ id: orderId }).first('id')))
    throw new NotFoundError(`no order ${orderId}`);
  refuseLineProblems(orderLineProblems(lines, { id: orderId, skus: new Set(skus) }));
}
