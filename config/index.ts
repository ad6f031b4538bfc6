import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSandboxFaults, type SandboxFaults } from '../adapters/payments/sandbox';
import { parseDuration } from '../domain/duration';
import { FULFILLMENT_MODES, type FulfillmentMode, type OrderSettings } from '../domain/order';

export const ROLES = ['admin', 'sales', 'approver', 'support', 'warehouse', 'carrier'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  key: string;
  role: Role;
}

/** Everything the processes read from the environment (SPEC section 2), parsed and checked once. */
export interface OmsConfig {
  port: number;
  dataDir: string;
  /** Unset: `npm start` runs an embedded PostgreSQL on `pgPort`. */
  databaseUrl?: string;
  pgPort: number;
  /** `OMS_DB_POOL_MAX`: PostgreSQL connections per API or worker process. */
  dbPoolMax: number;
  /** Unset: `npm start` runs a Temporal dev server on `temporalPort`. */
  temporalAddress?: string;
  temporalNamespace: string;
  temporalPort: number;
  temporalUiPort: number;
  /** Where operators open an order's history; defaults to the dev server's UI. */
  temporalUiUrl: string;
  /** `OMS_API_KEYS` only; generated and created keys are stored hashed in the database (db/api-keys.ts). */
  apiKeys: ApiKey[];
  carrierWebhookSecret: string;
  /** `OMS_SANDBOX_FAULTS`: the sandbox payment provider's fault mode (chaos runs); none by default. */
  sandboxFaults: SandboxFaults;
  /** `OMS_PAYMENT_PROVIDER`: `sandbox` (default) or `stripe` (with `STRIPE_SECRET_KEY`, optional `STRIPE_API_BASE`). */
  paymentProvider: { kind: 'sandbox' } | { kind: 'stripe'; secretKey: string; apiBase?: string };
  orderSettings: OrderSettings;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

export function loadConfig(env: Env = process.env): OmsConfig {
  const dataDir = path.resolve(env.OMS_DATA_DIR ?? '.oms-data');
  const temporalPort = integer(env, 'TEMPORAL_PORT', 7233);
  const temporalUiPort = integer(env, 'TEMPORAL_UI_PORT', 8233);
  const needsSecrets = !env.OMS_CARRIER_WEBHOOK_SECRET;
  const secrets = needsSecrets ? loadOrCreateSecrets(dataDir) : undefined;
  return {
    port: integer(env, 'PORT', 3000),
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    pgPort: integer(env, 'OMS_PG_PORT', 54320),
    dbPoolMax: poolSize(env),
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalPort,
    temporalUiPort,
    temporalUiUrl: (env.TEMPORAL_UI_URL || `http://localhost:${temporalUiPort}`).replace(/\/$/, ''),
    apiKeys: env.OMS_API_KEYS ? parseApiKeys(env.OMS_API_KEYS) : [],
    carrierWebhookSecret: env.OMS_CARRIER_WEBHOOK_SECRET || secrets!.carrierWebhookSecret,
    sandboxFaults: configValue(() => parseSandboxFaults(env.OMS_SANDBOX_FAULTS)),
    paymentProvider: paymentProvider(env),
    orderSettings: {
      fulfillmentMode: fulfillmentMode(env.OMS_FULFILLMENT_MODE ?? 'auto'),
      carrierDeliveryDelayMs: duration(env, 'OMS_CARRIER_DELIVERY_DELAY', '10s'),
      approvalTimeoutMs: duration(env, 'OMS_APPROVAL_TIMEOUT', '48h'),
      backorderTimeoutMs: duration(env, 'OMS_BACKORDER_TIMEOUT', '14d'),
      returnWindowMs: duration(env, 'OMS_RETURN_WINDOW', '30d'),
    },
  };
}

/** `key:role,key:role` as in `OMS_API_KEYS`. */
export function parseApiKeys(text: string): ApiKey[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const separator = entry.lastIndexOf(':');
      const key = entry.slice(0, separator);
      const role = entry.slice(separator + 1) as Role;
      if (separator <= 0 || !ROLES.includes(role)) {
        throw new ConfigError(`OMS_API_KEYS: "${entry}" must be key:role with role one of ${ROLES.join(', ')}`);
      }
      return { key, role };
    });
}

interface Secrets {
  /** Only in data dirs from before API keys were stored hashed (in the database, db/api-keys.ts). */
  apiKeys?: ApiKey[];
  carrierWebhookSecret: string;
}

/** The carrier webhook secret, generated once per data directory. */
function loadOrCreateSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const secrets: Secrets = {
    carrierWebhookSecret: randomBytes(32).toString('hex'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Plain API keys an older version kept in secrets.json; `npm start` moves their digests into the database. */
export function legacyApiKeys(dataDir: string): ApiKey[] {
  const file = path.join(dataDir, 'secrets.json');
  return existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as Secrets).apiKeys ?? []) : [];
}

/** Removes the plain keys from secrets.json once their digests are stored. */
export function forgetLegacyApiKeys(dataDir: string): void {
  const file = path.join(dataDir, 'secrets.json');
  const { apiKeys: _plain, ...rest } = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  writeFileSync(file, JSON.stringify(rest, null, 2), { mode: 0o600 });
}

function paymentProvider(env: Env): OmsConfig['paymentProvider'] {
  const kind = env.OMS_PAYMENT_PROVIDER || 'sandbox';
  if (kind === 'sandbox') return { kind };
  if (kind !== 'stripe') throw new ConfigError(`OMS_PAYMENT_PROVIDER must be sandbox or stripe, got "${kind}"`);
  if (!env.STRIPE_SECRET_KEY) throw new ConfigError('OMS_PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY');
  return { kind, secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE || undefined };
}

function configValue<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new ConfigError(`${name} must be a port number, got "${raw}"`);
  return value;
}

function poolSize(env: Env): number {
  const raw = env.OMS_DB_POOL_MAX;
  if (raw === undefined || raw === '') return 10;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new ConfigError(`OMS_DB_POOL_MAX must be a whole number from 1 to 1000, got "${raw}"`);
  return value;
}

function duration(env: Env, name: string, fallback: string): number {
  try {
    return parseDuration(env[name] || fallback);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

function fulfillmentMode(raw: string): FulfillmentMode {
  if (!FULFILLMENT_MODES.includes(raw as FulfillmentMode)) {
    throw new ConfigError(`OMS_FULFILLMENT_MODE must be one of ${FULFILLMENT_MODES.join(', ')}, got "${raw}"`);
  }
  return raw as FulfillmentMode;
}
