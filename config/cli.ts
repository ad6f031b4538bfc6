import type { Env } from './env';

/** What `npx oms` API commands use when the command line does not say (`--url`, `--key`). */
export interface ApiClientSettings {
  /** `OMS_API_URL`; the CLI's default (npm start's API) when unset. */
  url?: string;
  /** `OMS_API_KEY`. */
  key?: string;
}

export function apiClientSettings(env: Env = process.env): ApiClientSettings {
  return { url: env.OMS_API_URL, key: env.OMS_API_KEY };
}
