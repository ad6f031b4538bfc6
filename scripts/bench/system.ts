import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createServer } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseConfig } from '../../config';
import { fromProduct } from '../../db/catalog';
import { createDb, type Db } from '../../db/connection';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { migrateToLatest } from '../../db/migrate';
import { startLocalSmtpServer } from '../../notifications/local-smtp-server';
import { seedDemo } from '../../db/seed-demo';
import { ensureStockRow, moveStock } from '../../db/stock';
import { resolveTemporalCli } from '../../temporal/cli';
import { startDevServer } from '../../temporal/dev-server';
import { freePort } from '../../tools/free-port';
import type { BenchRole } from './protocol';
import { startRole, type RoleChild } from './role-child';

export interface BenchSystemOptions {
  returnWindow: string;
  /** `--dynamic-config-value` pairs for the dev server (experiments, e.g. eager activity dispatch). */
  serverDynamicConfig: string[];
  /** Node flags for the worker and API processes (e.g. `--cpu-prof`). */
  nodeFlags: string[];
  /** Events out and mail as in production: a webhook subscription to every event and an SMTP server. */
  outbound: boolean;
  log: (message: string) => void;
}

export interface BenchSystem {
  apiUrl: string;
  salesKey: string;
  adminKey: string;
  /** The bench's own connection: reading progress here is not counted against the system. */
  db: Db;
  temporal: Client;
  worker?: RoleChild;
  api?: RoleChild;
  /** With `outbound`: what the outside world received (webhook requests, emails). */
  received?: () => { webhooks: number; emails: number };
  /** Starts (or restarts) a role process; the previous process of that role is stopped first. */
  start(role: BenchRole): Promise<RoleChild>;
  stopRole(role: BenchRole): Promise<void>;
  stop(): Promise<void>;
}

/**
 * An OMS of its own for the bench: a fresh embedded PostgreSQL and an in-memory Temporal dev server on free
 * ports in a temporary directory, migrated and seeded, and the worker and API as separate processes in auto
 * fulfillment mode with zero simulated delays.
 */
export async function startBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oms-bench-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the bench runs as root
  const stops: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error) => options.log(`stopping: ${String(error)}`));
  };
  try {
    const cli = await resolveTemporalCli({ onProgress: options.log });
    if (!cli)
      throw new Error(
        'the bench needs the Temporal CLI: set TEMPORAL_CLI, or install Go so the pinned version can be built',
      );
    const [pgPort, temporalPort, uiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    // PostgreSQL first: the dev server takes free ports of its own as it starts, and could take PostgreSQL's.
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'postgres'),
      port: pgPort,
      database: 'oms',
      persistent: false,
    });
    stops.push(postgres.stop);
    const server = await startDevServer({
      cliPath: cli.path,
      port: temporalPort,
      uiPort,
      headless: true,
      logFile: path.join(dir, 'temporal.log'),
      niceness: parseConfig().backgroundNiceness,
      extraArgs: options.serverDynamicConfig.flatMap((value) => ['--dynamic-config-value', value]),
    });
    stops.push(server.stop);
    options.log(`PostgreSQL :${pgPort}, Temporal ${server.address} (data in ${dir})`);
    // Only now: the dev server's own free ports could have taken it (the bench then posted to the server: fetch failed).
    const apiPort = await freePort();

    const db = createDb(postgres.url, { poolMax: 4 });
    stops.push(() => db.destroy());
    await migrateToLatest(db);
    await seedDemo(db);
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const temporal = new Client({ connection, namespace: 'default' });

    const outbound = options.outbound ? await startOutboundReceivers(db, dir) : undefined;
    if (outbound) stops.push(outbound.stop);

    const salesKey = 'bench-sales-key';
    const adminKey = 'bench-admin-key';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      PORT: String(apiPort),
      OMS_DATA_DIR: path.join(dir, 'oms'),
      OMS_API_KEYS: `${salesKey}:sales,${adminKey}:admin`,
      OMS_CARRIER_WEBHOOK_SECRET: 'bench-webhook-secret',
      OMS_FULFILLMENT_MODE: 'auto',
      OMS_CARRIER_DELIVERY_DELAY: '0s',
      OMS_RETURN_WINDOW: options.returnWindow,
      OMS_PAYMENT_PROVIDER: 'sandbox',
      OMS_SANDBOX_FAULTS: '',
      // Generated load is nobody's first order to review: risk holds would wait for a person.
      OMS_RISK_RULES: 'off',
      ...(outbound ? { OMS_SMTP_URL: outbound.smtpUrl } : {}),
    };
    const roles = new Map<BenchRole, RoleChild>();
    const system: BenchSystem = {
      apiUrl: `http://127.0.0.1:${apiPort}`,
      salesKey,
      adminKey,
      db,
      temporal,
      received: outbound?.received,
      async start(role) {
        await system.stopRole(role);
        const child = await startRole(role, env, { nodeFlags: role === 'ceiling' ? [] : options.nodeFlags });
        roles.set(role, child);
        if (role === 'worker') system.worker = child;
        if (role === 'api') system.api = child;
        return child;
      },
      async stopRole(role) {
        await roles.get(role)?.stop();
        roles.delete(role);
      },
      stop: stopAll,
    };
    stops.push(async () => {
      for (const role of [...roles.keys()]) await system.stopRole(role);
    });
    return system;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A product only the bench orders, with `quantity` units received in each warehouse listed. */
export async function addBenchProduct(db: Db, sku: string, stock: Record<string, number>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('products')
      .insert(
        fromProduct({
          sku,
          name: `Bench item ${sku}`,
          unitPrice: 1000,
          currency: 'USD',
          taxCode: 'GENERAL',
          weightGrams: 300,
          active: true,
          maxOrderQuantity: null,
        }),
      )
      .onConflict('sku')
      .ignore();
    for (const [warehouse, quantity] of Object.entries(stock)) {
      await ensureStockRow(trx, warehouse, sku);
      await moveStock(trx, {
        warehouse,
        sku,
        reason: 'receipt',
        onHandDelta: quantity,
        reservedDelta: 0,
        reference: 'bench',
        movementKey: `bench:${warehouse}:${sku}`,
      });
    }
  });
}

/**
 * The outside world of `--outbound`: a webhook receiver (answers 204, checks nothing: its cost is not the OMS's)
 * subscribed to every event, and a local SMTP server for the customer emails.
 */
async function startOutboundReceivers(db: Db, dir: string) {
  let webhooks = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      webhooks += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await db('webhook_subscriptions').insert({
    id: 'whk_bench',
    url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/bench`,
    events: ['*'],
    secret: `whsec_${Buffer.from('bench-webhook-signing-secret-32b').toString('base64')}`,
    description: 'npm run bench --outbound',
  });
  const smtp = await startLocalSmtpServer({ port: await freePort(), dir: path.join(dir, 'mail') });
  return {
    smtpUrl: smtp.url,
    received: () => ({ webhooks, emails: smtp.messages().length }),
    async stop() {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await smtp.close();
    },
  };
}
