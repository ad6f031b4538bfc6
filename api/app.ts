import express from 'express';
import type { Client } from '@temporalio/client';
import type { OmsConfig } from '../config';
import type { Db } from '../db/connection';
import { createAuthenticator, type Authenticator } from './auth';
import { errorHandler, HttpProblem, notFoundHandler } from './problem';
import { catalogRoutes } from './routes/catalog';
import { fulfillmentRoutes } from './routes/fulfillment';
import { inventoryRoutes } from './routes/inventory';
import { orderRoutes } from './routes/orders';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: Pick<OmsConfig, 'apiKeys' | 'orderSettings' | 'temporalUiUrl' | 'temporalNamespace'>;
  auth: Authenticator;
  log: (error: unknown) => void;
}

/** A request that carries a body must say it is JSON (415 otherwise), so nothing is silently ignored. */
const requireJsonBodies: express.RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new HttpProblem(415, `send the body as application/json (got ${req.headers['content-type'] ?? 'no Content-Type'})`, [
      { path: 'header.Content-Type', message: 'must be application/json' },
    ]);
  }
  next();
};

export type ApiOptions = Omit<ApiDeps, 'auth' | 'log'> & { log?: (error: unknown) => void };

/** The REST API (SPEC section 4): thin routes over the database and the order workflows. */
export function createApp(options: ApiOptions): express.Express {
  const deps: ApiDeps = {
    ...options,
    auth: createAuthenticator(options.config.apiKeys),
    log: options.log ?? ((error) => console.error(error)),
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requireJsonBodies);
  app.use(express.json({ limit: '1mb', strict: true }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const checks = await Promise.all([
      deps.db.raw('select 1').then(() => 'ok', (error: Error) => error.message),
      deps.temporal.connection.workflowService.getSystemInfo({}).then(() => 'ok', (error: Error) => error.message),
    ]);
    const ready = checks.every((check) => check === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', postgres: checks[0], temporal: checks[1] });
  });

  app.use('/v1', catalogRoutes(deps));
  app.use('/v1/inventory', inventoryRoutes(deps));
  app.use('/v1/orders', orderRoutes(deps));
  app.use('/v1', fulfillmentRoutes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
