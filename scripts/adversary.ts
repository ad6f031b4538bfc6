import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ROLES, parseConfig, type Role } from '../config';
import { createDb, type Db } from '../db/connection';
import { checkInvariants, formatInvariantReport, type InvariantReport } from '../db/invariants';
import { parseDuration } from '../domain/duration';
import { orderWorkflowLookup } from '../temporal/workflow-states';
import { createRunCatalog, runCatalog } from './adversary/catalog';
import { checkOrdersAtRest, checkRunStock } from './adversary/final-checks';
import { Findings, KillWindows, type ExchangeRecord } from './adversary/findings';
import { OrderAgent, type AdversaryEnv, type SystemTimeouts } from './adversary/order-agent';
import { HELP, parseAdversaryOptions, type AdversaryOptions } from './adversary/options';
import { orderRandom, planOrders } from './adversary/plan';
import { actionCounts, formatViolations } from './adversary/report';
import { isTerminal } from './adversary/views';
import { Requester } from './adversary/requests';
import { driveOrder } from './adversary/to-rest';
import { walkStep } from './adversary/walk-actions';
import { WarehouseDesk } from './adversary/warehouse';
import { OmsApiClient } from './system/api-client';
import { Cleanups, startIsolatedSystem, type IsolatedSystem } from './system/isolated-system';
import { resolveRunningSystem, UsageError } from './system/running-system';
import { seededRandom } from './system/seeded-random';
import { checkSettledInvariants, describeStuckOrder, runningWorkflows, tally } from './system/settling';
import { killWorkerRepeatedly } from './system/worker-kills';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
/** Requests per order kept for the JSON report: enough to replay the end of its walk by hand. */
const JOURNAL_PER_ORDER = 60;

interface Outcome {
  ok: boolean;
  dataDir: string;
  remove: boolean;
}

async function main(): Promise<number> {
  const options = parseAdversaryOptions(process.argv.slice(2));
  if (!options) {
    console.log(HELP);
    return 0;
  }
  console.log(`adversary: seed ${options.seed} (replay: npm run adversary -- --seed ${options.seed})`);
  const cleanups = new Cleanups();
  let outcome: Outcome;
  try {
    outcome = await run(options, cleanups);
  } finally {
    await cleanups.run();
  }
  if (outcome.remove) rmSync(outcome.dataDir, { recursive: true, force: true });
  else console.log(`data, logs and adversary-report.json kept in ${outcome.dataDir}`);
  console.log(`adversary: ${outcome.ok ? 'PASS' : 'FAIL'} (seed ${options.seed})`);
  return outcome.ok ? 0 : 1;
}

/** Where the run's requests go, and what it may read beside the API (its own system, or a running one). */
interface Target {
  apiUrl: string;
  keys: Partial<Record<Role, string>>;
  carrierSecret?: string;
  dataDir: string;
  /** Own system only: kills, running workflows, the settled invariant checks. */
  system?: IsolatedSystem;
  /** A running system's database and Temporal, when they can be reached: the invariant checks (not settled). */
  db?: Db;
  temporal?: Client;
}

