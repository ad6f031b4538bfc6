import type { OutboundSettings } from '../config';
import type { Db } from '../db/connection';
import { errorSummary, type Logger } from '../observability/logger';
import { Dispatcher } from './dispatcher';
import { webhookDeliveries } from './webhook-deliveries';

export interface RunningOutbox {
  stop(): Promise<void>;
}

/**
 * What goes out of the OMS (SPEC section 6), sent from the worker processes: webhook deliveries (and customer
 * emails). The events themselves are recorded with the order's own writes; every worker runs a dispatcher, and they
 * share the work.
 */
export function startOutbox(deps: {
  db: Db;
  settings: Pick<OutboundSettings, 'webhookRetryForMs'>;
  logger: Logger;
  pollMs?: number;
}): RunningOutbox {
  const onError = (error: unknown, context: string) =>
    deps.logger.warn({ err: errorSummary(error) }, `outbox: ${context} failed; retrying`);
  const dispatchers = [
    new Dispatcher(webhookDeliveries(deps.db, { retryForMs: deps.settings.webhookRetryForMs }), {
      onError,
      pollMs: deps.pollMs,
    }),
  ];
  for (const dispatcher of dispatchers) dispatcher.start();
  return {
    async stop() {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
    },
  };
}
