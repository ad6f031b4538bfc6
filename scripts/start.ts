import path from 'node:path';
import { ConfigError, parseConfig, ROLES } from '../config';
import { forgetLegacyApiKeys, legacyApiKeys, withDataDirSecrets } from '../config/secrets';
import { createInitialApiKeys, importApiKeys } from '../db/api-keys';
import { createDb } from '../db/connection';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { migrateToLatest } from '../db/migrate';
import { seedDemo } from '../db/seed-demo';
import { runApi } from '../api/main';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../temporal/cli';
import { startDevServer } from '../temporal/dev-server';
import { startCodecServer } from '../temporal/codec-server';
import { runWorker } from '../worker/main';

/**
 * `npm start`: everything on one machine (SPEC section 2). Embedded PostgreSQL unless DATABASE_URL, a
 * Temporal dev server with its Web UI unless TEMPORAL_ADDRESS, migrations and a demo seed, the worker and
 * the API. Ctrl-C stops them all, newest first.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const config = withDataDirSecrets(parseConfig());
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const step = (message: string) => console.log(`[oms] ${message} (${((Date.now() - started) / 1000).toFixed(1)}s)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `\n[oms] ${signal}: stopping ${stops
        .map((entry) => entry.name)
        .reverse()
        .join(', ')}...`,
    );
    for (const { name, stop } of stops.reverse()) {
      await stop().catch((error) => console.error(`[oms] stopping ${name} failed:`, error));
    }
    console.log('[oms] stopped.');
    process.exit(0);
  };
  // embedded-postgres installs its own SIGINT/SIGTERM exit hook that would end the process before the worker
  // and the dev server are stopped; this shutdown stops PostgreSQL too, last.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    step(`starting embedded PostgreSQL on port ${config.pgPort}`);
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.pgPort,
      database: 'oms',
    });
    stops.push({ name: 'PostgreSQL', stop: postgres.stop });
    databaseUrl = postgres.url;
  }

  // Before the dev server, whose Web UI is pointed at it.
  const codecServer = await startCodecServer(config);
  stops.push({ name: 'codec server', stop: codecServer.close });

  let temporalAddress = config.temporalAddress;
  let temporalUi = config.temporalUiUrl;
  if (!temporalAddress) {
    const cli = await resolveTemporalCli({ onProgress: (message) => step(message) });
    if (!cli) {
      throw new Error(
        `No Temporal CLI found. Set TEMPORAL_CLI to its path, put "temporal" on PATH, install Go so the pinned ${TEMPORAL_CLI_VERSION} can be built, or set TEMPORAL_ADDRESS to an existing server.`,
      );
    }
    step(
      `starting Temporal dev server (${cli.source}: ${cli.path}) on port ${config.temporalPort}, UI on ${config.temporalUiPort}`,
    );
    const server = await startDevServer({
      cliPath: cli.path,
      port: config.temporalPort,
      uiPort: config.temporalUiPort,
      namespace: config.temporalNamespace,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      logFile: path.join(config.dataDir, 'temporal.log'),
      pidFile: path.join(config.dataDir, 'temporal.pid'),
      codecEndpoint: codecServer.url,
    });
    stops.push({ name: 'Temporal dev server', stop: server.stop });
    temporalAddress = server.address;
    temporalUi = server.uiUrl;
  }

  step('migrating and seeding the demo data');
  const db = createDb(databaseUrl, { poolMax: 2 });
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
  const newKeys = config.apiKeys.length > 0 ? [] : await createInitialApiKeys(db);
  await db.destroy();

  const worker = await runWorker(config, { databaseUrl, temporalAddress });
  stops.push({ name: 'worker', stop: worker.shutdown });
  worker.done.catch((error) => {
    console.error('[oms] the worker stopped with an error:', error);
    void shutdown('worker failure');
  });
  const api = await runApi(config, { databaseUrl, temporalAddress });
  stops.push({ name: 'API', stop: api.close });
  step('ready');

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
  OMS is running (${config.orderSettings.fulfillmentMode} fulfillment).

    API           ${api.url}/v1          health ${api.url}/health, readiness ${api.url}/ready
    Metrics       ${api.url}/metrics     Prometheus: HTTP, orders, steps, Temporal SDK worker
    Temporal UI   ${temporalUi}/namespaces/${config.temporalNamespace}/workflows
    Console       ${api.url}/console    support queues and order actions (sign in with an API key)
    Temporal      ${temporalAddress} (namespace ${config.temporalNamespace})
    Codec server  ${codecServer.url}   decrypts payloads for the Temporal UI (operators only)
    PostgreSQL    ${databaseUrl.replace(/\/\/[^@]*@/, '//***@')}
    Data          ${config.dataDir}

${keys}

  Try it:
    curl -s -X POST ${api.url}/v1/orders -H "Authorization: Bearer ${salesKey}" \\
      -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \\
      -d '{"customerId":"CUST-ACME","lines":[{"sku":"MUG-BLK","quantity":2}],"payment":{"method":"card","token":"tok_ok"}}'

  Ctrl-C stops everything.
`);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? `[oms] configuration: ${error.message}` : error);
  process.exit(1);
});
