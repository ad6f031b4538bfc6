import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { faultStrikes, parseSandboxFaults, type SandboxFaults } from '../adapters/payments/sandbox';
import type { Db } from '../db/connection';
import { formatInvariantReport } from '../db/invariants';
import { formatDuration, parseDuration } from '../domain/duration';
import { TERMINAL_STATUSES, type OrderStatus } from '../domain/order';
import { startOutboundWitness } from './chaos/outbound-witness';
import { count, OrderActors, planOrders, SCARCE_SKU, type Tally, type TrackedOrder } from './chaos/scenarios';
import { OmsApiClient } from './system/api-client';
import { Cleanups, startIsolatedSystem, type IsolatedSystem } from './system/isolated-system';
import { seededRandom } from './system/seeded-random';
import { checkSettledInvariants, describeStuckOrder, runningWorkflows, tally, tallyObject } from './system/settling';
import { killWorkerRepeatedly, workerFigures } from './system/worker-kills';

const HELP = `npm run chaos [-- options]

Runs an isolated OMS (its own data directory and ports: embedded PostgreSQL, Temporal dev server, the API and
the worker as child processes) in auto fulfillment mode, places orders through the API in a mix of scenarios
(approvals, rejections, cancellations, backorders and restocks, refunds, returns and exchanges, net30), and
meanwhile kill -9s and restarts the worker, restarts PostgreSQL, and makes the sandbox payment provider fail.
Once every order has settled it runs the invariant checks (npm run check-invariants) and prints the figures.
Exits 0 when every order settled and every invariant holds, 1 otherwise.

Options:
  --orders N           orders to place (default 500)
  --concurrency N      orders placed at once (default 8)
  --kill-every DUR     how long the worker runs once ready before its next kill -9, +-50%, and at least until
                       it has moved an order on (a new timeline entry), so the run cannot livelock (default 3s)
  --kills N            at most N worker kills (default: no limit)
  --pg-restarts N      PostgreSQL restarts, spread over the run: when 1/(N+1), 2/(N+1), ... of the
                       orders have settled (default 1)
  --pg-down DUR        how long PostgreSQL stays down at each restart (default 2s)
  --faults SPEC        sandbox fault mode (default transient=0.2,timeoutAfterSuccess=0.05)
  --return-window DUR  OMS_RETURN_WINDOW of the orders (default 30s)
  --delivery-delay DUR OMS_CARRIER_DELIVERY_DELAY (default 1s)
  --timeout DUR        how long orders may take to settle after the last one is placed (default 20m)
  --seed N             the order mix's random seed (default 1)
  --topology T         dev (default): a Temporal dev server and one worker; cluster: as npm run cluster, the
                       production Temporal server on the run's PostgreSQL and two workers (one of them killed
                       at a time)
  --temporal-restarts N Temporal server restarts (cluster topology), spread over the run like PostgreSQL's
                       (default 1 with --topology cluster)
  --temporal-down DUR  how long the Temporal server stays down at each restart (default 5s)
  --outage DUR         how long the webhook receiver and the mail server are down, once half the orders are
                       placed (default 20s); every event and email must still arrive
  --temporal ADDRESS   use this Temporal server instead of starting a dev server (the run owns its task
                       queue "orders" there; the CI test passes the test suite's server)
  --workflow-bundle F  a prebuilt workflow bundle (bundleWorkflowCode) instead of building one
  --data-dir DIR       where to keep the run's data and logs (default: a new temporary directory)
  --keep               keep the data directory after a passing run (a failing run always keeps it)
  --help               this text`;

interface Options {
  orders: number;
  concurrency: number;
  killEveryMs: number;
  maxKills: number;
  pgRestarts: number;
  pgDownMs: number;
  faults: SandboxFaults;
  faultSpec: string;
  returnWindow: string;
  deliveryDelay: string;
  timeoutMs: number;
  seed: number;
  dataDir?: string;
  keep: boolean;
  temporalAddress?: string;
  workflowBundle?: string;
  topology: 'dev' | 'cluster';
  temporalRestarts: number;
  temporalDownMs: number;
  outageMs: number;
}

