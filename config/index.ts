import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseSandboxFaults, type SandboxFaults } from '../adapters/payments/sandbox';
import { formatDuration, parseDuration } from '../domain/duration';
import { DEFAULT_WAIT_LIMITS, FULFILLMENT_MODES, type FulfillmentMode, type OrderSettings } from '../domain/order';
import { parseCodecKeys, type CodecKey } from '../temporal/codec';
import { DEFAULT_RISK_RULES, type RiskRules } from '../domain/risk';
import type { Env } from './env';

/**
 * No limit unless `OMS_RATE_LIMIT` sets one: the API accepts a burst of orders faster than the worker runs them (the
 * bench's 400 from one key came at 159 a second) and keeps them durably, so a default limit would refuse a flash sale.
 */
export const DEFAULT_API_RATE_LIMIT = 0;

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
  /** `OMS_CODEC_KEYS`: payload encryption keys, the current one first; generated once per data dir when unset. */
  codecKeys: CodecKey[];
  /** The codec server that decodes payloads for the Temporal UI (`OMS_CODEC_HOST`, `OMS_CODEC_PORT`, `OMS_CODEC_CORS_ORIGINS`). */
  codecServer: { host: string; port: number; corsOrigins: string[] };
  /** `TEMPORAL_API_KEY`: Temporal Cloud API key (turns TLS on). */
  temporalApiKey?: string;
  /** `TEMPORAL_TLS_*`: TLS to an external cluster; any of them turns TLS on, cert and key together give mTLS. */
  temporalTls?: TemporalTlsSettings;
  /**
   * `TEMPORAL_GRPC_COMPRESSION` (`none`; `gzip`): whether the worker gzips its gRPC traffic with Temporal. The SDK
   * would by default; near the server it costs both sides CPU for small messages (bench: about 4 % of the server's).
   */
  temporalGrpcCompression: 'none' | 'gzip';
  /** `OMS_WORKER_METRICS_PORT`: where `npm run worker` serves its Prometheus `/metrics` (`npm start` has them on the API's). */
  workerMetricsPort: number;
  /** `OMS_WORKFLOW_BUNDLE`: a prebuilt workflow bundle (`bundleWorkflowCode`) the worker loads instead of bundling. */
  workflowBundlePath?: string;
  /** `OMS_API_PROCESSES`: API processes sharing `port` (node:cluster); unset, 1 for `npm run api`, 2 for `npm run cluster`. */
  apiProcesses?: number;
  /** `OMS_CLUSTER_WORKERS`: the workers `npm run cluster` runs (2). */
  clusterWorkers: number;
  /**
   * `OMS_BACKGROUND_NICENESS`: how much lower the CPU priority of a worker process of its own, and of the embedded
   * Temporal dev server, is than the API's (10; 0 keeps them equal), so requests are answered first on a busy machine.
   */
  backgroundNiceness: number;
  /**
   * `OMS_WORKFLOW_STACK_TRACES` (`off`; `on` to debug): whether the Web UI's "Stack Trace" tab shows where a running
   * order waits. Off saves about a tenth of an order's CPU (worker/workflow-thread-preload.cjs applies it).
   */
  workflowStackTraces: boolean;
  /** `OMS_RATE_LIMIT`: requests a second each API key may send to one API process (0, the default: no limit). */
  apiRateLimit: number;
  /** Events out and customer emails (SPEC section 6). */
  outbound: OutboundSettings;
}

export interface OutboundSettings {
  /** `OMS_WEBHOOK_RETRY_FOR`: how long a failing webhook delivery is retried (24h). */
  webhookRetryForMs: number;
  /** `OMS_SMTP_URL`; unset, `npm start` runs a local SMTP server that keeps the messages. */
  smtpUrl?: string;
  /** `OMS_SMTP_PORT`: the local SMTP server's port when `OMS_SMTP_URL` is unset (a free one by default). */
  localSmtpPort: number;
  /** Set once a local SMTP server runs: where it keeps the messages. */
  localMailDir?: string;
  /** `OMS_MAIL_FROM`: the sender of customer emails. */
  mailFrom: string;
  /** `OMS_MAIL_TEMPLATES`: a directory whose template files replace the built-in ones. */
  mailTemplatesDir?: string;
  /** `OMS_PUBLIC_URL`: where customers reach the tracking page (emails link to it); the API's own URL by default. */
  publicUrl: string;
}

/** The secrets a data directory generates when the environment does not give them (config/secrets.ts). */
export type GeneratedSecret = 'carrierWebhookSecret' | 'codecKeys';

