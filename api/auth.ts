import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { ApiKey, Role } from '../config';
import { HttpProblem } from './problem';

export interface Principal {
  role: Role;
  /** A short, non-secret name for the key, for logs and idempotency scopes. */
  keyId: string;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * Bearer API keys with roles. Keys are compared by their SHA-256 digest in constant time, so the plain keys
 * never need to stay in memory after start-up.
 */
export function createAuthenticator(apiKeys: readonly ApiKey[]) {
  const known = apiKeys.map(({ key, role }) => ({ digest: digest(key), role, keyId: digest(key).toString('hex').slice(0, 12) }));

  function identify(header: string | undefined): Principal | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return undefined;
    const presented = digest(match[1]);
    const entry = known.find((candidate) => timingSafeEqual(candidate.digest, presented));
    return entry && { role: entry.role, keyId: entry.keyId };
  }

  /** Requires a valid key (401 without one) whose role is listed (403 otherwise); admin may do anything. */
  function requireRole(...roles: Role[]): RequestHandler {
    return (req, res, next) => {
      const principal = identify(req.header('authorization'));
      if (!principal) throw new HttpProblem(401, 'send a valid API key as "Authorization: Bearer <key>"');
      if (roles.length > 0 && principal.role !== 'admin' && !roles.includes(principal.role)) {
        throw new HttpProblem(403, `role ${principal.role} may not do this; it needs ${roles.join(' or ')}`);
      }
      res.locals.principal = principal;
      next();
    };
  }

  return { identify, requireRole, anyRole: requireRole() };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

export const principalOf = (res: Response): Principal => res.locals.principal as Principal;