function parseOptions(): Options | undefined {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '8' },
      'kill-every': { type: 'string', default: '3s' },
      kills: { type: 'string' },
      'pg-restarts': { type: 'string', default: '1' },
      'pg-down': { type: 'string', default: '2s' },
      faults: { type: 'string', default: 'transient=0.2,timeoutAfterSuccess=0.05' },
      'return-window': { type: 'string', default: '30s' },
      'delivery-delay': { type: 'string', default: '1s' },
      timeout: { type: 'string', default: '20m' },
      seed: { type: 'string', default: '1' },
      'data-dir': { type: 'string' },
      temporal: { type: 'string' },
      'workflow-bundle': { type: 'string' },
      topology: { type: 'string', default: 'dev' },
      'temporal-restarts': { type: 'string' },
      'temporal-down': { type: 'string', default: '5s' },
      outage: { type: 'string', default: '20s' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const whole = (name: string, raw: string | undefined, min: number) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
    return value;
  };
  const topology = values.topology;
  if (topology !== 'dev' && topology !== 'cluster') throw new Error('--topology must be dev or cluster');
  const temporalRestarts = whole(
    'temporal-restarts',
    values['temporal-restarts'] ?? (topology === 'cluster' ? '1' : '0'),
    0,
  );
  if (temporalRestarts > 0 && topology !== 'cluster')
    throw new Error('--temporal-restarts needs --topology cluster (the dev server keeps nothing across a restart)');
  parseDuration(values['return-window']);
  parseDuration(values['delivery-delay']);
  return {
    orders: whole('orders', values.orders, 1),
    concurrency: whole('concurrency', values.concurrency, 1),
    killEveryMs: parseDuration(values['kill-every']),
    maxKills: values.kills === undefined ? Infinity : whole('kills', values.kills, 0),
    pgRestarts: whole('pg-restarts', values['pg-restarts'], 0),
    pgDownMs: parseDuration(values['pg-down']),
    faults: parseSandboxFaults(values.faults),
    faultSpec: values.faults,
    returnWindow: values['return-window'],
    deliveryDelay: values['delivery-delay'],
    timeoutMs: parseDuration(values.timeout),
    seed: whole('seed', values.seed, 0),
    dataDir: values['data-dir'],
    keep: values.keep,
    temporalAddress: values.temporal,
    workflowBundle: values['workflow-bundle'] && path.resolve(values['workflow-bundle']),
    topology,
    temporalRestarts,
    temporalDownMs: parseDuration(values['temporal-down']),
    outageMs: parseDuration(values.outage),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

async function main(): Promise<number> {
  const options = parseOptions();
  if (!options) return 0;
  // Stops what the run started, however the run ends.
  const cleanups = new Cleanups();
  let outcome: { ok: boolean; dataDir: string; remove: boolean } | undefined;
  try {
    outcome = await run(options, cleanups);
  } finally {
    await cleanups.run();
  }
  if (outcome.remove) rmSync(outcome.dataDir, { recursive: true, force: true });
  else console.log(`data and logs kept in ${outcome.dataDir}`);
  console.log(outcome.ok ? 'chaos: PASS' : 'chaos: FAIL');
  return outcome.ok ? 0 : 1;
}

async function run(options: Options, cleanups: Cleanups): Promise<{ ok: boolean; dataDir: string; remove: boolean }> {
  const started = Date.now();
  const log = (message: string) => console.log(`[chaos ${seconds(Date.now() - started).padStart(7)}] ${message}`);
  const loadSamples: number[] = [os.loadavg()[0]];
  const mailDir = mkdtempSync(path.join(os.tmpdir(), 'oms-chaos-mail-'));
  const witness = await startOutboundWitness(mailDir, log);
  cleanups.last(async () => {
    await witness.close();
    rmSync(mailDir, { recursive: true, force: true });
  });
  const system = await startIsolatedSystem({
    name: 'chaos',
    dataDir: options.dataDir,
    temporalAddress: options.temporalAddress,
    workflowBundle: options.workflowBundle,
    topology: options.topology,
    settings: {
      OMS_FULFILLMENT_MODE: 'auto',
      OMS_CARRIER_DELIVERY_DELAY: options.deliveryDelay,
      OMS_RETURN_WINDOW: options.returnWindow,
      OMS_APPROVAL_TIMEOUT: '1h',
      OMS_BACKORDER_TIMEOUT: '1h',
      OMS_SANDBOX_FAULTS: options.faultSpec,
      OMS_SMTP_URL: witness.smtpUrl,
    },
    log,
    cleanups,
  });
  const { runId, dataDir, db, api, crashLines, temporal: temporalClient } = system;
  log(
    `run ${runId}: ${options.orders} orders, concurrency ${options.concurrency}, worker kill -9 every ~${formatDuration(options.killEveryMs)}${Number.isFinite(options.maxKills) ? ` (at most ${options.maxKills})` : ''}, ${options.pgRestarts} PostgreSQL restart(s), ${options.temporalRestarts} Temporal server restart(s) (${options.topology} topology, ${system.workers.length} worker(s)), faults ${options.faultSpec}; data in ${dataDir}`,
  );

  const client = { api: new OmsApiClient(system.apiUrl, system.keys) };
  const errors: string[] = [];
  const actions: Tally = new Map();
  const actors = new OrderActors(client.api, db, actions, errors);
  await prepareStock(client.api, options.orders);
  await witness.subscribe(client.api);

  // ---- the run ---------------------------------------------------------------------------------------------
  const plans = planOrders(options.orders, seededRandom(options.seed));
  const tracked: TrackedOrder[] = [];
  /** Work under way (an order's follow-up step, a PostgreSQL restart), by what it is. */
  const pending = new Map<Promise<void>, string>();
  const track = (work: Promise<void>, what: string) => {
    pending.set(work, what);
    work.then(
      () => pending.delete(work),
      (error: Error) => {
        pending.delete(work);
        errors.push(`${what}: ${error.message}`);
      },
    );
  };
  let settled = false;
  let placingDone = 0;
  const pgRestartsAt = Array.from({ length: options.pgRestarts }, (_, index) =>
    Math.ceil((options.orders * (index + 1)) / (options.pgRestarts + 1)),
  );
  const pgRestarts: { at: number; downMs: number }[] = [];
  // Temporal restarts between PostgreSQL's, so the two outages never overlap.
  const temporalRestartsAt = Array.from({ length: options.temporalRestarts }, (_, index) =>
    Math.ceil((options.orders * (index + 0.5)) / (options.temporalRestarts + 1)),
  );
  const temporalRestarts: { at: number; downMs: number }[] = [];

  // The Temporal server keeps its state in PostgreSQL: restarting one while the other is down would leave it unable to
  // start. Both fall due as orders settle, and a burst of settling can make both due at once: they take turns.
  let restarts: Promise<void> = Promise.resolve();
  const oneRestartAtATime = (restart: () => Promise<void>): Promise<void> =>
    (restarts = restarts.catch(() => undefined).then(restart));

  async function restartTemporal(): Promise<void> {
    const at = Date.now();
    log(
      `restarting the Temporal server (stop, ${formatDuration(options.temporalDownMs)} down, start on the same databases)`,
    );
    await system.restartTemporal!(options.temporalDownMs);
    temporalRestarts.push({ at: at - started, downMs: Date.now() - at });
    log(`the Temporal server is back after ${seconds(Date.now() - at)}`);
  }

  async function restartPostgres(): Promise<void> {
    const at = Date.now();
    log(
      `restarting PostgreSQL (stop, ${formatDuration(options.pgDownMs)} down, start on the same data directory and port)`,
    );
    await system.restartPostgres(options.pgDownMs);
    pgRestarts.push({ at: at - started, downMs: Date.now() - at });
    log(`PostgreSQL is back after ${seconds(Date.now() - at)}`);
  }

  const placing = (async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < plans.length && !system.interrupted) {
          const plan = plans[next++];
          try {
            const id = await actors.place(plan, runId);
            const order: TrackedOrder = {
              plan,
              id,
              status: 'PENDING',
              actedOn: 'PENDING',
              done: new Set(),
              failures: new Map(),
            };
            tracked.push(order);
            track(actors.act(order), `${order.id} (${order.plan.scenario})`);
          } catch (error) {
            errors.push(`order ${plan.index} (${plan.scenario}) was not placed: ${(error as Error).message}`);
          }
          placingDone += 1;
        }
      }),
    );
  })();

  // Each restarted worker runs ~--kill-every, and at least until it has moved some order on.
  const killing = killWorkerRepeatedly(system, {
    killEveryMs: options.killEveryMs,
    maxKills: options.maxKills,
    random: seededRandom(options.seed + 1),
    done: () => settled,
  });

  // The warehouse receives what waiting orders miss beyond the stock on hand; when stock is there but orders
  // still wait (they began waiting after the last receipt's restock run), one unit nudges a new restock run.
  const restocking = (async () => {
    let receipts = 0;
    const lastReceipt = new Map<string, number>();
    while (!settled && !system.interrupted) {
      await sleep(3_000);
      try {
        for (const { sku, missing, available } of await missingUnits(db)) {
          const quantity =
            missing > available ? missing - available : Date.now() - (lastReceipt.get(sku) ?? 0) > 20_000 ? 1 : 0;
          if (quantity === 0) continue;
          receipts += 1;
          lastReceipt.set(sku, Date.now());
          const reply = await client.api.send('POST', '/v1/inventory/receipts', {
            as: 'warehouse',
            body: { warehouse: 'EWR', sku, quantity, reference: `chaos-${runId}-restock-${receipts}` },
          });
          if (reply.status < 300) count(actions, `restock receipts (${sku})`);
        }
      } catch {
        count(actions, 'restock rounds failed (PostgreSQL down), retried'); // the next round tries again
      }
    }
  })();

  let placedAt: number | undefined;
  let outageStarted = false;
  let lastProgress = 0;
  let timedOut = false;
  while (!system.interrupted) {
    await sleep(1_000);
    loadSamples.push(os.loadavg()[0]);
    try {
      const statuses = new Map<string, OrderStatus>(
        (await db('orders').select('id', 'status')).map((row: { id: string; status: OrderStatus }) => [
          row.id,
          row.status,
        ]),
      );
      for (const order of tracked) {
        order.status = statuses.get(order.id) ?? 'UNKNOWN';
        // Act on a new status, and again while a step that failed waits to be retried.
        if (order.status === order.actedOn && order.failures.size === 0) continue;
        order.actedOn = order.status;
        track(actors.act(order), `${order.id} (${order.plan.scenario})`);
      }
    } catch {
      // PostgreSQL is restarting: read again next second.
    }
    const allPlaced = placingDone === plans.length;
    if (!outageStarted && placingDone >= plans.length / 2) {
      outageStarted = true;
      track(witness.outage(options.outageMs), 'webhook receiver and mail server outage');
    }
    if (allPlaced && placedAt === undefined) {
      placedAt = Date.now();
      log(`all ${plans.length} orders placed in ${seconds(placedAt - started)}`);
    }
    const unsettled = tracked.filter((order) => !TERMINAL_STATUSES.includes(order.status as OrderStatus));
    // PostgreSQL restarts mid-run, while many orders are deep in the pipeline (payments, refunds, returns).
    if (pgRestartsAt.length > 0 && tracked.length - unsettled.length >= pgRestartsAt[0]) {
      pgRestartsAt.shift();
      track(oneRestartAtATime(restartPostgres), 'PostgreSQL restart');
    }
    if (temporalRestartsAt.length > 0 && tracked.length - unsettled.length >= temporalRestartsAt[0]) {
      temporalRestartsAt.shift();
      track(oneRestartAtATime(restartTemporal), 'Temporal server restart');
    }
    if (Date.now() - lastProgress >= 5_000) {
      lastProgress = Date.now();
      log(
        `placed ${placingDone}/${plans.length}, settled ${tracked.length - unsettled.length} (${tally(tracked.filter((order) => !unsettled.includes(order)).map((order) => order.status))}), in flight ${unsettled.length} (${tally(unsettled.map((order) => order.status))}); worker kills ${workerFigures(system).kills}, PostgreSQL restarts ${pgRestarts.length}, Temporal restarts ${temporalRestarts.length}, load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    if (allPlaced && unsettled.length === 0 && pending.size > 0 && Date.now() - lastProgress < 1_100) {
      log(`waiting for ${pending.size} steps under way: ${[...new Set(pending.values())].slice(0, 5).join(', ')}`);
    }
    if (allPlaced && unsettled.length === 0 && pending.size === 0) {
      // Settled orders may still run (a cancelled order's parcels in transit), and so may restock workflows.
      const running = await runningWorkflows(temporalClient);
      if (running.length === 0) break;
      if (Date.now() - lastProgress < 1_100)
        log(`waiting for ${running.length} workflows still running: ${running.slice(0, 5).join(', ')}`);
    }
    if (placedAt !== undefined && Date.now() - placedAt > options.timeoutMs) {
      timedOut = true;
      log(`!! not settled ${formatDuration(options.timeoutMs)} after the last order was placed`);
      await reportStuck(system, unsettled, log);
      const running = await runningWorkflows(temporalClient);
      if (running.length > 0) log(`workflows still running: ${running.length}: ${running.slice(0, 10).join(', ')}`);
      break;
    }
  }
  settled = true;
  await Promise.all([placing, killing, restocking]);
  await Promise.all(system.workers.map((worker) => system.ensureRunning(worker)));
  const settleMs = Date.now() - started;
  log(
    system.interrupted
      ? 'interrupted'
      : timedOut
        ? 'timed out'
        : `every order settled after ${seconds(settleMs)}; checking invariants`,
  );

  // ---- the verdict -----------------------------------------------------------------------------------------
  const report = await checkSettledInvariants(db, temporalClient);
  log('waiting for every webhook delivery and customer email to go out');
  const outbound = await witness.verify(db, 180_000);
  const faults = await faultFigures(db, options.faults);
  const figures = {
    runId,
    orders: options.orders,
    placed: tracked.length,
    durationMs: settleMs,
    placingMs: (placedAt ?? Date.now()) - started,
    byScenario: Object.fromEntries(
      Object.keys(Object.fromEntries(plans.map((plan) => [plan.scenario, 1])))
        .sort()
        .map((scenario) => [
          scenario,
          tallyObject(tracked.filter((order) => order.plan.scenario === scenario).map((order) => order.status)),
        ]),
    ),
    topology: options.topology,
    workerKills: workerFigures(system).kills,
    workerStarts: workerFigures(system).starts,
    temporalRestarts,
    crashes: crashLines,
    pgRestarts,
    faults,
    apiRetries: client.api.retries,
    apiServerErrors: client.api.serverErrors,
    actions: Object.fromEntries([...actions].sort()),
    errors,
    load: { start: loadSamples[0], max: Math.max(...loadSamples), end: os.loadavg()[0], cores: os.cpus().length },
  };
  writeFileSync(path.join(dataDir, 'chaos-report.json'), JSON.stringify({ figures, invariants: report }, null, 2));

  console.log(`
== chaos run ${runId}: ${options.orders} orders, concurrency ${options.concurrency}, faults ${options.faultSpec}
duration          ${seconds(settleMs)} (placing ${seconds(figures.placingMs)})${timedOut ? ' — TIMED OUT' : ''}
orders by status  ${tally(tracked.map((order) => order.status))}
by scenario       ${Object.entries(figures.byScenario)
    .map(
      ([scenario, statuses]) =>
        `${scenario}: ${Object.entries(statuses)
          .map(([status, n]) => `${status} ${n}`)
          .join(' ')}`,
    )
    .join('; ')}
worker            ${workerFigures(system).kills} kill -9, ${workerFigures(system).starts} starts, ${workerFigures(system).crashes} crashes (${system.workers.length} worker process(es)); API ${api.crashes} crashes
PostgreSQL        ${pgRestarts.length} restart(s)${pgRestarts.map((restart) => ` at ${seconds(restart.at)} (down ${seconds(restart.downMs)})`).join(',')}
Temporal          ${options.topology === 'cluster' ? `server on PostgreSQL, ${temporalRestarts.length} restart(s)${temporalRestarts.map((restart) => ` at ${seconds(restart.at)} (down ${seconds(restart.downMs)})`).join(',')}` : 'dev server'}
payment faults    ${faults.transient} transient failures + ${faults.lostResponses} lost responses injected over ${faults.operations} provider operations (${faults.retried} retried)
API requests      ${client.api.retries} retried (${client.api.serverErrors} 5xx answers)
actions           ${
    [...actions]
      .sort()
      .map(([what, n]) => `${what} ${n}`)
      .join(', ') || 'none'
  }
machine load      ${figures.load.start.toFixed(1)} at start, ${figures.load.max.toFixed(1)} at most, ${figures.load.end.toFixed(1)} at the end (1-minute load average, ${figures.load.cores} cores)
${crashLines.length ? `crashes:\n  ${crashLines.join('\n  ')}\n` : ''}${errors.length ? `driver errors (${errors.length}):\n  ${errors.slice(0, 10).join('\n  ')}\n` : ''}
== events out
${outbound.lines.join('\n')}

== invariants
${formatInvariantReport(report)}
`);

  const ok =
    report.ok &&
    outbound.ok &&
    !timedOut &&
    !system.interrupted &&
    errors.length === 0 &&
    crashLines.length === 0 &&
    tracked.length === options.orders;
  return { ok, dataDir, remove: ok && !options.keep && !options.dataDir };
}

/** Plenty of everyday stock, so only the scarce SKU backorders; the scarce SKU exists without stock. */
async function prepareStock(api: OmsApiClient, orders: number): Promise<void> {
  const product = await api.send('POST', '/v1/products', {
    as: 'admin',
    body: {
      sku: SCARCE_SKU,
      name: 'Chaos: scarce gadget',
      unitPrice: 1999,
      currency: 'USD',
      taxCode: 'GENERAL',
      weightGrams: 200,
    },
  });
  if (product.status !== 201)
    throw new Error(`creating ${SCARCE_SKU} answered ${product.status}: ${JSON.stringify(product.body)}`);
  for (const sku of ['MUG-BLK', 'TEE-M', 'BEANS-1KG', 'LAPTOP-14']) {
    const receipt = await api.send('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse: 'EWR', sku, quantity: orders * 8, reference: 'chaos-initial-stock' },
    });
    if (receipt.status >= 300)
      throw new Error(`receiving ${sku} answered ${receipt.status}: ${JSON.stringify(receipt.body)}`);
  }
}

/** Units that waiting orders still miss, per SKU (as the restock workflow counts them). */
async function missingUnits(db: Db): Promise<{ sku: string; missing: number; available: number }[]> {
  const { rows } = await db.raw<{ rows: { sku: string; missing: number; available: number }[] }>(
    `SELECT l.sku, sum(l.approved_quantity - l.shipped_quantity - l.reserved_quantity - (l.cancelled_quantity - (l.quantity - l.approved_quantity)))::int AS missing,
            (SELECT coalesce(sum(s.on_hand - s.reserved), 0) FROM stock s WHERE s.sku = l.sku)::int AS available
     FROM orders o JOIN order_lines l ON l.order_id = o.id
     WHERE o.status IN ('BACKORDERED', 'PARTIALLY_SHIPPED')
       AND l.approved_quantity > l.shipped_quantity + l.reserved_quantity + (l.cancelled_quantity - (l.quantity - l.approved_quantity))
     GROUP BY l.sku ORDER BY l.sku`,
  );
  return rows;
}

/**
 * The sandbox's fault draws are a function of the idempotency key and attempt, so the faults it injected can be
 * counted from its books: attempts that drew a transient failure, and the attempt that succeeded but whose
 * response was lost.
 */
async function faultFigures(db: Db, faults: SandboxFaults) {
  const operations: { idempotency_key: string; attempts: number; succeeded: boolean }[] = await db(
    'sandbox_payment_operations',
  ).select('idempotency_key', 'attempts', db.raw('response IS NOT NULL AS succeeded'));
  let transient = 0;
  let lostResponses = 0;
  for (const operation of operations) {
    for (let attempt = 1; attempt <= operation.attempts; attempt++) {
      if (faultStrikes(faults, 'transient', operation.idempotency_key, attempt)) {
        transient += 1;
        continue;
      }
      if (operation.succeeded && faultStrikes(faults, 'timeoutAfterSuccess', operation.idempotency_key, attempt))
        lostResponses += 1;
      break;
    }
  }
  return {
    operations: operations.length,
    retried: operations.filter((operation) => operation.attempts > 1).length,
    transient,
    lostResponses,
  };
}

/** What holds the orders that did not settle: their status, last timeline entry, and the workflow's pending activities. */
async function reportStuck(system: IsolatedSystem, unsettled: TrackedOrder[], log: (message: string) => void) {
  const byStatus = new Map<string, TrackedOrder[]>();
  for (const order of unsettled) byStatus.set(order.status, [...(byStatus.get(order.status) ?? []), order]);
  for (const [status, orders] of byStatus) {
    log(`stuck in ${status}: ${orders.length}`);
    for (const order of orders.slice(0, 5))
      log(`  ${order.id} (${order.plan.scenario}): ${await describeStuckOrder(system.db, system.temporal, order.id)}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('chaos:', error);
    process.exit(2);
  },
);