/**
 * The configuration as the environment gives it: everything but the secrets it leaves out, which
 * `withDataDirSecrets` (config/secrets.ts) takes from the data directory, generating them once.
 */
export type ParsedConfig = Omit<OmsConfig, GeneratedSecret> & Partial<Pick<OmsConfig, GeneratedSecret>>;

export interface TemporalTlsSettings {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
}

export type { Env } from './env';

export class ConfigError extends Error {}

/**
 * Parses and checks the settings of SPEC section 2 from `env`, and writes nothing: secrets the environment leaves
 * out stay unset here (see ParsedConfig). A bad value is a ConfigError naming its variable.
 */
export function parseConfig(env: Env = process.env): ParsedConfig {
  const dataDir = path.resolve(env.OMS_DATA_DIR ?? '.oms-data');
  const temporalPort = integer(env, 'TEMPORAL_PORT', 7233);
  const temporalUiPort = integer(env, 'TEMPORAL_UI_PORT', 8233);
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
    carrierWebhookSecret: env.OMS_CARRIER_WEBHOOK_SECRET || undefined,
    sandboxFaults: configValue(() => parseSandboxFaults(env.OMS_SANDBOX_FAULTS)),
    paymentProvider: paymentProvider(env),
    orderSettings: {
      fulfillmentMode: fulfillmentMode(env.OMS_FULFILLMENT_MODE ?? 'auto'),
      carrierDeliveryDelayMs: duration(env, 'OMS_CARRIER_DELIVERY_DELAY', '10s'),
      approvalTimeoutMs: duration(env, 'OMS_APPROVAL_TIMEOUT', '48h'),
      backorderTimeoutMs: duration(env, 'OMS_BACKORDER_TIMEOUT', '14d'),
      returnWindowMs: duration(env, 'OMS_RETURN_WINDOW', '30d'),
      deliveryTimeoutMs: duration(env, 'OMS_DELIVERY_TIMEOUT', formatDuration(DEFAULT_WAIT_LIMITS.deliveryTimeoutMs)),
      returnReceiptTimeoutMs: duration(
        env,
        'OMS_RETURN_RECEIPT_TIMEOUT',
        formatDuration(DEFAULT_WAIT_LIMITS.returnReceiptTimeoutMs),
      ),
      holdTimeoutMs: duration(env, 'OMS_HOLD_TIMEOUT', formatDuration(DEFAULT_WAIT_LIMITS.holdTimeoutMs)),
      riskRules: riskRules(env),
    },
    codecKeys: env.OMS_CODEC_KEYS ? configValue(() => parseCodecKeys(env.OMS_CODEC_KEYS!)) : undefined,
    codecServer: {
      host: env.OMS_CODEC_HOST || '127.0.0.1',
      port: integer(env, 'OMS_CODEC_PORT', 8234),
      corsOrigins: env.OMS_CODEC_CORS_ORIGINS
        ? env.OMS_CODEC_CORS_ORIGINS.split(',')
            .map((origin) => origin.trim())
            .filter(Boolean)
        : uiOrigins(env.TEMPORAL_UI_URL || `http://localhost:${temporalUiPort}`),
    },
    temporalApiKey: env.TEMPORAL_API_KEY || undefined,
    temporalTls: temporalTls(env),
    temporalGrpcCompression: grpcCompression(env),
    workerMetricsPort: integer(env, 'OMS_WORKER_METRICS_PORT', 9464),
    workflowBundlePath: env.OMS_WORKFLOW_BUNDLE || undefined,
    apiProcesses: env.OMS_API_PROCESSES ? processCount(env, 'OMS_API_PROCESSES') : undefined,
    clusterWorkers: processCount(env, 'OMS_CLUSTER_WORKERS'),
    backgroundNiceness: niceness(env, 'OMS_BACKGROUND_NICENESS', 10),
    workflowStackTraces: onOff(env, 'OMS_WORKFLOW_STACK_TRACES', 'off'),
    apiRateLimit: rateLimit(env, 'OMS_RATE_LIMIT', DEFAULT_API_RATE_LIMIT),
    outbound: {
      webhookRetryForMs: duration(env, 'OMS_WEBHOOK_RETRY_FOR', '24h'),
      smtpUrl: env.OMS_SMTP_URL || undefined,
      localSmtpPort: integer(env, 'OMS_SMTP_PORT', 0),
      mailFrom: env.OMS_MAIL_FROM || 'OMS <orders@oms.localhost>',
      mailTemplatesDir: env.OMS_MAIL_TEMPLATES ? path.resolve(env.OMS_MAIL_TEMPLATES) : undefined,
      publicUrl: (env.OMS_PUBLIC_URL || `http://localhost:${integer(env, 'PORT', 3000)}`).replace(/\/$/, ''),
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

/** The Temporal UI's origin, under both names of the loopback host, for the codec server's CORS. */
function uiOrigins(uiUrl: string): string[] {
  const origin = configValue(() => new URL(uiUrl).origin);
  const alias = origin.includes('//localhost')
    ? origin.replace('//localhost', '//127.0.0.1')
    : origin.replace('//127.0.0.1', '//localhost');
  return [...new Set([origin, alias])];
}

function temporalTls(env: Env): TemporalTlsSettings | undefined {
  const settings: TemporalTlsSettings = {
    certPath: env.TEMPORAL_TLS_CERT_PATH || undefined,
    keyPath: env.TEMPORAL_TLS_KEY_PATH || undefined,
    caPath: env.TEMPORAL_TLS_CA_PATH || undefined,
    serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
  };
  if (!Object.values(settings).some(Boolean)) return undefined;
  if (!settings.certPath !== !settings.keyPath)
    throw new ConfigError(
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together (mTLS client certificate and its key)',
    );
  for (const [name, file] of [
    ['TEMPORAL_TLS_CERT_PATH', settings.certPath],
    ['TEMPORAL_TLS_KEY_PATH', settings.keyPath],
    ['TEMPORAL_TLS_CA_PATH', settings.caPath],
  ]) {
    if (file && !existsSync(file)) throw new ConfigError(`${name}: no file at ${file}`);
  }
  return settings;
}

function paymentProvider(env: Env): OmsConfig['paymentProvider'] {
  const kind = env.OMS_PAYMENT_PROVIDER || 'sandbox';
  if (kind === 'sandbox') return { kind };
  if (kind !== 'stripe') throw new ConfigError(`OMS_PAYMENT_PROVIDER must be sandbox or stripe, got "${kind}"`);
  if (!env.STRIPE_SECRET_KEY) throw new ConfigError('OMS_PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY');
  return { kind, secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE || undefined };
}

/** Runs a parser of another module, its error becoming a ConfigError. */
export function configValue<T>(read: () => T): T {
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
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new ConfigError(`${name} must be a port number, got "${raw}"`);
  return value;
}

function niceness(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 19)
    throw new ConfigError(`${name} must be a whole number from 0 (no change) to 19 (lowest priority), got "${raw}"`);
  return value;
}

function rateLimit(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000)
    throw new ConfigError(`${name} must be a whole number of requests a second (0 for no limit), got "${raw}"`);
  return value;
}

