import { types } from 'node:util';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { LOG_LEVELS, loggerSettings } from '../config/logging';

export type { Logger } from 'pino';

/**
 * Defence in depth: the serializers below never copy headers or bodies, but should anything log a request, a
 * customer record or a provider config object, keys and personal data are masked rather than written.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-oms-signature"]',
  'headers.authorization',
  '*.authorization',
  '*.apiKey',
  '*.secretKey',
  '*.email',
  '*.shippingAddress',
  'shippingAddress',
  'email',
];

/** What an error is, without the enumerable extras (a pg error's `detail` quotes the failing row: personal data). */
export function errorSummary(error: unknown): { type: string; message: string; code?: string; stack?: string } {
  // isNativeError also knows errors made in another realm (node's own, seen from a vm context such as jest's).
  if (!(error instanceof Error || types.isNativeError(error))) return { type: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.constructor?.name ?? error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: error.stack,
  };
}

/**
 * A JSON logger (one object per line, ISO time, level names), at `OMS_LOG_LEVEL` unless `level` is given;
 * `destination` lets tests capture the lines.
 */
export function createLogger(options: { level?: LevelWithSilent; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? loggerSettings().level,
      base: { service: 'oms' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errorSummary },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    options.destination,
  );
}

const settings = loggerSettings();
/** The process's logger: what `npm start`, `npm run worker` and `npm run api` write to stdout. */
export const logger: Logger = createLogger({ level: settings.level });
if (settings.unknownLevel !== undefined) {
  logger.warn(`OMS_LOG_LEVEL "${settings.unknownLevel}" is not one of ${LOG_LEVELS.join(', ')}; logging at info`);
}

/** Order IDs (`ORD-` + Crockford base32) inside a workflow ID, a path or a resource ID (`ORD-…-S1`, `PL-ORD-…`). */
export function findOrderId(text: string | undefined): string | undefined {
  return text?.match(/ORD-[0-9A-Z]+/)?.[0];
}
