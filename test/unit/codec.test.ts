import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { parseConfig } from '../../config';
import { withDataDirSecrets } from '../../config/secrets';
import {
  CodecKeyError,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  formatCodecKeys,
  generateCodecKey,
  KEY_ID_METADATA,
  parseCodecKeys,
} from '../../temporal/codec';
import { temporalConnectionOptions } from '../../temporal/connect';

/** As the processes load it: the environment, then the data directory's secrets for what it leaves out. */
const loadConfig = (env: Record<string, string>) => withDataDirSecrets(parseConfig(env));
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString();
const customer = { name: 'Zebulon Quaxworthy', email: 'zebulon@quax.example', address: { line1: '17 Quincunx Lane' } };

describe('payload encryption codec', () => {
  const oldKey = generateCodecKey();
  const newKey = generateCodecKey();
  const payload = (): Payload => defaultPayloadConverter.toPayload(customer)!;

  it('round trips a payload and hides its data and encoding', async () => {
    const codec = new EncryptionCodec([oldKey]);
    const [encrypted] = await codec.encode([payload()]);
    expect(text(encrypted.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted.metadata![KEY_ID_METADATA])).toBe(oldKey.id);
    expect(text(encrypted.data)).not.toContain('Zebulon');
    expect(text(encrypted.data)).not.toContain('json/plain');
    const [decrypted] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decrypted)).toEqual(customer);
    // A fresh IV per payload: the same value never encrypts to the same bytes.
    const [again] = await codec.encode([payload()]);
    expect(Buffer.from(again.data!).equals(Buffer.from(encrypted.data!))).toBe(false);
  });

  it('still decrypts payloads of an older key after a new current key is added', async () => {
    const [old] = await new EncryptionCodec([oldKey]).encode([payload()]);
    const rotated = new EncryptionCodec([newKey, oldKey]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual(customer);
    const [fresh] = await rotated.encode([payload()]);
    expect(text(fresh.metadata![KEY_ID_METADATA])).toBe(newKey.id);
    await expect(new EncryptionCodec([oldKey]).decode([fresh])).rejects.toThrow(`key "${newKey.id}"`);
  });

  it('detects a payload altered in storage', async () => {
    const codec = new EncryptionCodec([oldKey]);
    const [encrypted] = await codec.encode([payload()]);
    const data = Buffer.from(encrypted.data!);
    data[20] ^= 0x01;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow(/failed authentication/);
    // Relabelled to another key ID (present in the key ring): the ID is authenticated too.
    const relabelled = { ...encrypted, metadata: { ...encrypted.metadata, [KEY_ID_METADATA]: Buffer.from(newKey.id) } };
    await expect(new EncryptionCodec([newKey, oldKey]).decode([relabelled])).rejects.toThrow(/failed authentication/);
    await expect(codec.decode([{ ...encrypted, data: data.subarray(0, 10) }])).rejects.toThrow(/too short/);
  });

  it('names an unknown key and what to do', async () => {
    const [encrypted] = await new EncryptionCodec([oldKey]).encode([payload()]);
    const attempt = new EncryptionCodec([newKey]).decode([encrypted]);
    await expect(attempt).rejects.toThrow(CodecKeyError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `key "${oldKey.id}", which is not among the configured keys \\(${newKey.id}\\); add it to OMS_CODEC_KEYS`,
      ),
    );
  });

  it('passes payloads that were never encrypted through decode', async () => {
    const plain = payload();
    expect(await new EncryptionCodec([oldKey]).decode([plain])).toEqual([plain]);
  });
});

