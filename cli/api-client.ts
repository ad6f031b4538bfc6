import { apiClientSettings, type ApiClientSettings } from '../config/cli';
import { CliError, stringOption, type OptionSpec, type OptionValues } from './command';

export const DEFAULT_API_URL = 'http://localhost:3000';

/** Options every command that talks to the API takes. */
export const API_OPTIONS: OptionSpec = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
};

export const API_OPTIONS_HELP = `  --url URL       the API (default: OMS_API_URL, else ${DEFAULT_API_URL})
  --key KEY       the API key (default: OMS_API_KEY)
  --json          print the API's JSON answer instead of a summary`;

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/** The API answered with an error: printed readably (problem+json), with what to do for 401/403. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(formatProblem(status, problem));
  }
}

export function formatProblem(status: number, problem: Problem): string {
  const lines = [
    `The API answered ${status}${problem.title ? ` ${problem.title}` : ''}${problem.detail ? `: ${problem.detail}` : ''}`,
  ];
  for (const error of problem.errors ?? []) lines.push(`  ${error.path}: ${error.message}`);
  if (status === 401)
    lines.push('Check OMS_API_KEY or --key. Lost your key? Make a new one: npx oms keys create --role <role>');
  if (status === 403)
    lines.push(
      "This key's role may not do this: use a key with the role named above (npx oms keys create --role <role>).",
    );
  return lines.join('\n');
}

/** A thin fetch wrapper for the OMS API: JSON or CSV in, JSON out, errors as CliErrors that say what to do. */
export class ApiClient {
  constructor(
    readonly url: string,
    private readonly key: string,
  ) {}

  static from(values: OptionValues, settings: ApiClientSettings = apiClientSettings()): ApiClient {
    const url = (stringOption(values, 'url') ?? settings.url ?? DEFAULT_API_URL).replace(/\/+$/, '');
    const key = stringOption(values, 'key') ?? settings.key;
    if (!key)
      throw new CliError(
        'No API key: set OMS_API_KEY or pass --key. npm start prints the keys at its first start; a new one: npx oms keys create --role <role>',
        2,
      );
    return new ApiClient(url, key);
  }

  async request<T>(
    method: string,
    path: string,
    options: { json?: unknown; csv?: string; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.key}`,
      accept: 'application/json',
      ...options.headers,
    };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.csv !== undefined) {
      headers['content-type'] = 'text/csv';
      body = options.csv;
    }
    let response = await this.send(method, path, headers, body);
    // 429: the API read and kept nothing (too many batches at once), so the same request is sent again when it says.
    for (let retries = 0; response.status === 429 && retries < BUSY_RETRIES; retries++) {
      await response.body?.cancel();
      await sleep(retryAfterMs(response.headers.get('retry-after')));
      response = await this.send(method, path, headers, body);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      throw new ApiError(
        response.status,
        (parsed as Problem | undefined) ?? { detail: text.slice(0, 300) || response.statusText },
      );
    }
    if (parsed === undefined)
      throw new CliError(
        `${method} ${path}: the API answered ${response.status} without JSON; is ${this.url} the OMS API?`,
      );
    return parsed as T;
  }

  private async send(method: string, path: string, headers: Record<string, string>, body: string | undefined) {
    try {
      return await fetch(`${this.url}${path}`, { method, headers, body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `Cannot reach the OMS API at ${this.url} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is npm start running? ` +
          'If the API runs elsewhere, set OMS_API_URL or pass --url.',
      );
    }
  }
}

/** How many times a request the API was too busy to take (429) is sent again before the 429 is the answer. */
export const BUSY_RETRIES = 5;

/** `Retry-After` in seconds (1 to 60; 5 when missing or not a number). */
export const retryAfterMs = (header: string | null) => {
  const seconds = Number(header);
  return (Number.isFinite(seconds) && header !== null && header !== '' ? Math.min(Math.max(seconds, 1), 60) : 5) * 1000;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
