import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { ApiKey, Role } from '../config';
import type { AuditActor } from '../domain/audit';
import { HttpProblem } from './problem';

export interface Principal {
  role: Role;
  /** A short, non-secret name for the key, for logs and idempotency scopes. */
  keyId: string;
}

/** Finds an active stored key by the hex SHA-256 of the presented key (see db/api-keys.ts). */
export type StoredKeyLookup = (keySha256: string) => Promise<{ id: string; role: Role } | undefined>;

const digest = (key: string) => createHash('sha256').update(key).digest();

/** How long a stored key stays trusted without asking the database again (a revocation takes this long). */
const STORED_KEY_TTL_MS = 30_000;
const CACHE_LIMIT = 10_000;

/**
 * Bearer API keys with roles. Keys are only ever compared by their SHA-256 digest: the static keys
 * (`OMS_API_KEYS`, hashed here at load, in constant time) and the keys stored in the database (by digest;
 * a key created while the API runs works at once, a known one is cached for a short while).
 */
export function createAuthenticator(apiKeys: readonly ApiKey[], lookupStored?: StoredKeyLookup) {
  const known = apiKeys.map(({ key, role }) => ({
    digest: digest(key),
    role,
    keyId: digest(key).toString('hex').slice(0, 12),
  }));
  const cache = new Map<string, { principal: Principal; until: number }>();

  function bearer(header: string | undefined): Buffer | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    return match ? digest(match[1]) : undefined;
  }

  function identifyStatic(presented: Buffer): Principal | undefined {
    const entry = known.find((candidate) => timingSafeEqual(candidate.digest, presented));
    return entry && { role: entry.role, keyId: entry.keyId };
  }

  /** Static keys and recently seen stored keys only; `authenticate` also asks the database. */
  function identify(header: string | undefined): Principal | undefined {
    const presented = bearer(header);
    if (!presented) return undefined;
    const cached = cache.get(presented.toString('hex'));
    return identifyStatic(presented) ?? (cached && cached.until > Date.now() ? cached.principal : undefined);
  }

  async function authenticate(header: string | undefined): Promise<Principal | undefined> {
    const presented = bearer(header);
    if (!presented) return undefined;
    const quick = identify(header);
    if (quick || !lookupStored) return quick;
    const hex = presented.toString('hex');
    const stored = await lookupStored(hex);
    if (!stored) {
      cache.delete(hex);
      return undefined;
    }
    const principal = { role: stored.role, keyId: stored.id };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(hex, { principal, until: Date.now() + STORED_KEY_TTL_MS });
    return principal;
  }

  /** Requires a valid key (401 without one) whose role is listed (403 otherwise); admin may do anything. */
  function requireRole(...roles: Role[]): RequestHandler {
    return async (req, res, next) => {
      const principal = await authenticate(req.header('authorization'));
      if (!principal)
        throw new HttpProblem(
          401,
          'send a valid API key as "Authorization: Bearer <key>" (a new one: npx oms keys create --role <role>)',
        );
      if (roles.length > 0 && principal.role !== 'admin' && !roles.includes(principal.role)) {
        throw new HttpProblem(403, `role ${principal.role} may not do this; it needs ${roles.join(' or ')}`);
      }
      res.locals.principal = principal;
      next();
    };
  }

  return { identify, authenticate, requireRole, anyRole: requireRole() };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

export const principalOf = (res: Response): Principal => res.locals.principal as Principal;

/** Notes that the request was authenticated by the carrier's `X-OMS-Signature` rather than a key (its audit actor). */
export const markCarrierSignature = (res: Response): void => {
  res.locals.carrierSignature = true;
};

/** Who made the request, as the audit log names them: the key's id and role (never the key), or the signature. */
export function actorOf(res: Response): AuditActor | undefined {
  const principal = res.locals.principal as Principal | undefined;
  if (principal) return { type: 'api_key', id: principal.keyId, role: principal.role };
  if (res.locals.carrierSignature === true) return { type: 'carrier_signature' };
  return undefined;
}
