import type { ApiExchange } from '../system/api-client';

/** A request and its answer as a report shows them: enough to send it again by hand. */
export interface ExchangeRecord {
  at: string;
  method: string;
  path: string;
  as: string | null;
  idempotencyKey?: string;
  requestBody?: unknown;
  status: number;
  body: unknown;
  durationMs: number;
  error?: string;
}

/** Something the system did that the contract (SPEC sections 3 and 4) forbids. */
export interface Violation {
  /** Which rule: `server-error`, `time-limit`, `problem-json`, `expected-refusal`, `idempotency`, `not-at-rest`, ... */
  check: string;
  orderId?: string;
  message: string;
  exchange?: ExchangeRecord;
  /** The request it is compared with (the first use of an Idempotency-Key), when there is one. */
  earlier?: ExchangeRecord;
}

export function recordOf(exchange: ApiExchange): ExchangeRecord {
  const idempotencyKey = exchange.headers['idempotency-key'];
  return {
    at: exchange.startedAt,
    method: exchange.method,
    path: exchange.path,
    as: exchange.as,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(exchange.requestBody === undefined ? {} : { requestBody: exchange.requestBody }),
    status: exchange.status,
    body: exchange.body,
    durationMs: exchange.durationMs,
    ...(exchange.error === undefined ? {} : { error: exchange.error }),
  };
}

/** The `detail` of a problem+json answer, or undefined. */
export function problemDetail(body: unknown): string | undefined {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' ? detail : undefined;
}

/** Worker kill windows: from the kill until some time after the new worker is ready. */
export class KillWindows {
  /** Each kill: when the worker was killed and when its successor was ready (ms since the epoch). */
  readonly kills: { killedAt: number; readyAt?: number }[] = [];

  constructor(private readonly recoveryMs: number) {}

  killing(): void {
    this.kills.push({ killedAt: Date.now() });
  }

  restarted(): void {
    const last = this.kills.at(-1);
    if (last && last.readyAt === undefined) last.readyAt = Date.now();
  }

  /** Was a workflow task possibly lost to a kill at `at` (ms)? Its order may answer 503 "recovering" then. */
  covers(at: number): boolean {
    return this.kills.some(
      (kill) => at >= kill.killedAt && (kill.readyAt === undefined || at <= kill.readyAt + this.recoveryMs),
    );
  }

  /** `worker kill #2 at 03:11:02 was 4.1 s before`, for a request sent at `at`, when one came shortly before or during it. */
  context(startedAt: number, endedAt: number): string | undefined {
    let index = -1;
    this.kills.forEach((kill, at) => {
      if (kill.killedAt <= endedAt && kill.killedAt >= startedAt - this.recoveryMs) index = at;
    });
    if (index < 0) return undefined;
    const kill = this.kills[index];
    const offset = ((startedAt - kill.killedAt) / 1000).toFixed(1);
    return `worker kill #${index + 1} at ${new Date(kill.killedAt).toISOString()} (request sent ${offset} s after it)`;
  }
}

/**
 * Everything a run found, and the checks every answer must pass whatever was asked: no 5xx, an answer within
 * the time limit, and every 4xx an `application/problem+json` with a `detail`. The one 5xx tolerated is the 503
 * of an order whose workflow task is being retried after a worker kill of this run (README, Interpretations): the
 * request is sent again with the same Idempotency-Key, and the 503 is listed as excused.
 */
export class Findings {
  readonly violations: Violation[] = [];
  readonly excusedServerErrors: ExchangeRecord[] = [];
  readonly answers = new Map<string, number>();
  requests = 0;

  constructor(
    private readonly requestTimeLimitMs: number,
    private readonly killWindows?: KillWindows,
  ) {}

  add(violation: Violation): void {
    this.violations.push(violation);
  }

  /** Checks one answer; `retry` when it is an excused 503 that the caller should send again. */
  inspect(exchange: ApiExchange, orderId?: string): 'ok' | 'retry' {
    this.requests += 1;
    const answeredAt = Date.parse(exchange.startedAt) + exchange.durationMs;
    const label =
      exchange.status === 0 ? (exchange.timedOut ? 'no answer (time limit)' : 'no answer') : `${exchange.status}`;
    this.answers.set(label, (this.answers.get(label) ?? 0) + 1);
    const record = recordOf(exchange);
    const add = (check: string, message: string) => this.add({ check, orderId, message, exchange: record });
    // A slow answer is a finding whatever caused it; a kill just before it is said, as a lead.
    const kill = this.killWindows?.context(Date.parse(exchange.startedAt), answeredAt);
    const during = kill ? `; ${kill}` : '';
    if (exchange.status === 0) {
      add(
        exchange.timedOut ? 'time-limit' : 'no-answer',
        `${exchange.method} ${exchange.path}: ${exchange.error ?? 'no answer'}${during}`,
      );
      return 'ok';
    }
    if (exchange.durationMs > this.requestTimeLimitMs)
      add(
        'time-limit',
        `${exchange.method} ${exchange.path} took ${exchange.durationMs} ms, over the ${this.requestTimeLimitMs} ms limit${during}`,
      );
    if (exchange.status >= 500) {
      const recovering =
        exchange.status === 503 &&
        /recovering/i.test(problemDetail(exchange.body) ?? '') &&
        this.killWindows?.covers(answeredAt) === true;
      if (recovering) {
        this.excusedServerErrors.push(record);
        return 'retry';
      }
      add('server-error', `${exchange.method} ${exchange.path} answered ${exchange.status}`);
      return 'ok';
    }
    if (exchange.status >= 400) {
      if (!exchange.contentType.includes('application/problem+json'))
        add('problem-json', `a ${exchange.status} answered as "${exchange.contentType}", not application/problem+json`);
      else if (!problemDetail(exchange.body)?.trim()) add('problem-json', `a ${exchange.status} without a detail`);
    }
    return 'ok';
  }
}
