import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { CompanionRow } from '../db/orders';
import { RuleViolationError } from './errors';

/*
 * Idempotency keys as stored: each key, in its scope, names what its first request made and that request's
 * fingerprint. The header itself is read and checked by the API (api/idempotency-header.ts). Scopes are per caller
 * (the API key's ID) and per action (`orders:<id>`, `refund:<id>`, `receipts:<id>`, ...), so two callers, or one
 * caller's key for two actions, never meet.
 */

/** A request's Idempotency-Key and whose key it is: the ID of the API key that sent it. */
export interface RequestKey {
  key: string;
  callerId: string;
}

/** Where a caller's keys for one action live. */
export const keyScope = (action: string, { callerId }: RequestKey) => `${action}:${callerId}`;

/** The key as named in IDs made from it (Update IDs, refund IDs, movement keys): unique per caller. */
export const keyName = ({ callerId, key }: RequestKey) => `${callerId}:${key}`;

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
 * before when it is a retry. A key used before with another body is refused (a RuleViolationError naming the
 * header, answered 422): the rule on every route that takes an Idempotency-Key.
 */
export async function findIdempotencyKey(
  db: Knex,
  scope: string,
  key: string,
  requestHash: string,
): Promise<string | undefined> {
  const stored = await db('idempotency_keys').where({ scope, key }).first('request_hash', 'resource_id');
  return stored && keyResource(stored, requestHash);
}

/** A key as stored: its first request's fingerprint and what that request made. */
export interface StoredKey {
  key: string;
  request_hash: string;
  resource_id: string;
}

/** The keys of one scope that are stored, by key, in one round trip (the rows of a batch); see `keyResource`. */
export async function findIdempotencyKeys(
  db: Knex,
  scope: string,
  keys: readonly string[],
): Promise<Map<string, StoredKey>> {
  if (keys.length === 0) return new Map();
  const rows: StoredKey[] = await db('idempotency_keys')
    .where({ scope })
    .whereIn('key', keys)
    .select('key', 'request_hash', 'resource_id');
  return new Map(rows.map((row) => [row.key, row]));
}

/** What a stored key's first request made, when `requestHash` is that request's; another body is refused (422). */
export function keyResource(stored: Pick<StoredKey, 'request_hash' | 'resource_id'>, requestHash: string): string {
  if (stored.request_hash !== requestHash) {
    throw new RuleViolationError('this Idempotency-Key was used with a different request body', [
      { path: 'header.Idempotency-Key', message: 'reused with another body' },
    ]);
  }
  return stored.resource_id;
}

/** A key with its request's fingerprint, as the row written with what it names (see `insertOrder`). */
export function idempotencyKeyRow(scope: string, key: string, requestHash: string, resourceId: string): CompanionRow {
  return { table: 'idempotency_keys', row: { scope, key, request_hash: requestHash, resource_id: resourceId } };
}

/**
 * Binds a key to its first request before that request is acted on (an Update sent, a workflow started): the same
 * request again passes, and is acted on again under the same ID (the Temporal Update ID made from the key), which
 * answers as the first did; any other request with the key is refused (422, see findIdempotencyKey), however the
 * two race.
 */
export async function claimIdempotencyKey(
  db: Knex,
  scope: string,
  key: string,
  requestHash: string,
  resourceId: string,
): Promise<void> {
  const claimed = await db('idempotency_keys')
    .insert({ scope, key, request_hash: requestHash, resource_id: resourceId })
    .onConflict(['scope', 'key'])
    .ignore()
    .returning('key');
  if (claimed.length === 0) await findIdempotencyKey(db, scope, key, requestHash);
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
