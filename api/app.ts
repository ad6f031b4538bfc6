import express from 'express';
import type { Client } from '@temporalio/client';
import { DEFAULT_API_RATE_LIMIT, type OmsConfig } from '../config';
import type { Db } from '../db/connection';
import { createHttpObservability } from '../observability/http';
import { isBatchRequest, jsonBodies } from './body-parsers';
import { rateLimitPerKey } from './rate-limit';
import { logger as processLogger, type Logger } from '../observability/logger';
import { findApiKey } from '../db/api-keys';
import { createServices } from '../services';
import { createOrderStarts, type OrderStarts } from '../services/order-starts';
import { createRestockStarts, type RestockStarts } from '../services/restock-starts';
import { auditMutations } from './audit';
import { createAuthenticator } from './auth';
import type { ApiDeps } from './deps';
import { domainErrorsAsProblems, errorHandler, HttpProblem, notFoundHandler } from './problem';
import { auditRoutes } from './routes/audit';
import { catalogRoutes } from './routes/catalog';
import { docsRoutes } from './routes/docs';
import { inventoryRoutes } from './routes/inventory';
import { invoiceRoutes } from './routes/invoices';
import { orderRoutes } from './routes/orders';
import { pageRoutes } from './routes/pages';
import { pickListRoutes } from './routes/pick-lists';
import { reportRoutes } from './routes/reports';
import { webhookRoutes } from './routes/webhooks';
import { notificationRoutes } from './routes/notifications';
import { meRoutes } from './routes/me';
import { returnRoutes } from './routes/returns';
import { shipmentRoutes } from './routes/shipments';
import { trackingRoutes } from './routes/tracking';
import { rejectNulInUrl } from './url-guard';

/** A request that carries a body must say it is JSON (or CSV for batch orders), so nothing is silently ignored. */
const requireBodyTypes: express.RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const csvAllowed = isBatchRequest(req);
  if (hasBody && !req.is('application/json') && !(csvAllowed && req.is('text/csv'))) {
    throw new HttpProblem(
      415,
      `send the body as application/json${csvAllowed ? ' or text/csv' : ''} (got ${req.headers['content-type'] ?? 'no Content-Type'})`,
      [
        {
          path: 'header.Content-Type',
          message: csvAllowed ? 'must be application/json or text/csv' : 'must be application/json',
        },
      ],
    );
  }
  next();
};

export interface ApiOptions {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: ApiDeps['config'] & Pick<OmsConfig, 'orderSettings'> & Partial<Pick<OmsConfig, 'apiRateLimit'>>;
  log?: (error: unknown) => void;
  /** Where request logs go (tests capture them); the process's JSON logger by default. */
  logger?: Logger;
  /** The order starter whose sweeper the caller runs; one of the app's own (no sweeper) by default. */
  orderStarts?: OrderStarts;
  /** The restock starter whose sweeper the caller runs; one of the app's own (no sweeper) by default. */
  restockStarts?: RestockStarts;
}

/** The REST API (SPEC section 4): routes that parse, authorize and answer; the services do the rest. */
export function createApp(options: ApiOptions): express.Express {
  const { db, temporal, taskQueue, config } = options;
  const logger = options.logger ?? processLogger;
  const observability = createHttpObservability({ db, logger });
  const log = options.log ?? observability.logError;
  const services = createServices({
    db,
    temporal,
    taskQueue,
    orderSettings: config.orderSettings,
    orderStarts: options.orderStarts ?? createOrderStarts({ db, temporal, taskQueue, logger }),
    restockStarts: options.restockStarts ?? createRestockStarts({ db, temporal, taskQueue, logger }),
    logError: log,
  });
  const deps: ApiDeps = {
    db,
    config,
    auth: createAuthenticator(config.apiKeys, (sha256) => findApiKey(db, sha256)),
    services,
    log,
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observability.requests);
  app.use('/v1', rateLimitPerKey(config.apiRateLimit ?? DEFAULT_API_RATE_LIMIT, deps.auth));
  // Every successful change under /v1 is one audit row: after `requests`, whose route pattern it reads.
  app.use(auditMutations({ db, logger }));
  app.use(requireBodyTypes);
  app.use(rejectNulInUrl);
  app.use(jsonBodies);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const checks = await Promise.all([
      db.raw('select 1').then(
        () => 'ok',
        (error: Error) => error.message,
      ),
      temporal.connection.workflowService.getSystemInfo({}).then(
        () => 'ok',
        (error: Error) => error.message,
      ),
    ]);
    const ready = checks.every((check) => check === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', postgres: checks[0], temporal: checks[1] });
  });
  app.get('/metrics', observability.metrics);

  app.use(docsRoutes());
  app.use('/v1', catalogRoutes(deps));
  app.use('/v1/inventory', inventoryRoutes(deps));
  app.use('/v1/orders', orderRoutes(deps));
  app.use('/v1', pickListRoutes(deps));
  app.use('/v1', shipmentRoutes(deps));
  app.use('/v1', invoiceRoutes(deps));
  app.use('/v1', trackingRoutes(deps));
  app.use('/v1', reportRoutes(deps));
  app.use('/v1', returnRoutes(deps));
  app.use('/v1', webhookRoutes(deps));
  app.use('/v1', notificationRoutes(deps));
  app.use('/v1', meRoutes(deps));
  app.use('/v1', auditRoutes(deps));
  app.use(pageRoutes()); // /console and /track/:trackingNumber

  app.use(notFoundHandler);
  app.use(domainErrorsAsProblems);
  app.use(observability.unexpectedErrors);
  app.use(errorHandler(deps.log));
  return app;
}