async function run(options: AdversaryOptions, cleanups: Cleanups): Promise<Outcome> {
  const started = Date.now();
  const log = (message: string) => console.log(`[adversary ${seconds(Date.now() - started).padStart(7)}] ${message}`);
  const target = options.target
    ? await connectToRunning(options, cleanups, log)
    : await startOwnSystem(options, cleanups, log);
  const { system } = target;
  const timeouts: SystemTimeouts = {
    approvalMs: parseDuration(options.timeouts.approvalTimeout),
    backorderMs: parseDuration(options.timeouts.backorderTimeout),
    returnWindowMs: parseDuration(options.timeouts.returnWindow),
    deliveryMs: parseDuration(options.timeouts.deliveryTimeout),
    returnReceiptMs: parseDuration(options.timeouts.receiptTimeout),
    holdMs: parseDuration(options.timeouts.holdTimeout),
  };

  const runTag = randomBytes(3).toString('hex').toUpperCase();
  const catalog = runCatalog(runTag);
  const setupClient = new OmsApiClient(target.apiUrl, withAdminFallback(target.keys));
  await createRunCatalog(setupClient, catalog, options.orders);
  log(
    `run ${runTag}: catalog ADV-${runTag}-*, ${options.orders} orders (seed ${options.seed}), concurrency ${options.concurrency}, ${options.kills} worker kill(s)`,
  );

  const killWindows = new KillWindows(30_000);
  const findings = new Findings(options.requestTimeoutMs, killWindows);
  const journals = new Map<string, ExchangeRecord[]>();
  const journal = (orderId: string | undefined, record: ExchangeRecord) => {
    const entries = journals.get(orderId ?? 'run') ?? [];
    entries.push(record);
    if (entries.length > JOURNAL_PER_ORDER) entries.shift();
    journals.set(orderId ?? 'run', entries);
  };
  const requester = new Requester(
    new OmsApiClient(target.apiUrl, withAdminFallback(target.keys)),
    findings,
    { timeLimitMs: options.requestTimeoutMs, retryForMs: 90_000 },
    journal,
  );
  const desk = new WarehouseDesk(requester, catalog, seededRandom(options.seed + 2));
  const env: AdversaryEnv = {
    requester,
    catalog,
    distinctRoles: new Set(ROLES.filter((role) => role !== 'admin' && target.keys[role] !== undefined)),
    holds: {},
    signCarrierBody: target.carrierSecret
      ? (raw) => createHmac('sha256', target.carrierSecret!).update(raw).digest('hex')
      : undefined,
    timeouts,
    graceMs: options.graceMs,
    receiveStock: (sku, quantity, orderId) => desk.receive(sku, quantity, orderId),
    log,
  };
  const profiles = planOrders(options.orders, options.seed, catalog, options.steps);
  const agents = profiles.map(
    (profile) => new OrderAgent(profile, orderRandom(options.seed, profile.index), env, runTag),
  );

  // ---- the walk and the rest, order by order; the warehouse desk and the worker kills meanwhile -------------
  let walking = agents.length;
  let finished = false;
  const driverErrors: string[] = [];
  const killing = system
    ? killWorkerRepeatedly(system, {
        killEveryMs: options.killEveryMs,
        maxKills: options.kills,
        random: seededRandom(options.seed + 1),
        done: () => finished,
        onKilling: () => {
          killWindows.killing();
          log(`kill -9 of the worker (#${system.worker.kills + 1})`);
        },
        onRestarted: () => killWindows.restarted(),
      })
    : Promise.resolve();
  const stockDesk = desk.run(() => walking === 0 || finished);
  const resting = new Set<Promise<void>>();
  const rest = (agent: OrderAgent) => {
    const work = driveOrder(agent, Date.now() + options.timeoutMs, { patient: true }).catch((error: Error) => {
      driverErrors.push(`order #${agent.profile.index} ${agent.id}: rest: ${error.stack ?? error.message}`);
    });
    resting.add(work);
    void work.finally(() => resting.delete(work));
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < agents.length && !system?.interrupted) {
        const agent = agents[next++];
        try {
          if (await agent.place()) {
            await walk(agent, Date.now() + options.timeoutMs, () => system?.interrupted === true);
            rest(agent);
          }
        } catch (error) {
          driverErrors.push(`order #${agent.profile.index} ${agent.id}: ${(error as Error).stack ?? String(error)}`);
        }
        walking -= 1;
      }
    }),
  );
  log(`every walk done (${findings.requests} requests so far); driving ${resting.size} orders to rest`);
  let lastProgress = Date.now();
  while (resting.size > 0) {
    await sleep(1_000);
    if (Date.now() - lastProgress >= 10_000) {
      lastProgress = Date.now();
      log(`at rest: ${tally(agents.map((agent) => agent.view?.status ?? 'not placed'))}; ${resting.size} still moving`);
    }
  }
  finished = true;
  await Promise.all([killing, stockDesk]);
  if (system) await system.ensureRunning(system.worker);

  // ---- the verdict -----------------------------------------------------------------------------------------
  // With every order at rest, nothing may run on for long; an order not at rest is a violation of its own.
  const everyOrderAtRest = agents.every((agent) => !agent.id || isTerminal(agent.view?.status ?? ''));
  const running = system && everyOrderAtRest ? await waitForWorkflows(system, log) : [];
  for (const workflow of running)
    findings.add({ check: 'workflow-still-running', message: `${workflow} still runs with every order at rest` });
  await checkOrdersAtRest(agents, requester);
  const allAtRest = agents.every((agent) => !agent.id || isTerminal(agent.view?.status ?? ''));
  const notes = await checkRunStock(requester, catalog, allAtRest);
  for (const agent of agents.filter((candidate) => candidate.id && !isTerminal(candidate.view?.status ?? '')))
    if (system)
      notes.push(`${agent.id} not at rest: ${await describeStuckOrder(system.db, system.temporal, agent.id)}`);
  if (env.holds.supported === false)
    notes.push('POST /v1/orders/:id/hold and /release answered 404 (no route): holds not exercised');
  const invariants = await invariantChecks(target, log);
  if (invariants && !invariants.ok)
    for (const result of invariants.results.filter((candidate) => candidate.violations > 0))
      findings.add({
        check: `invariant:${result.name}`,
        message: `${result.violations} violation(s): ${result.examples.join('; ')}`,
      });

  const durationMs = Date.now() - started;
  const report = {
    seed: options.seed,
    runTag,
    mode: system ? 'own system' : `against ${target.apiUrl}`,
    options: { ...options, target: options.target ? { url: options.target.url } : undefined },
    durationMs,
    workerKills: killWindows.kills.map((kill) => ({
      killedAt: new Date(kill.killedAt).toISOString(),
      readyAt: kill.readyAt === undefined ? null : new Date(kill.readyAt).toISOString(),
    })),
    crashes: system?.crashLines ?? [],
    holdsRoute: env.holds.supported === undefined ? 'not tried' : env.holds.supported ? 'present' : 'missing (404)',
    answers: Object.fromEntries(findings.answers),
    requests: findings.requests,
    violations: findings.violations,
    excusedServerErrors: findings.excusedServerErrors,
    driverErrors,
    notes,
    orders: agents.map((agent) => ({
      index: agent.profile.index,
      kind: agent.profile.kind,
      id: agent.id || null,
      status: agent.view?.status ?? null,
      body: agent.profile.body,
      walk: agent.steps,
      returns: [...agent.returns.values()],
      refunds: Object.fromEntries(agent.refunds),
      lastRequests: journals.get(agent.id) ?? [],
      timelineTail: agent.view?.timeline.slice(-8) ?? [],
    })),
    warehouse: { steps: desk.steps, lastRequests: journals.get('run') ?? [] },
    invariants: invariants ?? null,
  };
  mkdirSync(target.dataDir, { recursive: true });
  const reportPath = path.join(target.dataDir, 'adversary-report.json');
  writeFileSync(reportPath, JSON.stringify(report, null, 2));

  const crashes = system?.crashLines ?? [];
  console.log(`
== adversary run ${runTag}: seed ${options.seed}, ${options.orders} orders, ${report.mode}
duration          ${seconds(durationMs)}
orders by status  ${tally(agents.map((agent) => agent.view?.status ?? 'not placed'))}
by kind           ${tally(agents.map((agent) => agent.profile.kind))}
actions           ${Object.entries(actionCounts(agents))
    .map(([action, n]) => `${action} ${n}`)
    .join(', ')}
requests          ${findings.requests}: ${[...findings.answers].map(([status, n]) => `${status} x${n}`).join(', ')}
worker            ${system ? `${system.worker.kills} kill -9, ${system.worker.starts} starts, ${system.worker.crashes} crashes; API ${system.api.crashes} crashes` : 'not killed (--url)'}
excused 503s      ${findings.excusedServerErrors.length} (orders recovering after a worker kill, sent again with their Idempotency-Key)
holds route       ${report.holdsRoute}
${notes.length ? `notes:\n  ${notes.join('\n  ')}\n` : ''}${crashes.length ? `crashes:\n  ${crashes.join('\n  ')}\n` : ''}${driverErrors.length ? `driver errors (${driverErrors.length}):\n  ${driverErrors.slice(0, 5).join('\n  ')}\n` : ''}
== invariants
${invariants ? formatInvariantReport(invariants) : 'not checked (no database reachable)'}

== violations: ${findings.violations.length}${findings.violations.length ? `\n${formatViolations(findings.violations, agents)}` : ''}

report: ${reportPath}`);

  if (driverErrors.length > 0) throw new DriverError(driverErrors.join('\n'));
  const ok = findings.violations.length === 0 && crashes.length === 0 && !system?.interrupted;
  return { ok, dataDir: target.dataDir, remove: Boolean(system) && ok && !options.keep && !options.dataDir };
}