function processCount(env: Env, name: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return 2;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 32)
    throw new ConfigError(`${name} must be a number of processes from 1 to 32, got "${raw}"`);
  return value;
}

function poolSize(env: Env): number {
  const raw = env.OMS_DB_POOL_MAX;
  if (raw === undefined || raw === '') return 10;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw new ConfigError(`OMS_DB_POOL_MAX must be a whole number from 1 to 1000, got "${raw}"`);
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

function grpcCompression(env: Env): OmsConfig['temporalGrpcCompression'] {
  const codec = env.TEMPORAL_GRPC_COMPRESSION || 'none';
  if (codec !== 'none' && codec !== 'gzip')
    throw new ConfigError(`TEMPORAL_GRPC_COMPRESSION must be none or gzip, got "${codec}"`);
  return codec;
}

function onOff(env: Env, name: string, fallback: 'on' | 'off'): boolean {
  const switched = env[name] ?? fallback;
  if (switched !== 'on' && switched !== 'off') throw new ConfigError(`${name} must be on or off, got "${switched}"`);
  return switched === 'on';
}

/** `OMS_RISK_FIRST_ORDER_LIMIT` (minor units) and `OMS_RISK_RULES` (`on`, or `off` for load tests and imports). */
function riskRules(env: Env): RiskRules | undefined {
  if (!onOff(env, 'OMS_RISK_RULES', 'on')) return undefined;
  const raw = env.OMS_RISK_FIRST_ORDER_LIMIT;
  const limit = raw === undefined || raw === '' ? DEFAULT_RISK_RULES.firstOrderLimit : Number(raw);
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new ConfigError(`OMS_RISK_FIRST_ORDER_LIMIT must be a whole number of minor units, got "${raw}"`);
  return { ...DEFAULT_RISK_RULES, firstOrderLimit: limit };
}
