import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson } from '../../services/idempotency-keys';
import { ConfigError, forgetLegacyApiKeys, legacyApiKeys, loadConfig, parseApiKeys } from '../../config';

describe('configuration', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'oms-config-'));

  it('uses the defaults of SPEC section 2', () => {
    const config = loadConfig({ OMS_DATA_DIR: dataDir() });
    expect(config).toMatchObject({
      port: 3000,
      pgPort: 54320,
      temporalPort: 7233,
      temporalUiPort: 8233,
      temporalNamespace: 'default',
    });
    expect(config.orderSettings).toEqual({
      fulfillmentMode: 'auto',
      carrierDeliveryDelayMs: 10_000,
      approvalTimeoutMs: 48 * 3_600_000,
      backorderTimeoutMs: 14 * 86_400_000,
      returnWindowMs: 30 * 86_400_000,
    });
    // Generated keys live hashed in the database (npm start creates them); the config holds OMS_API_KEYS only.
    expect(config.apiKeys).toEqual([]);
  });

  it('generates the webhook secret once per data directory and keeps no API key in the secrets file', () => {
    const dir = dataDir();
    expect(loadConfig({ OMS_DATA_DIR: dir }).carrierWebhookSecret).toEqual(
      loadConfig({ OMS_DATA_DIR: dir }).carrierWebhookSecret,
    );
    expect(loadConfig({ OMS_DATA_DIR: dir }).carrierWebhookSecret).not.toEqual(
      loadConfig({ OMS_DATA_DIR: dataDir() }).carrierWebhookSecret,
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'))).not.toHaveProperty('apiKeys');
    expect(legacyApiKeys(dir)).toEqual([]);
  });

  it('finds the plain keys an older data directory kept, and forgets them without touching the other secrets', () => {
    const dir = dataDir();
    const secrets = { apiKeys: [{ key: 'oms_sales_0123', role: 'sales' }], carrierWebhookSecret: 'hook' };
    writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(secrets));
    expect(legacyApiKeys(dir)).toEqual(secrets.apiKeys);
    forgetLegacyApiKeys(dir);
    expect(legacyApiKeys(dir)).toEqual([]);
    expect(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).not.toContain('oms_sales_0123');
    expect(loadConfig({ OMS_DATA_DIR: dir }).carrierWebhookSecret).toBe('hook');
  });

  it('parses OMS_API_KEYS and rejects unknown roles with a message naming the variable', () => {
    expect(parseApiKeys('a:admin, b:sales')).toEqual([
      { key: 'a', role: 'admin' },
      { key: 'b', role: 'sales' },
    ]);
    expect(() => parseApiKeys('a:boss')).toThrow(/OMS_API_KEYS/);
  });

  it('chooses the payment provider: sandbox by default, stripe only with a key', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(loadConfig(env).paymentProvider).toEqual({ kind: 'sandbox' });
    expect(
      loadConfig({
        ...env,
        OMS_PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_1',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
      }).paymentProvider,
    ).toEqual({ kind: 'stripe', secretKey: 'sk_test_1', apiBase: 'http://127.0.0.1:12111' });
    expect(() => loadConfig({ ...env, OMS_PAYMENT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ ...env, OMS_PAYMENT_PROVIDER: 'paypal' })).toThrow(ConfigError);
    expect(loadConfig({ ...env, OMS_SANDBOX_FAULTS: 'transient=0.2,timeoutAfterSuccess=0.05' }).sandboxFaults).toEqual({
      transient: 0.2,
      timeoutAfterSuccess: 0.05,
    });
    expect(() => loadConfig({ ...env, OMS_SANDBOX_FAULTS: 'transient=2' })).toThrow(/OMS_SANDBOX_FAULTS/);
  });

  it('rejects bad durations, modes and ports with the variable name', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(() => loadConfig({ ...env, OMS_APPROVAL_TIMEOUT: '48' })).toThrow(/OMS_APPROVAL_TIMEOUT/);
    expect(() => loadConfig({ ...env, OMS_FULFILLMENT_MODE: 'robots' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, PORT: 'eighty' })).toThrow(/PORT/);
    expect(loadConfig(env).dbPoolMax).toBe(10);
    expect(loadConfig({ ...env, OMS_DB_POOL_MAX: '25' }).dbPoolMax).toBe(25);
    expect(() => loadConfig({ ...env, OMS_DB_POOL_MAX: '0' })).toThrow(/OMS_DB_POOL_MAX/);
  });
});

describe('request fingerprints', () => {
  it('hash the same for the same content in any key order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });
});
