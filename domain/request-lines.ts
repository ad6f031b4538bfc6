/**
 * Entry rules for the lines of a refund, a return or a return receipt (SPEC section 3): checked when the request
 * arrives, so the order's process never sees a line it cannot apply. Each problem names its field, relative to the
 * body (`lines.1.sku`).
 */

export interface LineProblem {
  path: string;
  message: string;
}

/** Lines of a refund or a return: each names one of the order's SKUs, and no SKU twice. */
export function orderLineProblems(
  lines: readonly { sku: string; quantity: number }[],
  order: { id: string; skus: ReadonlySet<string> },
): LineProblem[] {
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const path = `lines.${index}.sku`;
    if (!order.skus.has(line.sku)) problems.push({ path, message: `${line.sku} is not a line of order ${order.id}` });
    else if (seen.has(line.sku))
      problems.push({ path, message: `${line.sku} is listed more than once; put the whole quantity on one line` });
    seen.add(line.sku);
  });
  return problems;
}

/**
 * Lines of a return receipt: each names a SKU on the RMA (whatever the quantity, 0 included), each SKU and condition
 * once, and the units of a SKU over its lines are at most the RMA's.
 */
export function receiptLineProblems(
  lines: readonly { sku: string; quantity: number; condition: string }[],
  rma: { id: string; lines: readonly { sku: string; quantity: number }[] },
): LineProblem[] {
  const problems: LineProblem[] = [];
  const expected = new Map(rma.lines.map((line) => [line.sku, line.quantity]));
  const seen = new Set<string>();
  const received = new Map<string, number>();
  lines.forEach((line, index) => {
    const onReturn = expected.get(line.sku);
    if (onReturn === undefined) {
      problems.push({ path: `lines.${index}.sku`, message: `${line.sku} is not on return ${rma.id}` });
      return;
    }
    const pair = `${line.sku}\u0000${line.condition}`;
    if (seen.has(pair))
      problems.push({
        path: `lines.${index}.sku`,
        message: `${line.sku} (${line.condition}) is listed more than once; put the whole quantity on one line`,
      });
    seen.add(pair);
    const total = (received.get(line.sku) ?? 0) + line.quantity;
    received.set(line.sku, total);
    if (total > onReturn)
      problems.push({
        path: `lines.${index}.quantity`,
        message: `${line.sku}: ${total} received but ${onReturn} on the return`,
      });
  });
  return problems;
}
