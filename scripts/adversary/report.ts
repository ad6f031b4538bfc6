import type { ExchangeRecord, Violation } from './findings';
import type { OrderAgent } from './order-agent';

const clip = (value: unknown, length = 400) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? '' : text.length > length ? `${text.slice(0, length)}…` : text;
};

function describeExchange(label: string, record: ExchangeRecord): string {
  const key = record.idempotencyKey ? ` Idempotency-Key: ${record.idempotencyKey}` : '';
  const body = record.requestBody === undefined ? '' : ` ${clip(record.requestBody, 300)}`;
  const answer =
    record.status === 0
      ? (record.error ?? 'no answer')
      : `${record.status} ${clip(record.body)} (${record.durationMs} ms)`;
  return `      ${label}: ${record.method} ${record.path} as ${record.as ?? 'nobody'}${key}${body}\n        -> ${answer}`;
}

/** The same violation seen again (a jammed order answering 503 to every later request) is printed once, counted. */
function grouped(violations: readonly Violation[]): { violation: Violation; times: number }[] {
  const groups = new Map<string, { violation: Violation; times: number }>();
  for (const violation of violations) {
    const where = violation.exchange
      ? `${violation.exchange.method} ${violation.exchange.path.replace(/\?.*/, '')} ${violation.exchange.status}`
      : '';
    const key = `${violation.check}|${violation.orderId ?? ''}|${where}|${violation.exchange ? '' : violation.message}`;
    const group = groups.get(key);
    if (group) group.times += 1;
    else groups.set(key, { violation, times: 1 });
  }
  return [...groups.values()];
}

function describeViolation({ violation, times }: { violation: Violation; times: number }): string {
  const lines = [`  [${violation.check}]${times > 1 ? ` (${times} times)` : ''} ${violation.message}`];
  if (violation.earlier) lines.push(describeExchange('first', violation.earlier));
  if (violation.exchange) lines.push(describeExchange(violation.earlier ? 'then ' : 'request', violation.exchange));
  return lines.join('\n');
}

/**
 * The violations, order by order, each order with what a person needs to follow it up: its status, its last
 * timeline entries and the run's walk of it (the requests, in order, with their answers).
 */
export function formatViolations(violations: readonly Violation[], agents: readonly OrderAgent[]): string {
  const out: string[] = [];
  const runWide = violations.filter((violation) => !violation.orderId);
  const byOrder = new Map<string, Violation[]>();
  for (const violation of violations)
    if (violation.orderId) byOrder.set(violation.orderId, [...(byOrder.get(violation.orderId) ?? []), violation]);
  for (const [orderId, found] of byOrder) {
    const agent = agents.find((candidate) => candidate.id === orderId);
    const view = agent?.view;
    out.push(
      `order ${orderId}${agent ? ` (#${agent.profile.index} ${agent.profile.kind})` : ''}: ${view?.status ?? 'unknown'}${view?.cancelReason ? ` (${view.cancelReason})` : ''}${view?.rejectReason ? ` (${view.rejectReason})` : ''}`,
    );
    for (const group of grouped(found)) out.push(describeViolation(group));
    if (view)
      out.push(
        `    last timeline: ${
          view.timeline
            .slice(-5)
            .map((entry) => `${entry.status ?? entry.type}: ${entry.message}`)
            .join(' | ') || 'none'
        }`,
      );
    if (agent) out.push(`    walk: ${agent.steps.slice(-14).join('\n          ')}`);
  }
  if (runWide.length > 0) {
    out.push('run-wide:');
    for (const group of grouped(runWide)) out.push(describeViolation(group));
  }
  return out.join('\n');
}

/** Counts of the walk's actions, by their first word (`refund`, `approve`, `rest:`, ...). */
export function actionCounts(agents: readonly OrderAgent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const agent of agents)
    for (const step of agent.steps) {
      const words = step.split(' ');
      const action = words[0].endsWith(':')
        ? `${words[0].slice(0, -1)} ${words[1]}`
        : `${words[0]} ${words[1]?.startsWith('{') ? '' : (words[1] ?? '')}`.trim();
      counts[action] = (counts[action] ?? 0) + 1;
    }
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}
