import type { Role } from '../../config';

export interface ApiReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/**
 * The chaos run's HTTP client of the OMS API. While PostgreSQL restarts the API answers 5xx, and a request can
 * hang while no worker runs: `send` retries those (network errors, 5xx, timeouts) with backoff until its
 * deadline, and counts them. Only requests that are safe to repeat should be sent with retries.
 */
export class ChaosApi {
  retries = 0;
  serverErrors = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly keys: Record<Role, string>,
  ) {}

  async send<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { as: Role; body?: unknown; headers?: Record<string, string>; retryForMs?: number; timeoutMs?: number },
  ): Promise<ApiReply<T>> {
    const deadline = Date.now() + (options.retryForMs ?? 180_000);
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.keys[options.as]}`,
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...options.headers,
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 90_000),
        });
        const text = await response.text();
        const body = (
          text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : { text }
        ) as T;
        if (response.status < 500) return { status: response.status, body };
        this.serverErrors += 1;
        failure = `${response.status} ${text.slice(0, 300)}`;
      } catch (error) {
        failure = String((error as Error).message ?? error);
      }
      if (Date.now() >= deadline)
        throw new Error(`${method} ${path} still failing after ${attempt} attempts: ${failure}`);
      this.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** Math.min(attempt, 5))));
    }
  }
}
