import { createHash, randomBytes } from 'node:crypto';
import { ROLES, type ApiKey, type Role } from '../config';
import type { AuditActor } from '../domain/audit';
import { recordAudit } from './audit';
import type { Db } from './connection';

/**
 * API keys are random 192-bit secrets, so one SHA-256 is enough to store them (a slow password hash only
 * helps against guessable secrets). Only the digest, the role and a non-secret id are kept; the key itself
 * is shown once, when it is created.
 */
export const keySha256 = (key: string): string => createHash('sha256').update(key).digest('hex');

/** The id of a key that has none built in (OMS_API_KEYS, keys adopted from old data dirs): a digest prefix. */
export const digestKeyId = (key: string): string => keySha256(key).slice(0, 12);

export interface CreatedApiKey {
  /** Non-secret, the key's own prefix: what logs and `oms keys list` show. */
  id: string;
  role: Role;
  /** The secret: shown once, never stored. */
  key: string;
}

export interface StoredApiKey {
  id: string;
  role: Role;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** Keys change outside any request (the CLI, the first start): the system made the change. */
const SYSTEM: AuditActor = { type: 'system' };

/**
 * `oms_<role>_<8 hex>` is the id, `_<48 hex>` the secret after it. Recorded in the audit log by `actor` in the same
 * transaction (by its id, role and label: never the key).
 */
export async function createApiKey(db: Db, role: Role, label?: string, actor = SYSTEM): Promise<CreatedApiKey> {
  if (!ROLES.includes(role)) throw new Error(`unknown role "${role}"; roles: ${ROLES.join(', ')}`);
  const id = `oms_${role}_${randomBytes(4).toString('hex')}`;
  const key = `${id}_${randomBytes(24).toString('hex')}`;
  await db.transaction(async (trx) => {
    await trx('api_keys').insert({ id, role, key_sha256: keySha256(key), label: label ?? null });
    await recordAudit(trx, {
      actor,
      action: 'createApiKey',
      targetType: 'api_key',
      targetId: id,
      detail: { role, ...(label === undefined ? {} : { label }) },
    });
  });
  return { id, role, key };
}

/** The active key with this digest, if any. */
export async function findApiKey(db: Db, sha256: string): Promise<{ id: string; role: Role } | undefined> {
  const row = await db('api_keys').where({ key_sha256: sha256 }).whereNull('revoked_at').first('id', 'role');
  return row && { id: row.id, role: row.role as Role };
}

export async function listApiKeys(db: Db): Promise<StoredApiKey[]> {
  const rows = await db('api_keys')
    .orderBy('created_at')
    .orderBy('id')
    .select('id', 'role', 'label', 'created_at', 'revoked_at');
  return rows.map((row) => ({
    id: row.id,
    role: row.role as Role,
    label: row.label,
    createdAt: new Date(row.created_at).toISOString(),
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  }));
}

/** True when an active key was revoked (and recorded in the audit log by `actor`). */
export async function revokeApiKey(db: Db, id: string, actor = SYSTEM): Promise<boolean> {
  return db.transaction(async (trx) => {
    const revoked = await trx('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    if (revoked === 0) return false;
    await recordAudit(trx, { actor, action: 'revokeApiKey', targetType: 'api_key', targetId: id });
    return true;
  });
}

/**
 * One key per role when the database has never had any: `npm start` shows them once. Locked, so two
 * processes starting at once do not both create a set.
 */
export async function createInitialApiKeys(db: Db): Promise<CreatedApiKey[]> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['oms:api_keys:initial']);
    const [{ count }] = await trx('api_keys').count<{ count: string }[]>({ count: '*' });
    if (Number(count) > 0) return [];
    const created: CreatedApiKey[] = [];
    for (const role of ROLES)
      created.push(await createApiKey(trx, role, 'first start', { type: 'system', id: 'first-start' }));
    return created;
  });
}

/**
 * Stores the digests of plain keys (an old data dir's secrets.json kept them in plain), with their old
 * digest-prefix ids so idempotency scopes stay the same. Importing twice changes nothing.
 */
export async function importApiKeys(db: Db, keys: readonly ApiKey[], label: string): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = keys.map(({ key, role }) => ({ id: digestKeyId(key), role, key_sha256: keySha256(key), label }));
  return db.transaction(async (trx) => {
    const inserted: { id: string }[] = await trx('api_keys')
      .insert(rows)
      .onConflict('key_sha256')
      .ignore()
      .returning('id');
    for (const { id } of inserted)
      await recordAudit(trx, {
        actor: SYSTEM,
        action: 'importApiKey',
        targetType: 'api_key',
        targetId: id,
        detail: { label },
      });
    return inserted.length;
  });
}

/** Whether any key could authenticate (active in the database). */
export async function hasActiveApiKeys(db: Db): Promise<boolean> {
  return Boolean(await db('api_keys').whereNull('revoked_at').first('id'));
}