/** Statuses the pipeline leaves by itself in a moment: the walk waits there rather than spend its steps. */
const IN_PASSING = ['PENDING', 'AUTHORIZING', 'ALLOCATED'];

/**
 * An order's random walk, in two parts: its steps from placement on, then (valid moves only) on to delivery and a
 * few steps more in its return window, where returns, receipts and refunds happen. Stops early when interrupted.
 */
async function walk(agent: OrderAgent, deadline: number, interrupted: () => boolean): Promise<void> {
  const walkFor = async (steps: number) => {
    for (let step = 0, waits = 0; step < steps && !interrupted();) {
      const view = await agent.observe();
      if (!view) break;
      if (IN_PASSING.includes(view.status) && waits < 20 && agent.chance(0.7)) {
        waits += 1;
        await sleep(300);
        continue;
      }
      await walkStep(agent, view);
      step += 1;
      await sleep(Math.floor(agent.random() * 400));
    }
  };
  await walkFor(agent.profile.walkSteps);
  if (interrupted()) return;
  await driveOrder(agent, deadline, {
    patient: false,
    until: (view) => view.status === 'DELIVERED' || isTerminal(view.status),
  });
  if (agent.view?.status === 'DELIVERED') await walkFor(agent.profile.afterSalesSteps);
}

