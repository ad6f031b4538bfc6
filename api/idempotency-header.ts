import type { Request, Response } from 'express';
import type { RequestKey } from '../services/idempotency-keys';
import { principalOf } from './auth';
import { badRequest } from './problem';
import { idempotencyKeySchema } from './schemas';

/**
 * The optional `Idempotency-Key` header, checked before it is stored: a key is a database key, so an empty
 * one or one longer than an index row can hold must be refused (400), not fail on insert.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.header('idempotency-key');
  if (key !== undefined && !idempotencyKeySchema.safeParse(key).success) {
    throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { path: 'header.Idempotency-Key', message: 'invalid' },
    ]);
  }
  return key;
}

/**
 * The request's Idempotency-Key with whose it is (the API key's ID): the services scope keys per caller and per
 * action, so the same key from two callers, or for two actions, names two requests. Undefined without the header.
 */
export function requestKeyOf(req: Request, res: Response): RequestKey | undefined {
  const key = idempotencyKeyOf(req);
  return key === undefined ? undefined : { key, callerId: principalOf(res).keyId };
}
