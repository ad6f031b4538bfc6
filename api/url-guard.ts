import type { RequestHandler } from 'express';
import { badRequest } from './problem';

/**
 * A NUL character (%00) in the path or the query is refused (400): PostgreSQL text cannot hold it, so a path
 * parameter such as `/v1/products/%00` would otherwise fail inside the lookup. Bodies are checked by their
 * schemas (`api/schemas.ts`).
 */
export const rejectNulInUrl: RequestHandler = (req, _res, next) => {
  if (/%00/.test(req.url))
    throw badRequest('the URL contains a NUL character (%00)', [
      { path: 'url', message: 'must not contain NUL characters' },
    ]);
  next();
};
