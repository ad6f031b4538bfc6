import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import {
  DomainError,
  DuplicateExternalIdError,
  NotFoundError,
  OrderRecoveringError,
  RuleViolationError,
  StateConflictError,
  type FieldError,
} from '../services/errors';

export type ProblemFieldError = FieldError;

const TITLES: Record<number, string> = {
  400: 'Malformed request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Request body too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/** An RFC 9457 problem: thrown anywhere in a route, answered as `application/problem+json`. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly errors: ProblemFieldError[] = [],
    readonly title = TITLES[status] ?? 'Error',
    /** RFC 9457 extension members, answered beside the standard ones (e.g. `existingOrderId`). */
    readonly extensions: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, errors: ProblemFieldError[] = []) => new HttpProblem(400, detail, errors);
export const notFound = (detail: string) => new HttpProblem(404, detail);
export const conflict = (detail: string, errors: ProblemFieldError[] = []) => new HttpProblem(409, detail, errors);
export const unprocessable = (detail: string, errors: ProblemFieldError[] = []) => new HttpProblem(422, detail, errors);

type RequestPart = 'body' | 'query' | 'params';

/** Parses a request part with a schema; a mismatch is a 400 naming every offending field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: RequestPart = 'body'): z.infer<S> {
  const result = tryParse(schema, value, where);
  if ('data' in result) return result.data;
  throw badRequest(
    `the request ${where} is not valid: ${result.errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`,
    result.errors,
  );
}

/** As `parse`, answering the offending fields instead of throwing (a batch row's errors are part of the answer). */
export function tryParse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: RequestPart = 'body',
): { data: z.infer<S> } | { errors: ProblemFieldError[] } {
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data };
  return {
    errors: result.error.issues.map((issue) => ({
      path: [where, ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  };
}

/** The status that answers each kind of refusal the services make; undefined for a kind this does not know. */
export function problemFromDomainError(error: DomainError): HttpProblem | undefined {
  if (error instanceof NotFoundError) return new HttpProblem(404, error.message, error.errors);
  if (error instanceof DuplicateExternalIdError)
    return new HttpProblem(409, error.message, error.errors, undefined, { existingOrderId: error.existingOrderId });
  if (error instanceof StateConflictError) return new HttpProblem(409, error.message, error.errors);
  if (error instanceof RuleViolationError) return new HttpProblem(422, error.message, error.errors);
  if (error instanceof OrderRecoveringError) return new HttpProblem(503, error.message, error.errors);
  return undefined;
}

/**
 * Turns the services' domain errors into problems before the request log sees them, so they are answered as the
 * client's, not logged as unexpected. An unknown kind stays an error of ours (500, logged).
 */
export const domainErrorsAsProblems: ErrorRequestHandler = (error, _req, _res, next) =>
  next((error instanceof DomainError && problemFromDomainError(error)) || error);

export function sendProblem(res: Parameters<RequestHandler>[1], problem: HttpProblem): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      ...problem.extensions,
      type: `/problems/${problem.status}`,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      errors: problem.errors,
    });
}

export const notFoundHandler: RequestHandler = (req, res) =>
  sendProblem(res, notFound(`no route ${req.method} ${req.path}`));

const megabytes = (bytes: number | undefined) => (bytes === undefined ? 'size' : `${+(bytes / 2 ** 20).toFixed(1)} MB`);

/** Turns every error into a problem: body-parser failures are the client's, anything unexpected is logged. */
export function errorHandler(log: (error: unknown) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (error instanceof HttpProblem) return sendProblem(res, error);
    const parserError = error as { type?: string; status?: number; message?: string; limit?: number };
    if (parserError.type === 'entity.parse.failed')
      return sendProblem(
        res,
        badRequest(`the body is not valid JSON: ${parserError.message}`, [{ path: 'body', message: 'invalid JSON' }]),
      );
    if (parserError.type === 'entity.too.large')
      return sendProblem(
        res,
        new HttpProblem(413, `the body is larger than the ${megabytes(parserError.limit)} limit`, [
          { path: 'body', message: 'too large' },
        ]),
      );
    if (parserError.status && parserError.status >= 400 && parserError.status < 500) {
      return sendProblem(
        res,
        new HttpProblem(parserError.status, parserError.message ?? 'bad request', [
          { path: 'body', message: parserError.message ?? 'rejected' },
        ]),
      );
    }
    if (isDatabaseUnavailable(error))
      return sendProblem(res, new HttpProblem(503, 'the database is unavailable; retry shortly'));
    log(error);
    return sendProblem(res, new HttpProblem(500, 'an unexpected error occurred; it has been logged'));
  };
}

/**
 * PostgreSQL down or restarting (refused or dropped connections, shutting down, starting up, no connection
 * from the pool in time): a 503 to retry, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, name, message } = (error ?? {}) as { code?: string; name?: string; message?: string };
  if (code && ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(code))
    return true;
  return name === 'KnexTimeoutError' || /Connection terminated|Connection ended unexpectedly/i.test(message ?? '');
}
