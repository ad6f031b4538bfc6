import path from 'node:path';
import { ConfigError, ROLES, type OmsConfig } from '../../config';
import { forgetLegacyApiKeys, legacyApiKeys } from '../../config/secrets';
import { createInitialApiKeys, importApiKeys, type CreatedApiKey } from '../../db/api-keys';
import { createDb } from '../../db/connection';
import { migrateToLatest } from '../../db/migrate';
import { seedDemo } from '../../db/seed-demo';
import { startLocalSmtpServer } from '../../notifications/local-smtp-server';

/**
 * What `npm start` and `npm run cluster` share: bringing the database up to date, the summary they print, and
 * stopping what they started when asked or when the start fails.
 */
export class Startup {
  private readonly stops: { name: string; stop: () => Promise<void> }[] = [];
  private stoppingNow = false;
  private readonly startedAt = Date.now();

  constructor() {
    process.on('SIGINT', () => void this.shutdown('SIGINT'));
    process.on('SIGTERM', () => void this.shutdown('SIGTERM'));
  }

  /** Set once Ctrl-C or a failure stops everything: processes that exit then are not started again. */
  get stopping(): boolean {
    return this.stoppingNow;
  }

  /** A progress line with the time since the start. */
  step(message: string): void {
    console.log(`[oms] ${message} (${((Date.now() - this.startedAt) / 1000).toFixed(1)}s)`);
  }

  /** Stopped newest first (PostgreSQL, started first, last). */
  started(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop });
  }

  async shutdown(reason: string, exitCode = 0): Promise<void> {
    if (this.stoppingNow) return;
    this.stoppingNow = true;
    const names = this.stops.map((entry) => entry.name).reverse();
    if (names.length > 0) console.log(`\n[oms] ${reason}: stopping ${names.join(', ')}...`);
    for (const { name, stop } of this.stops.splice(0).reverse())
      await stop().catch((error: unknown) => console.error(`[oms] stopping ${name} failed: ${String(error)}`));
    if (exitCode === 0) console.log('[oms] stopped.');
    process.exit(exitCode);
  }

  /** Runs `main`; a failure is one line that says what to do (never a stack trace), then everything stops. */
  run(main: () => Promise<void>): void {
    main().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`[oms] ${error instanceof ConfigError ? 'configuration' : 'could not start'}: ${message}`);
      void this.shutdown('failed to start', 1);
    });
  }
}

/**
 * Customer emails need an SMTP server: without `OMS_SMTP_URL`, a local one that keeps every message under the data
 * dir (`mail/`, one .eml each; nothing leaves the machine). Answers the configuration the workers get.
 */
export async function ensureMailServer(startup: Startup, config: OmsConfig): Promise<OmsConfig> {
  if (config.outbound.smtpUrl) return config;
  const dir = path.join(config.dataDir, 'mail');
  const server = await startLocalSmtpServer({ port: config.outbound.localSmtpPort, dir });
  startup.started('local SMTP server', server.close);
  return { ...config, outbound: { ...config.outbound, smtpUrl: server.url, localMailDir: dir } };
}

/** Migrations, the demo data, and the first API keys of a new database (shown once; stored hashed). */
export async function prepareDatabase(
  config: OmsConfig,
  databaseUrl: string,
  step: (message: string) => void,
): Promise<CreatedApiKey[]> {
  step('migrating and seeding the demo data');
  const db = createDb(databaseUrl, { poolMax: 2 });
  try {
    await migrateToLatest(db);
    await seedDemo(db);
    // Keys are stored hashed in the database; a data dir from before that kept them in plain in secrets.json.
    const legacy = legacyApiKeys(config.dataDir);
    if (legacy.length > 0) {
      await importApiKeys(db, legacy, 'secrets.json');
      forgetLegacyApiKeys(config.dataDir);
      step(
        `moved ${legacy.length} API keys from secrets.json into the database (hashed; the keys themselves still work)`,
      );
    }
    return config.apiKeys.length > 0 ? [] : await createInitialApiKeys(db);
  } finally {
    await db.destroy();
  }
}

/** Where everything is, the keys, and a first request to try. */
export function printSummary(options: {
  config: OmsConfig;
  title: string;
  apiUrl: string;
  temporalUi: string;
  temporalAddress: string;
  codecUrl: string;
  databaseUrl: string;
  newKeys: CreatedApiKey[];
  processes?: string;
}): void {
  const { config, apiUrl, newKeys } = options;
  const keysHelp = `A new key (e.g. when one is lost): npx oms keys create --role <${ROLES.join('|')}>; npx oms keys list / revoke <id>`;
  const keys =
    newKeys.length > 0
      ? `  API keys (Authorization: Bearer <key>), shown only this once: the database keeps their SHA-256, not the keys.
${newKeys.map(({ key, role }) => `    ${role.padEnd(10)} ${key}`).join('\n')}
  ${keysHelp}`
      : config.apiKeys.length > 0
        ? `  API keys: from OMS_API_KEYS (${[...new Set(config.apiKeys.map((entry) => entry.role))].join(', ')}), plus any created with the CLI.
  ${keysHelp}`
        : `  API keys (Authorization: Bearer <key>) were shown when ${config.dataDir} first started; only their hashes are kept.
  ${keysHelp}`;
  const salesKey =
    (newKeys.find((entry) => entry.role === 'sales') ?? newKeys.find((entry) => entry.role === 'admin'))?.key ??
    '$SALES_KEY';
  console.log(`
  ${options.title} (${config.orderSettings.fulfillmentMode} fulfillment).

    API           ${apiUrl}/v1          health ${apiUrl}/health, readiness ${apiUrl}/ready
    Metrics       ${apiUrl}/metrics     Prometheus: HTTP, orders, steps, Temporal SDK worker
    Temporal UI   ${options.temporalUi}/namespaces/${config.temporalNamespace}/workflows
    Console       ${apiUrl}/console    support queues and order actions (sign in with an API key)
    Temporal      ${options.temporalAddress} (namespace ${config.temporalNamespace})
    Codec server  ${options.codecUrl}   decrypts payloads for the Temporal UI (operators only)
    PostgreSQL    ${options.databaseUrl.replace(/\/\/[^@]*@/, '//***@')}
    Mail          ${mailLine(config)}
    Data          ${config.dataDir}${options.processes ? `\n    Processes     ${options.processes}` : ''}

${keys}

  Try it:
    curl -s -X POST ${apiUrl}/v1/orders -H "Authorization: Bearer ${salesKey}" \\
      -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \\
      -d '{"customerId":"CUST-ACME","lines":[{"sku":"MUG-BLK","quantity":2}],"payment":{"method":"card","token":"tok_ok"}}'

  Ctrl-C stops everything.
`);
}

function mailLine(config: OmsConfig): string {
  const { smtpUrl, localMailDir } = config.outbound;
  if (localMailDir) return `${smtpUrl} (local: customer emails kept in ${localMailDir}, and at /v1/notifications)`;
  return smtpUrl ? smtpUrl.replace(/\/\/[^@]*@/, '//***@') : 'none';
}
