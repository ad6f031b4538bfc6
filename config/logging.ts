import type { LevelWithSilent } from 'pino';
import type { Env } from './env';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerSettings {
  /** `OMS_LOG_LEVEL` when it names a pino level, else `info`. */
  level: LevelWithSilent;
  /** `OMS_LOG_LEVEL` as given when it names no level (the logger says so once, and logs at info). */
  unknownLevel?: string;
  /** What the Temporal SDK's own logs let through: its debug lines only with `OMS_LOG_LEVEL=debug`. */
  temporalSdkLevel: 'DEBUG' | 'WARN';
}

/** `OMS_LOG_LEVEL` for the JSON logger (observability/logger.ts) and the Temporal SDK's logs (worker/worker.ts). */
export function loggerSettings(env: Env = process.env): LoggerSettings {
  const given = env.OMS_LOG_LEVEL;
  const unknown = given && logLevelFromEnv('silent', env) === 'silent' && given.trim().toLowerCase() !== 'silent';
  return {
    level: logLevelFromEnv('info', env),
    ...(unknown ? { unknownLevel: given } : {}),
    temporalSdkLevel: given === 'debug' ? 'DEBUG' : 'WARN',
  };
}

/** `OMS_LOG_LEVEL` when it names a pino level, else `fallback`. */
export function logLevelFromEnv(fallback: LevelWithSilent = 'info', env: Env = process.env): LevelWithSilent {
  const wanted = env.OMS_LOG_LEVEL?.trim().toLowerCase();
  return wanted && (LOG_LEVELS as readonly string[]).includes(wanted) ? (wanted as LevelWithSilent) : fallback;
}
