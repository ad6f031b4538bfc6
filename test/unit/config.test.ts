import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson } from '../../api/place-order';
import { ConfigError, loadConfig, parseApiKeys } from '../../config';

describe('configuration', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'oms-config-'));

  it('uses the defaults of SPEC section 2', () => {
    const config = loadConfig({ OMS_DATA_DIR: dataDir() });
    expect(config).toMatchObject({ port: 3000, pgPort: 54320, temporalPort: 7233, temporalUiPort: 8233, temporalNamespace: 'default' });
    expect(config.orderSettings).toEqual({
      fulfillmentMode: 'auto',
      carrierDeliveryDelayMs: 10_000,
      approvalTimeoutMs: 48 * 3_600_000,
      backorderTimeoutMs: 14 * 86_400_000,
      returnWindowMs: 30 * 86_400_000,
    });
    expect(config.apiKeys.map((key) => key.role)).toEqual(['admin', 'sales', 'approver', 'support', 'warehouse', 'carrier']);
  });

  it('generates keys once per data directory and reuses them', () => {
    const dir = dataDir();
    expect(loadConfig({ OMS_DATA_DIR: dir }).apiKeys).toEqual(loadConfig({ OMS_DATA_DIR: dir }).apiKeys);
    expect(loadConfig({ OMS_DATA_DIR: dir }).apiKeys).not.toEqual(loadConfig({ OMS_DATA_DIR: dataDir() }).apiKeys);
  });

  it('parses OMS_API_KEYS and rejects unknown roles with a message naming the variable', () => {
    expect(parseApiKeys('a:admin, b:sales')).toEqual([{ key: 'a', role: 'admin' }, { key: 'b', role: 'sales' }]);
    expect(() => parseApiKeys('a:boss')).toThrow(/OMS_API_KEYS/);
  });

  it('chooses the payment provider: sandbox by default, stripe only with a key', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(loadConfig(env).paymentProvider).toEqual({ kind: 'sandbox' });
    expect(loadConfig({ ...env, OMS_PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_API_BASE: 'http://127.0.0.1:12111' }).paymentProvider).toEqual({ kind: 'stripe', secretKey: 'sk_test_1', apiBase: 'http://127.0.0.1:12111' });
    expect(() => loadConfig({ ...env, OMS_PAYMENT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ ...env, OMS_PAYMENT_PROVIDER: 'paypal' })).toThrow(ConfigError);
    expect(loadConfig({ ...env, OMS_SANDBOX_FAULTS: 'transient=0.2,timeoutAfterSuccess=0.05' }).sandboxFaults).toEqual({ transient: 0.2, timeoutAfterSuccess: 0.05 });
    expect(() => loadConfig({ ...env, OMS_SANDBOX_FAULTS: 'transient=2' })).toThrow(/OMS_SANDBOX_FAULTS/);
  });

  it('rejects bad durations, modes and ports with the variable name', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(() => loadConfig({ ...env, OMS_APPROVAL_TIMEOUT: '48' })).toThrow(/OMS_APPROVAL_TIMEOUT/);
    expect(() => loadConfig({ ...env, OMS_FULFILLMENT_MODE: 'robots' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, PORT: 'eighty' })).toThrow(/PORT/);
  });
});

describe('request fingerprints', () => {
  it('hash the same for the same content in any key order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });
});
