import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The `encoding` of a payload this codec encrypted (Temporal's convention for encrypted payloads). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so rotated keys still decrypt old histories. */
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CodecKey {
  id: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

export class CodecKeyError extends Error {}

/**
 * `keyId:base64key,keyId:base64key` as in `OMS_CODEC_KEYS`: the first key encrypts, every key decrypts.
 * Throws with a message naming the variable and the bad entry.
 */
export function parseCodecKeys(text: string): CodecKey[] {
  const keys = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const separator = entry.indexOf(':');
      const id = entry.slice(0, separator);
      const key = Buffer.from(entry.slice(separator + 1), 'base64');
      if (separator <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
        throw new CodecKeyError(
          `OMS_CODEC_KEYS: "${id || entry.slice(0, 8)}…" must be keyId:base64key with a key ID of letters, digits, dot, dash or underscore`,
        );
      }
      if (key.length !== 32)
        throw new CodecKeyError(
          `OMS_CODEC_KEYS: key "${id}" must be 32 bytes in base64 (openssl rand -base64 32), got ${key.length}`,
        );
      return { id, key };
    });
  if (keys.length === 0) throw new CodecKeyError('OMS_CODEC_KEYS: at least one keyId:base64key is needed');
  const ids = keys.map((entry) => entry.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new CodecKeyError(`OMS_CODEC_KEYS: key ID "${duplicate}" is listed twice`);
  return keys;
}

/** The inverse of {@link parseCodecKeys}. */
export function formatCodecKeys(keys: CodecKey[]): string {
  return keys.map(({ id, key }) => `${id}:${key.toString('base64')}`).join(',');
}

/** A fresh key with a random ID, for a data directory that has none yet. */
export function generateCodecKey(): CodecKey {
  return { id: `oms-${randomBytes(4).toString('hex')}`, key: randomBytes(32) };
}

/**
 * AES-256-GCM over the whole serialized payload (data and metadata), so the encoding and the JSON inside
 * are both hidden. Data is `iv | ciphertext | tag`; the key ID is authenticated as additional data.
 * Payloads that are not encrypted (histories written before the codec existed) pass through `decode`.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: CodecKey;

  /** Random IVs are drawn a few hundred at a time: one call into the system's random source per batch, not per payload. */
  private ivPool = Buffer.alloc(0);

  private nextIv(): Buffer {
    if (this.ivPool.length < IV_BYTES) this.ivPool = randomBytes(IV_BYTES * 256);
    const iv = this.ivPool.subarray(0, IV_BYTES);
    this.ivPool = this.ivPool.subarray(IV_BYTES);
    return iv;
  }

  constructor(keys: CodecKey[]) {
    if (keys.length === 0) throw new CodecKeyError('the payload codec needs at least one key');
    this.current = keys[0];
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const keyId = Buffer.from(this.current.id);
    const iv = this.nextIv();
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(keyId);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: keyId },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const rawKeyId = payload.metadata?.[KEY_ID_METADATA];
    if (!rawKeyId) throw new CodecKeyError(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const keyId = Buffer.from(rawKeyId).toString();
    const key = this.keys.get(keyId);
    if (!key) {
      throw new CodecKeyError(
        `a payload is encrypted with key "${keyId}", which is not among the configured keys (${[...this.keys.keys()].join(', ')}); add it to OMS_CODEC_KEYS after the current key`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new CodecKeyError(`an encrypted payload (key "${keyId}") is too short to be valid`);
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new CodecKeyError(
        `an encrypted payload (key "${keyId}") failed authentication: it was altered or encrypted with another key of that ID`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}
