import type { RequestHandler } from 'express';
import { recordAudit } from '../db/audit';
import type { Db } from '../db/connection';
import { routePatternOf } from '../observability/http';
import type { Logger } from '../observability/logger';
import { auditAction, auditDetail, auditTarget, MUTATING_METHODS, orderIdIn, pathParams } from './audit-entry';
import { actorOf } from './auth';
import { openApiDocument } from './openapi';

/** `POST /v1/orders/{id}/cancel` → `cancelOrder`, from the OpenAPI document (every /v1 route is in it). */
function documentedOperations(): Map<string, string> {
  const operations = new Map<string, string>();
  const paths = (openApiDocument().paths ?? {}) as Record<string, Record<string, { operationId?: unknown }>>;
  for (const [path, item] of Object.entries(paths))
    for (const [method, operation] of Object.entries(item))
      if (typeof operation?.operationId === 'string')
        operations.set(`${method.toUpperCase()} ${path}`, operation.operationId);
  return operations;
}

/**
 * The audit log of the API (SPEC section 6): every POST, PUT, PATCH or DELETE under /v1 that answers 2xx writes
 * one row once the answer is out: who (actorOf), the action, its target and order, and a redacted detail. It
 * knows no route: one added later is recorded as it is. Mounted after the request observability, whose route
 * pattern it reads. An audit write that fails is logged, never turned into an error for a change that was made.
 */
export function auditMutations({ db, logger }: { db: Db; logger: Logger }): RequestHandler {
  const log = logger.child({ component: 'audit' });
  let operations: Map<string, string> | undefined;

  return (req, res, next) => {
    if (!MUTATING_METHODS.has(req.method) || !req.path.startsWith('/v1/')) return next();
    // The answer names what a creation made (its id) and how the change came out (a status, a duplicate).
    let answer: unknown;
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      answer = body;
      return json(body);
    }) as typeof res.json;

    let seen = false;
    const record = () => {
      // 'finish' when the answer is out; 'close' also when the client left after the answer was begun.
      if (seen || !res.headersSent) return;
      seen = true;
      if (res.statusCode < 200 || res.statusCode > 299) return;
      const requestId = req.id === undefined ? null : String(req.id);
      try {
        const pattern = routePatternOf(req);
        const actor = actorOf(res);
        if (!pattern || !actor) {
          log.warn(
            { method: req.method, route: pattern ?? 'unmatched', requestId },
            'a change without a route or actor',
          );
          return;
        }
        operations ??= documentedOperations();
        const path = req.originalUrl.split('?')[0];
        const params = pathParams(pattern, path);
        const target = auditTarget(pattern, params, answer, req.body);
        const action = auditAction(req.method, pattern, operations);
        recordAudit(db, {
          actor,
          action,
          targetType: target.type,
          targetId: target.id,
          orderId: orderIdIn(answer),
          detail: auditDetail({
            body: req.body,
            params,
            result: answer,
            replayed: res.getHeader('idempotent-replayed') === 'true',
          }),
          status: res.statusCode,
          requestId,
        }).catch((error: unknown) =>
          log.error({ err: error, action, requestId }, 'audit write failed: the change was made but is not in the log'),
        );
      } catch (error) {
        // In an event listener, a throw would take the process down.
        log.error({ err: error, requestId }, 'audit entry failed: the change was made but is not in the log');
      }
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
