import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Authenticator } from './auth';
import { HttpProblem, sendProblem } from './problem';

/**
 * At most `perSecond` requests a second from each API key to this process (from each address, for requests without a
 * key it knows): a client stuck in a retry loop, or one integration's flood, cannot take the API from everyone else.
 * Counted before the body is read; the rest of the second is answered 429 with `Retry-After` and the `RateLimit`
 * headers (IETF draft 8). 0 lets everything through.
 */
export function rateLimitPerKey(perSecond: number, auth: Pick<Authenticator, 'identify'>): RequestHandler {
  if (perSecond === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 1_000,
    limit: perSecond,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'per-key',
    // Keys are what is counted; an address only for requests without one, so proxy headers need no warning.
    validate: { xForwardedForHeader: false, forwardedHeader: false },
    keyGenerator: (req) => {
      const principal = auth.identify(req.header('authorization'));
      return principal ? `key:${principal.keyId}` : `address:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (_req, res) =>
      sendProblem(
        res,
        new HttpProblem(
          429,
          `more than ${perSecond} requests a second from this key; send again after the Retry-After seconds`,
        ),
      ),
  });
}