describe('OMS_CODEC_KEYS', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'oms-codec-'));
  const key = Buffer.alloc(32, 7).toString('base64');

  it('parses keyId:base64key lists, current key first, and rejects bad entries by name', () => {
    expect(parseCodecKeys(`k2:${key}, k1:${key}`).map((entry) => entry.id)).toEqual(['k2', 'k1']);
    expect(() => parseCodecKeys('k1:c2hvcnQ=')).toThrow(/"k1" must be 32 bytes/);
    expect(() => parseCodecKeys(`:${key}`)).toThrow(/OMS_CODEC_KEYS/);
    expect(() => parseCodecKeys(`k1:${key},k1:${key}`)).toThrow(/listed twice/);
    expect(() => parseCodecKeys(' , ')).toThrow(/at least one/);
    expect(() => loadConfig({ OMS_DATA_DIR: dataDir(), OMS_CODEC_KEYS: 'nope' })).toThrow(/OMS_CODEC_KEYS/);
  });

  it('is generated once per data directory, beside the other secrets, and kept across loads', () => {
    const dir = dataDir();
    const first = loadConfig({ OMS_DATA_DIR: dir });
    expect(first.codecKeys).toHaveLength(1);
    expect(first.codecKeys[0].key).toHaveLength(32);
    const stored = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
    expect(stored.codecKeys).toBe(formatCodecKeys(first.codecKeys));
    expect(stored.carrierWebhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.apiKeys).toBeUndefined(); // API keys are kept hashed in the database, never here
    expect(loadConfig({ OMS_DATA_DIR: dir }).codecKeys).toEqual(first.codecKeys);
    expect(loadConfig({ OMS_DATA_DIR: dataDir() }).codecKeys).not.toEqual(first.codecKeys);
  });

  it('is added to a secrets file written before the codec existed, keeping what it holds', () => {
    const dir = dataDir();
    const earlier = loadConfig({ OMS_DATA_DIR: dir });
    const file = path.join(dir, 'secrets.json');
    const { codecKeys: _dropped, ...withoutCodec } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...withoutCodec, somethingElse: 1 }));
    const later = loadConfig({ OMS_DATA_DIR: dir });
    expect(later.apiKeys).toEqual(earlier.apiKeys);
    expect(later.codecKeys).toHaveLength(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).somethingElse).toBe(1);
  });

  it('takes the configured keys over the generated ones', () => {
    expect(loadConfig({ OMS_DATA_DIR: dataDir(), OMS_CODEC_KEYS: `k1:${key}` }).codecKeys).toEqual([
      { id: 'k1', key: Buffer.alloc(32, 7) },
    ]);
  });
});

describe('Temporal connection settings', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'oms-tls-'));

  it('connects in plain text to the dev server, with TLS and the API key to Temporal Cloud', () => {
    const plain = loadConfig({ OMS_DATA_DIR: dataDir() });
    expect(temporalConnectionOptions(plain, 'localhost:7233')).toEqual({ address: 'localhost:7233' });
    const cloud = loadConfig({
      OMS_DATA_DIR: dataDir(),
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_API_KEY: 'secret-key',
    });
    expect(temporalConnectionOptions(cloud, cloud.temporalAddress!)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: {},
      apiKey: 'secret-key',
    });
  });

  it('reads mTLS files, the CA and the server name; cert and key go together', () => {
    const dir = dataDir();
    for (const name of ['client.pem', 'client.key', 'ca.pem']) writeFileSync(path.join(dir, name), `${name} contents`);
    const config = loadConfig({
      OMS_DATA_DIR: dir,
      TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
      TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const { tls } = temporalConnectionOptions(config, 'temporal:7233');
    expect(tls?.serverNameOverride).toBe('temporal.internal');
    expect(text(tls?.serverRootCACertificate)).toBe('ca.pem contents');
    expect(text(tls?.clientCertPair?.crt)).toBe('client.pem contents');
    expect(text(tls?.clientCertPair?.key)).toBe('client.key contents');
    expect(() => loadConfig({ OMS_DATA_DIR: dir, TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem') })).toThrow(
      /go together/,
    );
    expect(() => loadConfig({ OMS_DATA_DIR: dir, TEMPORAL_TLS_CA_PATH: path.join(dir, 'missing.pem') })).toThrow(
      /TEMPORAL_TLS_CA_PATH: no file/,
    );
  });
});
