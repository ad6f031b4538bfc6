import type { OutboundSettings } from '../config';
import type { Db } from '../db/connection';
import { createMailer } from '../notifications/mailer';
import { createTemplateRenderer } from '../notifications/templates';
import { errorSummary, type Logger } from '../observability/logger';
import { customerEmails } from './customer-emails';
import { Dispatcher } from './dispatcher';
import { webhookDeliveries } from './webhook-deliveries';

export interface RunningOutbox {
  stop(): Promise<void>;
}

/**
 * What goes out of the OMS (SPEC section 6), sent from the worker processes: webhook deliveries and customer emails.
 * Both are recorded with the order's own writes; every worker runs the dispatchers, and they share the work. Without
 * an SMTP server (`OMS_SMTP_URL`), emails wait (`npm start` and `npm run cluster` run a local one).
 */
export function startOutbox(deps: {
  db: Db;
  settings: Pick<OutboundSettings, 'webhookRetryForMs' | 'smtpUrl' | 'mailFrom' | 'mailTemplatesDir' | 'publicUrl'>;
  logger: Logger;
  pollMs?: number;
}): RunningOutbox {
  const { db, settings, logger, pollMs } = deps;
  const onError = (error: unknown, context: string) =>
    logger.warn({ err: errorSummary(error) }, `outbox: ${context} failed; retrying`);
  const dispatchers: { start(): void; stop(): Promise<void> }[] = [
    new Dispatcher(webhookDeliveries(db, { retryForMs: settings.webhookRetryForMs }), { onError, pollMs }),
  ];
  const mailer = settings.smtpUrl ? createMailer({ smtpUrl: settings.smtpUrl, from: settings.mailFrom }) : undefined;
  if (mailer) {
    const renderer = createTemplateRenderer({ overrideDir: settings.mailTemplatesDir });
    for (const problem of renderer.validate()) logger.warn(`email templates: ${problem.message}`);
    const emails = customerEmails(db, { mailer, renderer, publicUrl: settings.publicUrl });
    dispatchers.push(new Dispatcher(emails, { onError, pollMs }));
  } else logger.info('OMS_SMTP_URL is not set: customer emails wait until a worker has a mail server');
  for (const dispatcher of dispatchers) dispatcher.start();
  return {
    async stop() {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
      mailer?.close();
    },
  };
}
