import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import { Counter, Histogram, Registry } from 'prom-client';
import { HttpProblem } from '../api/problem';
import type { Db } from '../db/connection';
import { registerBusinessMetrics } from './business-metrics';
import { errorSummary, findOrderId, type Logger } from './logger';
import { processMetricsText } from './process-metrics';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Probes and scrapes come every few seconds: logged at debug so they do not drown the requests that matter. */
const PROBES = new Set(['/health', '/ready', '/metrics']);
const ROUTE = Symbol('oms.route');

type ObservedRequest = Request & { [ROUTE]?: string };

/**
 * Remembers the route pattern (`/v1/orders/:id`) as express matches it. Read at the end of the request,
 * `req.route` and `req.baseUrl` are no longer reliable (an error passed to `next` unwinds the routers and
 * resets the base), so the pattern is taken at the moment express assigns the route.
 */
function captureRoute(req: ObservedRequest): void {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      // `router.post('/')` mounted at `/v1/orders` is the route `/v1/orders`.
      if (typeof path === 'string') req[ROUTE] = `${req.baseUrl}${path}`.replace(/(.)\/$/, '$1');
    },
  });
}

/** The route pattern express matched (`/v1/orders/:id`), once `requests` has seen the request; else undefined. */
export const routePatternOf = (req: Request): string | undefined => (req as ObservedRequest)[ROUTE];

/** The pattern for metric labels and log lines; never the raw path, whose IDs would make every request a new series. */
const routeOf = (req: Request): string => routePatternOf(req) ?? 'unmatched';

/** The path as logged: no query string, and no tracking numbers (they let anyone read an order's status). */
const loggedPath = (req: Request): string => req.originalUrl.split('?')[0].replace(/TRK-[0-9A-Z]+/g, 'TRK-[redacted]');

export interface HttpObservability {
  /** Request logs (pino-http) and HTTP metrics; first in the chain. */
  requests: RequestHandler[];
  /** `GET /metrics`: this API's metrics, the process's (worker steps, Node.js) and the Temporal SDK's. */
  metrics: RequestHandler;
  /** Puts an unexpected error on its request's log line; just before the problem+json error handler. */
  unexpectedErrors: ErrorRequestHandler;
  /** Logs an unexpected error not already on a request's log line (e.g. a failed batch row). */
  logError: (error: unknown) => void;
}

/** Logs and metrics of one API instance. */
export function createHttpObservability({ db, logger }: { db: Db; logger: Logger }): HttpObservability {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requestsTotal = new Counter({
    name: 'oms_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'oms_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  registerBusinessMetrics(registry, db, logger);
  const apiLogger = logger.child({ component: 'api' });

  const measure: RequestHandler = (req, res, next) => {
    const started = performance.now();
    captureRoute(req);
    res.once('close', () => {
      const labels = {
        method: METHODS.has(req.method) ? req.method : 'OTHER',
        route: routeOf(req),
        status: String(res.statusCode),
      };
      requestsTotal.inc(labels);
      requestDuration.observe(labels, (performance.now() - started) / 1000);
    });
    next();
  };

  const log = pinoHttp<Request, Response>({
    logger: apiLogger,
    // The serializers get the raw objects: only what is listed here is logged (no headers, no bodies).
    wrapSerializers: false,
    serializers: {
      req: (req: Request) => ({ id: req.id, method: req.method, path: loggedPath(req) }),
      res: (res: Response) => ({ status: res.statusCode }),
      err: errorSummary,
    },
    customAttributeKeys: { responseTime: 'durationMs' },
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customProps: (req) => {
      const orderId = findOrderId(req.originalUrl);
      return orderId ? { orderId } : {};
    },
    customLogLevel: (req, res, error) => {
      const probe = PROBES.has(loggedPath(req));
      if (error || res.err) return 'error';
      if (res.statusCode >= 500) return probe ? 'warn' : 'error'; // a 503 from /ready is news, not a bug
      return probe ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    // A created order is named by the Location header (`POST /v1/orders` has no ID in its path).
    customSuccessObject: (req, res, value: object) => {
      const created = findOrderId(req.originalUrl) ? undefined : findOrderId(String(res.getHeader('location') ?? ''));
      return { ...value, route: routeOf(req), ...(created ? { orderId: created } : {}) };
    },
    // Without a thrown error pino-http makes one up ("failed with status code 503"): the status says that already.
    customErrorObject: (req, res, error, value: Record<string, unknown>) => {
      const { err, ...rest } = value;
      return { ...rest, ...(res.err === error ? { err } : {}), route: routeOf(req) };
    },
  });

  const onRequestLine = new WeakSet<object>();
  return {
    requests: [measure, log],
    async metrics(_req, res) {
      const [own, shared] = await Promise.all([registry.metrics(), processMetricsText()]);
      res.type(registry.contentType).send(`${own}\n${shared}`);
    },
    unexpectedErrors(error, _req, res, next) {
      // Problems and body-parser rejections are the client's; anything else is ours.
      const status = (error as { status?: unknown }).status;
      const expected = error instanceof HttpProblem || (typeof status === 'number' && status < 500);
      if (!expected && error && typeof error === 'object') {
        res.err = error as Error;
        onRequestLine.add(error);
      }
      next(error);
    },
    logError(error) {
      if (!(error && typeof error === 'object' && onRequestLine.has(error)))
        apiLogger.error({ err: error }, 'unexpected error');
    },
  };
}
