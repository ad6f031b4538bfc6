import type { Role } from '../../config';

/** One request as sent and what came back; `status` 0 means no answer (a network error or the time limit). */
export interface ApiExchange<T = unknown> {
  method: string;
  path: string;
  /** The role whose key was sent; null for no Authorization header. */
  as: Role | null;
  headers: Record<string, string>;
  requestBody?: unknown;
  status: number;
  contentType: string;
  body: T;
  startedAt: string;
  durationMs: number;
  /** Why there is no answer: the network error, or the time limit that was reached. */
  error?: string;
  timedOut: boolean;
}

export interface ApiRequestOptions {
  as: Role | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Abort the request after this long (default 90 s). */
  timeoutMs?: number;
}

/**
 * How long `send` retries by default. Temporal backs off a workflow task that keeps failing or timing out, up to 10
 * minutes between attempts; a run that kill -9s the worker every few seconds can leave an order there for minutes
 * (a chaos run: six). Giving up sooner would leave that order's step undone, though it was about to recover.
 */
const SEND_RETRY_FOR_MS = 12 * 60_000;

/**
 * An HTTP client of the OMS API for the scripts that drive a whole system (chaos, adversary). `request` sends
 * once and reports exactly what happened, timing included; `send` retries what a restarting system answers
 * (network errors, 5xx, timeouts) with backoff until its deadline, and counts them. Only requests that are safe
 * to repeat should be sent with `send`. Every attempt is shown to `observe`, when given.
 */
export class OmsApiClient {
  retries = 0;
  serverErrors = 0;

  constructor(
    readonly baseUrl: string,
    private readonly keys: Partial<Record<Role, string>>,
    private readonly observe?: (exchange: ApiExchange) => void,
  ) {}

  async request<T = unknown>(method: string, path: string, options: ApiRequestOptions): Promise<ApiExchange<T>> {
    const key = options.as === null ? undefined : this.keys[options.as];
    if (options.as !== null && key === undefined) throw new Error(`no API key for the ${options.as} role`);
    const headers: Record<string, string> = {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    const timeoutMs = options.timeoutMs ?? 90_000;
    const started = Date.now();
    const exchange: ApiExchange<T> = {
      method,
      path,
      as: options.as,
      headers: options.headers ?? {},
      requestBody: options.body,
      status: 0,
      contentType: '',
      body: undefined as T,
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      timedOut: false,
    };
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      exchange.status = response.status;
      exchange.contentType = response.headers.get('content-type') ?? '';
      exchange.body = parseBody(text, exchange.contentType) as T;
    } catch (error) {
      const name = (error as Error).name;
      exchange.timedOut = name === 'TimeoutError' || name === 'AbortError';
      exchange.error = exchange.timedOut ? `no answer within ${timeoutMs} ms` : String((error as Error).message);
    }
    exchange.durationMs = Date.now() - started;
    this.observe?.(exchange as ApiExchange);
    return exchange;
  }

  async send<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: ApiRequestOptions & { retryForMs?: number },
  ): Promise<ApiExchange<T>> {
    const deadline = Date.now() + (options.retryForMs ?? SEND_RETRY_FOR_MS);
    for (let attempt = 1; ; attempt++) {
      const exchange = await this.request<T>(method, path, options);
      if (exchange.status > 0 && exchange.status < 500) return exchange;
      if (exchange.status >= 500) this.serverErrors += 1;
      const failure = exchange.error ?? `${exchange.status} ${JSON.stringify(exchange.body).slice(0, 300)}`;
      if (Date.now() >= deadline)
        throw new Error(`${method} ${path} still failing after ${attempt} attempts: ${failure}`);
      this.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** Math.min(attempt, 5))));
    }
  }
}

/** JSON when the answer says so (and parses), else the text as `{text}`. */
function parseBody(text: string, contentType: string): unknown {
  if (!text) return {};
  if (!contentType.includes('json')) return { text };
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { text };
  }
}
