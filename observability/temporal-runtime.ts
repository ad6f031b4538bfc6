import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { findOrderId, logger as processLogger, type Logger } from './logger';
import { freePort } from '../tools/free-port';
import { setSdkMetricsAddress } from './sdk-metrics';

const SDK_LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The Temporal SDK's logger (its own messages, Rust core's, activity and workflow context loggers) writing to pino. */
export class PinoSdkLogger implements SdkLogger {
  constructor(
    private readonly logger: Logger,
    private readonly level: LogLevel,
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    // The worker's activity interceptor logs every attempt's outcome with the order: the SDK's own
    // "Activity failed" (WARN) would say it a second time.
    const activityOutcome = typeof meta.activityId === 'string' && /^Activity (completed|failed)/.test(message);
    const effective = activityOutcome ? 'DEBUG' : level;
    if (SDK_LEVELS[effective] < SDK_LEVELS[this.level]) return;
    // A task token completes the activity for whoever holds it: not for the log.
    const { error, taskToken: _taskToken, ...rest } = meta as LogMetadata & { error?: unknown; taskToken?: unknown };
    const workflowId = typeof rest.workflowId === 'string' ? rest.workflowId : undefined;
    const orderId = findOrderId(workflowId);
    this.logger[PINO_LEVEL[effective]](
      { ...rest, ...(orderId ? { orderId } : {}), ...(error === undefined ? {} : { err: error }) },
      message,
    );
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Installs the process's Temporal Runtime (once per process; later calls do nothing): the SDK's and the Rust
 * core's logs go to pino at `level` and up, and the core's worker metrics to a Prometheus exporter on a
 * loopback port, which the OMS's own `/metrics` endpoints read and append (`sdkMetricsText`).
 */
export async function installTemporalRuntime(level: LogLevel, logger: Logger = processLogger): Promise<void> {
  if (Runtime._instance) return;
  const bindAddress = `127.0.0.1:${await freePort()}`;
  try {
    Runtime.install({
      logger: new PinoSdkLogger(logger.child({ component: 'temporal-sdk' }), level),
      telemetryOptions: {
        logging: { forward: {}, filter: { core: level, other: 'ERROR' } },
        metrics: { prometheus: { bindAddress } },
      },
    });
    setSdkMetricsAddress(bindAddress);
  } catch {
    // Another worker of this process installed it meanwhile.
  }
}
