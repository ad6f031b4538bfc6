import type { Role } from '../../config';
import type { ApiExchange, OmsApiClient } from '../system/api-client';
import { canonicalJson } from '../../services/idempotency-keys';
import { recordOf, type ExchangeRecord, type Findings } from './findings';

/** What a hostile request must be answered with: a refusal, never a success. */
export const REFUSED = [400, 409, 422] as const;
export const MALFORMED = [400] as const;
export const CONFLICT = [409] as const;
export const NOT_FOUND = [404] as const;

export interface Expectation {
  statuses: readonly number[];
  why: string;
}

export interface RequestSpec {
  method: string;
  path: string;
  as: Role | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** The order the request is about, for the report. */
  orderId?: string;
  /** What a non-5xx answer must be; unchecked when omitted (a valid request may meet a state that refuses it). */
  expect?: Expectation;
}

export type KeyMode = 'once' | 'replay' | 'reuse' | 'concurrent';

export interface KeyedSpec extends RequestSpec {
  body: unknown;
  key: string;
  /** The same route with another body: reusing the key with it must be refused (422). */
  otherBody: unknown;
  /**
   * The fields of a 2xx answer that a repeat must answer alike (default: the whole body). A placed order's
   * `status` is its current one (README, Interpretations), so a replay compares its `id` only.
   */
  identity?: readonly string[];
  /** Where a repeat may answer differently by design (a stock adjustment replayed says `duplicate: true`). */
  sameAnswer?: (first: ApiExchange, repeat: ApiExchange) => string | undefined;
}

/**
 * Sends the adversary's requests: each answer is checked by `Findings` (no 5xx, time limit, problem+json), then
 * against the request's own expectation. A 503 that `Findings` excuses (an order recovering from a worker kill)
 * is sent again, as the README tells clients to, until `retryForMs` has passed.
 */
export class Requester {
  constructor(
    private readonly api: OmsApiClient,
    readonly findings: Findings,
    private readonly options: { timeLimitMs: number; retryForMs: number },
    private readonly journal: (orderId: string | undefined, record: ExchangeRecord) => void = () => undefined,
  ) {}

  async call<T = unknown>(spec: RequestSpec): Promise<ApiExchange<T>> {
    const deadline = Date.now() + this.options.retryForMs;
    for (;;) {
      // Past the time limit the answer is a finding already; waiting a little longer shows whether it comes at all.
      const exchange = await this.api.request<T>(spec.method, spec.path, {
        as: spec.as,
        body: spec.body,
        headers: spec.headers,
        timeoutMs: this.options.timeLimitMs + 15_000,
      });
      this.journal(spec.orderId, recordOf(exchange));
      const verdict = this.findings.inspect(exchange, spec.orderId);
      if (verdict === 'retry') {
        if (Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          continue;
        }
        // Excused while the order could be recovering from a kill; not when it never recovers.
        this.findings.add({
          check: 'server-error',
          orderId: spec.orderId,
          message: `${spec.method} ${spec.path} still answered ${exchange.status} after ${this.options.retryForMs} ms of retries: the order did not recover from the worker kill`,
          exchange: recordOf(exchange),
        });
      }
      if (spec.expect && answered(exchange) && !spec.expect.statuses.includes(exchange.status)) {
        this.findings.add({
          check: 'expected-refusal',
          orderId: spec.orderId,
          message: `${spec.expect.why}: expected ${spec.expect.statuses.join(' or ')}, got ${exchange.status}`,
          exchange: recordOf(exchange),
        });
      }
      return exchange;
    }
  }

  /**
   * Sends a request with an Idempotency-Key in one of four ways (SPEC section 3, Idempotency): once; then again
   * with the same body (it must answer as the first did); then with another body (422); or twice at once (both
   * answered alike). Returns the first answer.
   */
  async keyed<T = unknown>(spec: KeyedSpec, mode: KeyMode): Promise<ApiExchange<T>> {
    const withKey = (body: unknown, expect?: Expectation): RequestSpec => ({
      ...spec,
      body,
      expect,
      headers: { ...spec.headers, 'idempotency-key': spec.key },
    });
    if (mode === 'concurrent') {
      const [first, second] = await Promise.all([
        this.call<T>(withKey(spec.body, spec.expect)),
        this.call<T>(withKey(spec.body)),
      ]);
      if (answered(first) && answered(second)) this.compare(spec, first, second, 'sent twice at once');
      return first;
    }
    const first = await this.call<T>(withKey(spec.body, spec.expect));
    if (mode === 'once' || !succeeded(first)) return first;
    if (mode === 'replay') {
      const repeat = await this.call<T>(withKey(spec.body));
      if (answered(repeat)) this.compare(spec, first, repeat, 'replayed with the same body');
    } else {
      const reuse = await this.call<T>(withKey(spec.otherBody));
      if (answered(reuse) && reuse.status !== 422)
        this.findings.add({
          check: 'idempotency',
          orderId: spec.orderId,
          message: `an Idempotency-Key reused with another body must be refused with 422 (SPEC 3, Idempotency), got ${reuse.status}`,
          exchange: recordOf(reuse),
          earlier: recordOf(first),
        });
    }
    return first;
  }

  private compare(spec: KeyedSpec, first: ApiExchange, repeat: ApiExchange, how: string): void {
    const difference = spec.sameAnswer ? spec.sameAnswer(first, repeat) : defaultDifference(spec, first, repeat);
    if (difference === undefined) return;
    this.findings.add({
      check: 'idempotency',
      orderId: spec.orderId,
      message: `the same Idempotency-Key ${how} must answer as the first request did: ${difference}`,
      exchange: recordOf(repeat),
      earlier: recordOf(first),
    });
  }
}

function defaultDifference(spec: KeyedSpec, first: ApiExchange, repeat: ApiExchange): string | undefined {
  if (first.status !== repeat.status) return `status ${first.status}, then ${repeat.status}`;
  if (!succeeded(first)) return undefined;
  const view = (body: unknown) =>
    spec.identity
      ? canonicalJson(Object.fromEntries(spec.identity.map((field) => [field, fieldOf(body, field)])))
      : canonicalJson(body);
  const [before, after] = [view(first.body), view(repeat.body)];
  return before === after ? undefined : `${before}, then ${after}`;
}

export const answered = (exchange: ApiExchange) => exchange.status > 0 && exchange.status < 500;
export const succeeded = (exchange: ApiExchange) => exchange.status >= 200 && exchange.status < 300;

/** A field of a JSON answer, or undefined. */
export function fieldOf(body: unknown, field: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
}
