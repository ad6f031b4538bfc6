import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { CompanionRow } from '../db/orders';
import { badRequest, unprocessable } from './problem';
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

/** JSON with sorted keys, so the same request always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A request's fingerprint, stored with its key: a retry matches it, a reuse of the key for another body does not. */
export const requestHashOf = (request: unknown): string =>
  createHash('sha256').update(canonicalJson(request)).digest('hex');

/**
 * What a key was first used for in `scope`: undefined when it is new, the ID of what the same request made
 * before when it is a retry. A key used before with another body is refused (422 naming the header): the
 * rule on every route that takes an Idempotency-Key.
 */
export async function findIdempotencyKey(
  db: Knex,
  scope: string,
  key: string,
  requestHash: string,
): Promise<string | undefined> {
  const stored = await db('idempotency_keys').where({ scope, key }).first('request_hash', 'resource_id');
  if (!stored) return undefined;
  if (stored.request_hash !== requestHash) {
    throw unprocessable('this Idempotency-Key was used with a different request body', [
      { path: 'header.Idempotency-Key', message: 'reused with another body' },
    ]);
  }
  return stored.resource_id;
}

/** A key with its request's fingerprint, as the row written with what it names (see `insertOrder`). */
export function idempotencyKeyRow(scope: string, key: string, requestHash: string, resourceId: string): CompanionRow {
  return { table: 'idempotency_keys', row: { scope, key, request_hash: requestHash, resource_id: resourceId } };
}

/** Stores a key with its request's fingerprint, in the transaction that makes what it names. */
export async function storeIdempotencyKey(
  trx: Knex.Transaction,
  scope: string,
  key: string,
  requestHash: string,
  resourceId: string,
): Promise<void> {
  const { table, row } = idempotencyKeyRow(scope, key, requestHash, resourceId);
  await trx(table).insert(row);
}
