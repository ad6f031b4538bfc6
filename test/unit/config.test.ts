import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson } from '../../services/idempotency-keys';
import { ConfigError, parseApiKeys, parseConfig } from '../../config';
import { apiClientSettings } from '../../config/cli';
import { fuzzSettings } from '../../config/fuzz';
import { logLevelFromEnv, loggerSettings } from '../../config/logging';
import { forgetLegacyApiKeys, legacyApiKeys, withDataDirSecrets } from '../../config/secrets';
import { toolSettings } from '../../config/tools';

describe('configuration', () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'oms-config-'));
  const loadConfig = (env: Record<string, string>) => withDataDirSecrets(parseConfig(env));

  it('uses the defaults of SPEC section 2', () => {
    const config = parseConfig({ OMS_DATA_DIR: dataDir() });
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
      deliveryTimeoutMs: 30 * 86_400_000,
      returnReceiptTimeoutMs: 30 * 86_400_000,
      holdTimeoutMs: 7 * 86_400_000,
      riskRules: { firstOrderLimit: 100_000, foreignDestination: true },
    });
    expect(parseConfig({ OMS_HOLD_TIMEOUT: '2h' }).orderSettings.holdTimeoutMs).toBe(2 * 3_600_000);
    expect(parseConfig({ OMS_RISK_FIRST_ORDER_LIMIT: '5000' }).orderSettings.riskRules?.firstOrderLimit).toBe(5000);
    expect(parseConfig({ OMS_RISK_RULES: 'off' }).orderSettings.riskRules).toBeUndefined();
    expect(() => parseConfig({ OMS_RISK_RULES: 'maybe' })).toThrow(/OMS_RISK_RULES/);
    expect(() => parseConfig({ OMS_RISK_FIRST_ORDER_LIMIT: '10.5' })).toThrow(/OMS_RISK_FIRST_ORDER_LIMIT/);
    expect(config.outbound).toEqual({
      webhookRetryForMs: 24 * 3_600_000,
      smtpUrl: undefined,
      localSmtpPort: 0,
      mailFrom: 'OMS <orders@oms.localhost>',
      mailTemplatesDir: undefined,
      publicUrl: 'http://localhost:3000',
    });
    // Generated keys live hashed in the database (npm start creates them); the config holds OMS_API_KEYS only.
    expect(config.apiKeys).toEqual([]);
    expect(config.workflowBundlePath).toBeUndefined();
    expect(parseConfig({ OMS_WORKFLOW_BUNDLE: '/tmp/bundle.js' }).workflowBundlePath).toBe('/tmp/bundle.js');
  });

  it('parses without writing: the secrets the environment leaves out stay unset until asked for', () => {
    const dir = dataDir();
    const parsed = parseConfig({ OMS_DATA_DIR: dir });
    expect([parsed.carrierWebhookSecret, parsed.codecKeys]).toEqual([undefined, undefined]);
    expect(existsSync(path.join(dir, 'secrets.json'))).toBe(false);
    const config = withDataDirSecrets(parsed);
    expect(config.carrierWebhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(config.codecKeys).toHaveLength(1);
    expect(existsSync(path.join(dir, 'secrets.json'))).toBe(true);
  });

  it('takes secrets the environment gives over the data directory, and then writes nothing', () => {
    const dir = dataDir();
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({ OMS_DATA_DIR: dir, OMS_CARRIER_WEBHOOK_SECRET: 'hook', OMS_CODEC_KEYS: `k1:${key}` });
    expect(config.carrierWebhookSecret).toBe('hook');
    expect(config.codecKeys).toEqual([{ id: 'k1', key: Buffer.alloc(32, 7) }]);
    expect(existsSync(path.join(dir, 'secrets.json'))).toBe(false);
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
    expect(parseConfig(env).paymentProvider).toEqual({ kind: 'sandbox' });
    expect(
      parseConfig({
        ...env,
        OMS_PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_1',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
      }).paymentProvider,
    ).toEqual({ kind: 'stripe', secretKey: 'sk_test_1', apiBase: 'http://127.0.0.1:12111' });
    expect(() => parseConfig({ ...env, OMS_PAYMENT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => parseConfig({ ...env, OMS_PAYMENT_PROVIDER: 'paypal' })).toThrow(ConfigError);
    expect(parseConfig({ ...env, OMS_SANDBOX_FAULTS: 'transient=0.2,timeoutAfterSuccess=0.05' }).sandboxFaults).toEqual(
      {
        transient: 0.2,
        timeoutAfterSuccess: 0.05,
      },
    );
    expect(() => parseConfig({ ...env, OMS_SANDBOX_FAULTS: 'transient=2' })).toThrow(/OMS_SANDBOX_FAULTS/);
  });

  it('rejects bad durations, modes and ports with the variable name', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(() => parseConfig({ ...env, OMS_APPROVAL_TIMEOUT: '48' })).toThrow(/OMS_APPROVAL_TIMEOUT/);
    expect(() => parseConfig({ ...env, OMS_FULFILLMENT_MODE: 'robots' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...env, PORT: 'eighty' })).toThrow(/PORT/);
    expect(parseConfig(env).dbPoolMax).toBe(10);
    expect(parseConfig({ ...env, OMS_DB_POOL_MAX: '25' }).dbPoolMax).toBe(25);
    expect(() => parseConfig({ ...env, OMS_DB_POOL_MAX: '0' })).toThrow(/OMS_DB_POOL_MAX/);
  });

  it('runs the background processes 10 lower in CPU priority than the API unless OMS_BACKGROUND_NICENESS says', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(parseConfig(env).backgroundNiceness).toBe(10);
    expect(parseConfig({ ...env, OMS_BACKGROUND_NICENESS: '0' }).backgroundNiceness).toBe(0);
    expect(() => parseConfig({ ...env, OMS_BACKGROUND_NICENESS: '20' })).toThrow(/OMS_BACKGROUND_NICENESS/);
    expect(() => parseConfig({ ...env, OMS_BACKGROUND_NICENESS: '-5' })).toThrow(/OMS_BACKGROUND_NICENESS/);
  });

  it('limits the requests a second of each API key only when OMS_RATE_LIMIT sets a number above 0', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(parseConfig(env).apiRateLimit).toBe(0);
    expect(parseConfig({ ...env, OMS_RATE_LIMIT: '0' }).apiRateLimit).toBe(0);
    expect(parseConfig({ ...env, OMS_RATE_LIMIT: '500' }).apiRateLimit).toBe(500);
    expect(() => parseConfig({ ...env, OMS_RATE_LIMIT: '2.5' })).toThrow(/OMS_RATE_LIMIT must be a whole number/);
    expect(() => parseConfig({ ...env, OMS_RATE_LIMIT: '-1' })).toThrow(/OMS_RATE_LIMIT/);
  });

  it('keeps workflow stack traces off unless OMS_WORKFLOW_STACK_TRACES=on', () => {
    const env = { OMS_DATA_DIR: dataDir() };
    expect(parseConfig(env).workflowStackTraces).toBe(false);
    expect(parseConfig({ ...env, OMS_WORKFLOW_STACK_TRACES: 'on' }).workflowStackTraces).toBe(true);
    expect(() => parseConfig({ ...env, OMS_WORKFLOW_STACK_TRACES: 'true' })).toThrow(/OMS_WORKFLOW_STACK_TRACES/);
  });

  it('lowers the CPU priority of the worker process and of the threads it starts after', () => {
    const script = [
      "const { lowerCpuPriority } = require('./worker/cpu-priority');",
      "const os = require('node:os');",
      "const { Worker } = require('node:worker_threads');",
      'const before = os.getPriority();',
      'lowerCpuPriority(5);',
      "const thread = new Worker(\"require('node:worker_threads').parentPort.postMessage(require('node:os').getPriority())\", { eval: true });",
      "thread.on('message', (inThread) => { console.log(JSON.stringify({ before, after: os.getPriority(), inThread })); thread.terminate(); });",
    ].join('\n');
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--eval', script], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    const { before, after, inThread } = JSON.parse(output) as { before: number; after: number; inThread: number };
    expect(after).toBe(Math.min(19, before + 5));
    expect(inThread).toBe(after);
  });
});

