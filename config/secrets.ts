import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatCodecKeys, generateCodecKey, parseCodecKeys, type CodecKey } from '../temporal/codec';
import { configValue, type ApiKey, type OmsConfig, type ParsedConfig } from './index';

/*
 * The secrets a data directory generates for itself (`secrets.json`): the carrier webhook secret and the payload
 * codec keys, used when the environment does not set OMS_CARRIER_WEBHOOK_SECRET or OMS_CODEC_KEYS. Reading and
 * writing them is apart from parsing the environment (config/index.ts), so only the processes that need them
 * (`npm start`, the worker, the API, the codec server) touch the disk.
 */

interface Secrets {
  /** Only in data dirs from before API keys were stored hashed (in the database, db/api-keys.ts). */
  apiKeys?: ApiKey[];
  carrierWebhookSecret: string;
}

/** The configuration with the secrets the environment left out taken from the data directory, made there once. */
export function withDataDirSecrets(config: ParsedConfig): OmsConfig {
  const carrierWebhookSecret = config.carrierWebhookSecret ?? loadOrCreateSecrets(config.dataDir).carrierWebhookSecret;
  const codecKeys = config.codecKeys ?? loadOrCreateCodecKeys(config.dataDir);
  return { ...config, carrierWebhookSecret, codecKeys };
}

/**
 * The generated secrets of a data directory (carrier webhook secret, payload codec keys), made once. Processes that
 * start together on a fresh directory (the bench's worker and API) race to make them: each writes its own to a file
 * of its own and links it into place, which only one can do, and everyone reads the one that won.
 */
function loadOrCreateSecretsFile(dataDir: string): Record<string, unknown> {
  const file = path.join(dataDir, 'secrets.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const fresh = {
      carrierWebhookSecret: randomBytes(32).toString('hex'),
      codecKeys: formatCodecKeys([generateCodecKey()]),
    };
    const mine = `${file}.${process.pid}.tmp`;
    writeFileSync(mine, JSON.stringify(fresh, null, 2), { mode: 0o600 });
    try {
      linkSync(mine, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(mine);
    }
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The carrier webhook secret, generated once per data directory. */
function loadOrCreateSecrets(dataDir: string): Secrets {
  return loadOrCreateSecretsFile(dataDir) as unknown as Secrets;
}

/**
 * The payload codec keys stored beside the other generated secrets. Every process of one data directory shares
 * them; separate machines need `OMS_CODEC_KEYS`. A file from before codec keys gets them added (replaced whole).
 */
function loadOrCreateCodecKeys(dataDir: string): CodecKey[] {
  const file = path.join(dataDir, 'secrets.json');
  const stored = loadOrCreateSecretsFile(dataDir);
  if (typeof stored.codecKeys === 'string') return configValue(() => parseCodecKeys(stored.codecKeys as string));
  const keys = [generateCodecKey()];
  const mine = `${file}.${process.pid}.tmp`;
  writeFileSync(mine, JSON.stringify({ ...stored, codecKeys: formatCodecKeys(keys) }, null, 2), { mode: 0o600 });
  renameSync(mine, file);
  return keys;
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
