import type { Request } from 'express';
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
 * The Update's ID from the request's Idempotency-Key, scoped by action: Temporal applies an Update ID once per
 * workflow run and answers a repeat with the first outcome, so a client retrying after a lost answer (a worker
 * died mid-request, a 503) gets one refund or return, not two. Without the header each request is a new Update.
 */
export function updateIdFrom(req: Request, action: string): string | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key))
    throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { path: 'header.Idempotency-Key', message: 'invalid' },
    ]);
  return `${action}:${key}`;
}