describe('request fingerprints', () => {
  it('hash the same for the same content in any key order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });
});

describe('settings of the other processes, read from the environment in config/ only', () => {
  it('reads OMS_LOG_LEVEL for the JSON logger and the Temporal SDK', () => {
    expect(logLevelFromEnv('info', { OMS_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFromEnv('info', { OMS_LOG_LEVEL: 'loud' })).toBe('info');
    expect(logLevelFromEnv('silent', {})).toBe('silent');
    expect(loggerSettings({})).toEqual({ level: 'info', temporalSdkLevel: 'WARN' });
    expect(loggerSettings({ OMS_LOG_LEVEL: 'debug' })).toEqual({ level: 'debug', temporalSdkLevel: 'DEBUG' });
    // Only the exact `debug` lets the SDK's debug lines through, as before.
    expect(loggerSettings({ OMS_LOG_LEVEL: ' Debug ' })).toEqual({ level: 'debug', temporalSdkLevel: 'WARN' });
    expect(loggerSettings({ OMS_LOG_LEVEL: 'silent' })).toEqual({ level: 'silent', temporalSdkLevel: 'WARN' });
    expect(loggerSettings({ OMS_LOG_LEVEL: 'loud' })).toEqual({
      level: 'info',
      unknownLevel: 'loud',
      temporalSdkLevel: 'WARN',
    });
  });

  it('reads where tools are found and built', () => {
    const home = os.homedir();
    expect(toolSettings({})).toEqual({
      temporalCli: undefined,
      searchPath: [],
      cacheHome: path.join(home, '.cache'),
      dockerConfigDir: path.join(home, '.docker'),
    });
    expect(
      toolSettings({
        TEMPORAL_CLI: '/opt/temporal',
        PATH: ['/usr/bin', '', '/bin'].join(path.delimiter),
        XDG_CACHE_HOME: '/var/cache',
        DOCKER_CONFIG: '/etc/docker-cli',
      }),
    ).toEqual({
      temporalCli: '/opt/temporal',
      searchPath: ['/usr/bin', '/bin'],
      cacheHome: '/var/cache',
      dockerConfigDir: '/etc/docker-cli',
    });
  });

  it('reads the API and key of the CLI, and the settings of the fuzzer', () => {
    expect(apiClientSettings({})).toEqual({ url: undefined, key: undefined });
    expect(apiClientSettings({ OMS_API_URL: 'http://api:3000', OMS_API_KEY: 'k' })).toEqual({
      url: 'http://api:3000',
      key: 'k',
    });
    expect(fuzzSettings({})).toEqual({
      maxExamples: '20',
      seed: undefined,
      workers: '1',
      cacheDir: path.join(os.homedir(), '.cache', 'oms'),
      ci: false,
    });
    expect(
      fuzzSettings({
        OMS_FUZZ_EXAMPLES: '300',
        OMS_FUZZ_SEED: '1',
        OMS_FUZZ_WORKERS: '2',
        OMS_CACHE_DIR: '/c',
        CI: 'true',
      }),
    ).toEqual({ maxExamples: '300', seed: '1', workers: '2', cacheDir: '/c', ci: true });
  });
});