class DriverError extends Error {}

/** The OMS in manual fulfillment mode with the run's timeouts, so the run itself is the warehouse and the carrier. */
async function startOwnSystem(
  options: AdversaryOptions,
  cleanups: Cleanups,
  log: (message: string) => void,
): Promise<Target> {
  const { timeouts } = options;
  const system = await startIsolatedSystem({
    name: 'adversary',
    dataDir: options.dataDir,
    temporalAddress: options.temporal,
    ownNamespace: true,
    workflowBundle: options.workflowBundle,
    settings: {
      OMS_FULFILLMENT_MODE: 'manual',
      OMS_RETURN_WINDOW: timeouts.returnWindow,
      OMS_APPROVAL_TIMEOUT: timeouts.approvalTimeout,
      OMS_BACKORDER_TIMEOUT: timeouts.backorderTimeout,
      OMS_HOLD_TIMEOUT: timeouts.holdTimeout,
      OMS_DELIVERY_TIMEOUT: timeouts.deliveryTimeout,
      OMS_RETURN_RECEIPT_TIMEOUT: timeouts.receiptTimeout,
    },
    log,
    cleanups,
  });
  log(
    `own system in ${system.dataDir}: manual fulfillment, return window ${timeouts.returnWindow}, hold/delivery/receipt timeouts ${timeouts.holdTimeout}/${timeouts.deliveryTimeout}/${timeouts.receiptTimeout}`,
  );
  return {
    apiUrl: system.apiUrl,
    keys: system.keys,
    carrierSecret: system.carrierWebhookSecret,
    dataDir: system.dataDir,
    system,
    db: system.db,
    temporal: system.temporal,
  };
}

/** A system already running: its API; its database and Temporal when they can be found, for the invariant checks. */
async function connectToRunning(
  options: AdversaryOptions,
  cleanups: Cleanups,
  log: (message: string) => void,
): Promise<Target> {
  const given = options.target!;
  const target: Target = {
    apiUrl: given.url,
    keys: given.keys,
    carrierSecret: given.carrierSecret,
    dataDir: options.dataDir ? path.resolve(options.dataDir) : parseConfig().dataDir,
  };
  try {
    const running = resolveRunningSystem({ databaseUrl: given.databaseUrl, temporal: options.temporal });
    const db = createDb(running.databaseUrl, { poolMax: 2 });
    cleanups.last(() => db.destroy());
    await db.raw('select 1');
    target.db = db;
    if (running.temporalAddress) {
      const connection = await Connection.connect({ address: running.temporalAddress, connectTimeout: 5_000 });
      cleanups.first(() => connection.close());
      target.temporal = new Client({ connection, namespace: running.namespace });
    }
    log(
      `against ${given.url}; invariant checks on ${running.label}${running.temporalAddress ? ` and Temporal ${running.temporalAddress}` : ''}`,
    );
  } catch (error) {
    log(`against ${given.url}; no database for the invariant checks (${(error as Error).message})`);
  }
  return target;
}

/** Own system: every order settled and no workflow failed. A running one: the checks that hold while others work. */
async function invariantChecks(target: Target, log: (message: string) => void): Promise<InvariantReport | undefined> {
  if (target.system) return checkSettledInvariants(target.system.db, target.system.temporal);
  if (!target.db) return undefined;
  log('invariant checks on a system others may be using: not --settled');
  return checkInvariants(target.db, {
    workflows: target.temporal ? orderWorkflowLookup(target.temporal) : undefined,
    exampleLimit: 10,
  });
}

/** Settled orders may still run a moment (a restock, a parcel of a cancelled order): wait for every workflow. */
async function waitForWorkflows(system: IsolatedSystem, log: (message: string) => void): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const running = await runningWorkflows(system.temporal);
    if (running.length === 0 || Date.now() > deadline) return running;
    log(`waiting for ${running.length} workflows still running: ${running.slice(0, 4).join(', ')}`);
    await sleep(2_000);
  }
}

function withAdminFallback(keys: Partial<Record<Role, string>>): Partial<Record<Role, string>> {
  return Object.fromEntries(ROLES.map((role) => [role, keys[role] ?? keys.admin])) as Partial<Record<Role, string>>;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const usage =
      error instanceof UsageError || String((error as { code?: string })?.code).startsWith('ERR_PARSE_ARGS');
    console.error(
      usage
        ? `adversary: ${(error as Error).message} (see --help)`
        : `adversary: driver error: ${error instanceof DriverError ? error.message : ((error as Error)?.stack ?? String(error))}`,
    );
    process.exit(2);
  },
);
