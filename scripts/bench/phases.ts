import type { Client } from '@temporalio/client';
import { cpuMsPer, cpuSeconds } from './cpu';
import { historyLengths, historyShape, type HistoryShape } from './history';
import { ORDER_WORKFLOW_TYPE } from '../../workflows/order/messages';
import { postAtRate, postBatch, postClosedLoop, type PostResult } from './load';
import { latencySummary, megabytes, perSecond, round, throughput } from './measure';
import { loadAverage, statusCounts, statusTimes, waitWithProgress } from './progress';
import { CEILING_TASK_QUEUE, type RoleStats } from './protocol';
import type { RoleChild } from './role-child';
import { addBenchProduct, type BenchSystem } from './system';

/** The measurements of `npm run bench`, each on the running bench system. */

export const BENCH_SKU = 'BENCH-1';
export const HOT_SKU = 'BENCH-HOT';
const orderBody = (sku: string) => ({
  customerId: 'CUST-ACME',
  lines: [{ sku, quantity: 1 }],
  payment: { method: 'card', token: 'tok_ok' },
});
const TERMINAL = ['COMPLETED', 'CANCELLED', 'REJECTED'];

interface PhaseOptions {
  timeoutMs: number;
}

function failures(results: PostResult[]) {
  const failed = results.filter((result) => result.status !== 202);
  return {
    count: failed.length,
    examples: failed.slice(0, 3).map((result) => `${result.status} ${result.error ?? ''}`.trim()),
  };
}

function perOrder(before: RoleStats, after: RoleStats, orders: number) {
  const total = after.queries.total - before.queries.total;
  const control = after.queries.transactionControl - before.queries.transactionControl;
  const byActivity: Record<string, number | null> = {};
  for (const [activity, count] of Object.entries(after.queries.byActivity)) {
    byActivity[activity] = round((count - (before.queries.byActivity[activity] ?? 0)) / orders);
  }
  return { total: round(total / orders), transactionControl: round(control / orders), byActivity };
}

const memory = (stats: RoleStats) => ({
  rssMb: megabytes(stats.memory.rssBytes),
  peakRssMb: megabytes(stats.memory.peakRssBytes),
  heapUsedMb: megabytes(stats.memory.heapUsedBytes),
});

/**
 * Posts orders (with `post`) and waits until every accepted order is in one of `statuses`, with a progress line
 * from the first request on. `finished` is false when the time ran out.
 */
async function postAndWait(
  system: BenchSystem,
  label: string,
  total: number,
  post: (onPosted: (result: PostResult) => void) => Promise<PostResult[]>,
  statuses: string[],
  options: {
    startedAt: number;
    timeoutMs: number;
    /** What else must hold once every order is in `statuses`, and what to read for it. */
    also?: {
      read: (accepted: string[]) => Promise<Record<string, number>>;
      done: (counts: Record<string, number>) => boolean;
    };
  },
) {
  const accepted: string[] = [];
  let posted = 0;
  let results: PostResult[] | undefined;
  let postedAt = 0;
  const posting = post((result) => {
    posted += 1;
    if (result.orderId) accepted.push(result.orderId);
  }).then((all) => {
    results = all;
    postedAt = Date.now();
  });
  const { also } = options;
  const finished = await waitWithProgress(
    label,
    async () => ({ ...(await statusCounts(system.db, accepted)), ...(also ? await also.read(accepted) : {}) }),
    (counts) =>
      results !== undefined &&
      statuses.reduce((sum, status) => sum + (counts[status] ?? 0), 0) >= accepted.length &&
      (!also || also.done(counts)),
    { timeoutMs: options.timeoutMs, startedAt: options.startedAt, extra: () => `posted ${posted}/${total} | ` },
  );
  await posting;
  return { results: results!, accepted, postedAt, finished };
}

/**
 * N orders at concurrency C through the whole pipeline: throughput to SHIPPED and COMPLETED, POST latency,
 * order-to-SHIPPED latency, SQL round trips and history events per order, worker memory.
 */
export async function runMainPhase(
  system: BenchSystem,
  options: PhaseOptions & { orders: number; concurrency: number },
) {
  const worker = system.worker!;
  const api = system.api!;
  const [workerBefore, apiBefore] = await Promise.all([worker.stats({ resetPeak: true }), api.stats()]);
  const parts = { worker: worker.pid, api: api.pid };
  const cpuBefore = cpuSeconds(parts);
  const loadBefore = loadAverage();
  const startedAt = Date.now();
  const { results, accepted, postedAt, finished } = await postAndWait(
    system,
    `main (${options.orders} orders, concurrency ${options.concurrency})`,
    options.orders,
    (onPosted) =>
      postClosedLoop(
        { url: system.apiUrl, key: system.salesKey },
        options.orders,
        options.concurrency,
        () => orderBody(BENCH_SKU),
        onPosted,
      ),
    TERMINAL,
    { startedAt, timeoutMs: options.timeoutMs },
  );
  const [workerAfter, apiAfter] = await Promise.all([worker.stats(), api.stats()]);
  const cpuAfter = cpuSeconds(parts);
  const loadAfter = loadAverage();

  const times = await statusTimes(system.db, accepted);
  const shippedAt = accepted.map((id) => times.get(id)?.SHIPPED).filter((at): at is number => at !== undefined);
  const completedAt = accepted.map((id) => times.get(id)?.COMPLETED).filter((at): at is number => at !== undefined);
  const toShipped = results
    .filter((result) => result.orderId && times.get(result.orderId)?.SHIPPED)
    .map((result) => times.get(result.orderId!)!.SHIPPED! - result.dueAt);
  const statuses = await statusCounts(system.db, accepted);
  const sample = accepted.filter((id) => times.get(id)?.COMPLETED).slice(0, 100);
  const shape: HistoryShape | undefined = sample.length ? await historyShape(system.temporal, sample[0]) : undefined;
  const lengths = await historyLengths(system.temporal, sample);
  const orders = accepted.length || 1;
  return {
    orders: options.orders,
    concurrency: options.concurrency,
    finished,
    statuses,
    failedPosts: failures(results),
    loadAverage: { before: loadBefore, after: loadAfter },
    postSeconds: round((postedAt - startedAt) / 1000),
    shipped: throughput(shippedAt, startedAt),
    completed: throughput(completedAt, startedAt),
    postLatencyMs: latencySummary(results.map((result) => result.latencyMs)),
    orderToShippedMs: latencySummary(toShipped),
    historyEventsPerOrder: lengths,
    historyShape: shape,
    sqlPerOrder: { worker: perOrder(workerBefore, workerAfter, orders), api: perOrder(apiBefore, apiAfter, orders) },
    cpuMsPerOrder: cpuMsPer(orders, cpuBefore, cpuAfter),
    workerMemory: memory(workerAfter),
    apiMemory: memory(apiAfter),
    series: {
      shippedPerSecond: perSecond(shippedAt, startedAt),
      completedPerSecond: perSecond(completedAt, startedAt),
    },
  };
}

/**
 * Orders at a fixed rate (open loop) for the POST latency target; latency counts from each order's slot. The first
 * `warmUpOrders` go at the same rate just before, and their latency is reported apart, as a service's first
 * seconds after a quiet spell (cold JIT paths, database connections to open) are not its latency at a rate. With
 * `workerStoppedWhilePosting` the order worker is stopped while the orders are posted, as if it ran on other hosts
 * (on this one machine it otherwise takes the CPU the API needs), then started to work the backlog off: the API's
 * own latency, since nothing in the request waits for the worker.
 */
export async function runRatePhase(
  system: BenchSystem,
  options: PhaseOptions & { rate: number; orders: number; warmUpOrders: number; workerStoppedWhilePosting?: boolean },
) {
  const alone = options.workerStoppedWhilePosting ?? false;
  const warmUp = options.warmUpOrders;
  if (alone) await system.stopRole('worker');
  const parts = alone ? { api: system.api?.pid } : { worker: system.worker?.pid, api: system.api?.pid };
  const cpuBefore = cpuSeconds(parts);
  const loadBefore = loadAverage();
  const startedAt = Date.now();
  let postedAt = startedAt;
  let loadAfterPosting = loadBefore;
  const { results, accepted, finished } = await postAndWait(
    system,
    alone ? `API alone (${options.rate} orders/s, worker stopped while posting)` : `rate (${options.rate} orders/s)`,
    warmUp + options.orders,
    async (onPosted) => {
      const all = await postAtRate(
        { url: system.apiUrl, key: system.salesKey },
        warmUp + options.orders,
        options.rate,
        () => orderBody(BENCH_SKU),
        onPosted,
      );
      postedAt = Date.now();
      loadAfterPosting = loadAverage();
      if (alone) await system.start('worker');
      return all;
    },
    TERMINAL,
    { startedAt, timeoutMs: options.timeoutMs },
  );
  // The worker restarted after posting is a new process: name it, or its CPU would count as the bench's own.
  const cpuAfter = cpuSeconds({ ...parts, worker: system.worker?.pid });
  const times = await statusTimes(system.db, accepted);
  // The first seconds at the rate warm the API up (JIT, connections); they are reported apart, not measured.
  const warming = results.filter((result) => result.index < warmUp);
  const measured = results.filter((result) => result.index >= warmUp);
  const toShipped = measured
    .filter((result) => result.orderId && times.get(result.orderId)?.SHIPPED)
    .map((result) => times.get(result.orderId!)!.SHIPPED! - result.dueAt);
  return {
    rate: options.rate,
    orders: options.orders,
    workerStoppedWhilePosting: alone,
    finished,
    achievedRate: round(results.length / ((postedAt - startedAt) / 1000)),
    failedPosts: failures(results),
    loadAverage: { before: loadBefore, after: loadAfterPosting },
    warmUp: { orders: warming.length, postLatencyMs: latencySummary(warming.map((result) => result.latencyMs)) },
    postLatencyMs: latencySummary(measured.map((result) => result.latencyMs)),
    orderToShippedMs: latencySummary(toShipped),
    cpuMsPerOrder: cpuMsPer(accepted.length, cpuBefore, cpuAfter),
  };
}

/**
 * Batch entry: one `POST /v1/orders/batch` of `rows` orders, as an import would send it. How long the answer took, and
 * how long from the request until every accepted order's workflow had started (the start times Temporal recorded),
 * reached SHIPPED and COMPLETED. The phase ends once every order is in a final status, so the next phase starts on an
 * idle system.
 */
export async function runBatchPhase(system: BenchSystem, options: PhaseOptions & { rows: number }) {
  const api = system.api!;
  const apiBefore = await api.stats();
  const parts = { worker: system.worker?.pid, api: api.pid };
  const cpuBefore = cpuSeconds(parts);
  const loadBefore = loadAverage();
  const startedAt = Date.now();
  const answer = await postBatch(
    { url: system.apiUrl, key: system.salesKey },
    Array.from({ length: options.rows }, () => orderBody(BENCH_SKU)),
  );
  const apiAfterAnswer = await api.stats();
  const loadAtAnswer = loadAverage();
  const accepted = answer.orderIds;
  const acceptedIds = new Set(accepted);

  // Every order workflow started since the request is one of the batch's: the phases before it have settled.
  const startedQuery = `WorkflowType="${ORDER_WORKFLOW_TYPE}" AND StartTime >= "${new Date(startedAt - 1_000).toISOString()}"`;
  const finished = await waitWithProgress(
    `batch (${options.rows} rows, answered in ${answer.latencyMs} ms)`,
    async () => ({
      'workflows started': (await system.temporal.workflow.count(startedQuery)).count,
      ...(await statusCounts(system.db, accepted)),
    }),
    (counts) =>
      counts['workflows started'] >= accepted.length &&
      TERMINAL.reduce((sum, status) => sum + (counts[status] ?? 0), 0) >= accepted.length,
    { startedAt, timeoutMs: options.timeoutMs, intervalMs: 1_000 },
  );
  const cpuAfter = cpuSeconds(parts);
  const apiAfter = await api.stats();

  const startTimes: number[] = [];
  for await (const execution of system.temporal.workflow.list({ query: startedQuery })) {
    if (acceptedIds.has(execution.workflowId)) startTimes.push(execution.startTime.getTime());
  }
  const times = await statusTimes(system.db, accepted);
  const reached = (status: string) =>
    accepted.map((id) => times.get(id)?.[status]).filter((at): at is number => at !== undefined);
  const shippedAt = reached('SHIPPED');
  return {
    rows: options.rows,
    finished,
    loadAverage: { before: loadBefore, atAnswer: loadAtAnswer, after: loadAverage() },
    answer: {
      status: answer.status,
      ms: answer.latencyMs,
      accepted: accepted.length,
      rejected: answer.rejected,
      errors: answer.errors,
    },
    /** The API's SQL round trips until it answered, and until the end (its workflow starts' bookkeeping too). */
    apiSqlRoundTrips: {
      toAnswer: apiAfterAnswer.queries.total - apiBefore.queries.total,
      total: apiAfter.queries.total - apiBefore.queries.total,
    },
    /** Seconds from the request to the first and to the last workflow start, and how many started. */
    started: throughput(startTimes, startedAt),
    shipped: throughput(shippedAt, startedAt),
    completed: throughput(reached('COMPLETED'), startedAt),
    statuses: await statusCounts(system.db, accepted),
    cpuMsPerOrder: cpuMsPer(accepted.length, cpuBefore, cpuAfter),
    series: { startedPerSecond: perSecond(startTimes, startedAt), shippedPerSecond: perSecond(shippedAt, startedAt) },
  };
}

const SETTLED = ['SHIPPED', 'DELIVERED', 'COMPLETED', 'BACKORDERED', 'CANCELLED', 'REJECTED'];

/**
 * A hot SKU: `orders` orders of one unit posted at once for a SKU with `units` in stock. Settled = every order
 * shipped (or beyond), backordered or cancelled, and no reservation left open. Oversold units come from the
 * stock ledger: shipped plus still reserved beyond what was received.
 */
export async function runHotSkuPhase(system: BenchSystem, options: PhaseOptions & { orders: number; units: number }) {
  await addBenchProduct(system.db, HOT_SKU, { EWR: options.units });
  const loadBefore = loadAverage();
  const startedAt = Date.now();
  const openReservations = async (ids: string[]) =>
    Number(
      (await system.db('reservations').where({ status: 'active' }).whereIn('order_id', ids).count({ n: '*' }).first())
        ?.n ?? 0,
    );
  const { results, accepted, finished } = await postAndWait(
    system,
    `hot SKU (${options.orders} orders, ${options.units} units)`,
    options.orders,
    (onPosted) =>
      postClosedLoop(
        { url: system.apiUrl, key: system.salesKey },
        options.orders,
        options.orders,
        () => orderBody(HOT_SKU),
        onPosted,
      ),
    SETTLED,
    {
      startedAt,
      timeoutMs: options.timeoutMs,
      also: {
        read: async (ids) => ({ 'open reservations': await openReservations(ids) }),
        done: (counts) => counts['open reservations'] === 0,
      },
    },
  );
  const times = await statusTimes(system.db, accepted);
  const settledAt = accepted.map((id) => Math.min(...SETTLED.map((status) => times.get(id)?.[status] ?? Infinity)));

  const ledger: { received: number; shipped: number; reserved: number }[] = await system
    .db('stock_ledger')
    .where({ sku: HOT_SKU })
    .groupBy('warehouse_code')
    .select(
      system.db.raw('coalesce(sum(on_hand_delta) FILTER (WHERE on_hand_delta > 0), 0)::int AS received'),
      system.db.raw(`coalesce(-sum(on_hand_delta) FILTER (WHERE reason = 'ship'), 0)::int AS shipped`),
      system.db.raw('coalesce(sum(reserved_delta), 0)::int AS reserved'),
    );
  const oversold = ledger.reduce((sum, row) => sum + Math.max(0, row.shipped + row.reserved - row.received), 0);
  const lines = await system
    .db('order_lines')
    .whereIn('order_id', accepted)
    .select(
      system.db.raw('coalesce(sum(shipped_quantity), 0)::int AS shipped'),
      system.db.raw('coalesce(sum(reserved_quantity), 0)::int AS reserved'),
    )
    .first();
  return {
    orders: options.orders,
    units: options.units,
    finished,
    failedPosts: failures(results),
    loadAverage: { before: loadBefore, after: loadAverage() },
    statuses: await statusCounts(system.db, accepted),
    settleSeconds: finished ? round((Math.max(...settledAt) - startedAt) / 1000) : null,
    ledger: {
      received: ledger.reduce((sum, row) => sum + row.received, 0),
      shipped: ledger.reduce((sum, row) => sum + row.shipped, 0),
      reserved: ledger.reduce((sum, row) => sum + row.reserved, 0),
    },
    orderLines: lines as { shipped: number; reserved: number },
    oversoldUnits: oversold,
  };
}

/**
 * The ceiling: as many no-op workflows as orders, replaying an order's commands per workflow task (activities,
 * local activities, upserts, timers), started at the same concurrency on the same server by a worker tuned like
 * the order worker.
 */
export async function runCeilingPhase(
  system: BenchSystem,
  options: PhaseOptions & { workflows: number; concurrency: number; orderShape: HistoryShape; runId: string },
) {
  const worker: RoleChild = await system.start('ceiling');
  await worker.stats({ resetPeak: true });
  const client: Client = system.temporal;
  const parts = { ceiling: worker.pid };
  const cpuBefore = cpuSeconds(parts);
  const loadBefore = loadAverage();
  const prefix = `ceiling-${options.runId}-`;
  const startedAt = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency, options.workflows) }, async () => {
      while (next < options.workflows) {
        const index = next++;
        await client.workflow.start('ceilingWorkflow', {
          taskQueue: CEILING_TASK_QUEUE,
          workflowId: `${prefix}${index}`,
          args: [options.orderShape.script],
        });
      }
    }),
  );
  const query = `TaskQueue="${CEILING_TASK_QUEUE}" AND WorkflowId STARTS_WITH "${prefix}"`;
  const finished = await waitWithProgress(
    `ceiling (${options.workflows} workflows)`,
    async () => ({ completed: (await client.workflow.count(`${query} AND ExecutionStatus="Completed"`)).count }),
    (counts) => counts.completed >= options.workflows,
    { timeoutMs: options.timeoutMs, startedAt, intervalMs: 1_000 },
  );
  const stats = await worker.stats();
  const cpuAfter = cpuSeconds(parts);
  const closedAt: number[] = [];
  for await (const execution of client.workflow.list({ query: `${query} AND ExecutionStatus="Completed"` })) {
    if (execution.closeTime) closedAt.push(execution.closeTime.getTime());
  }
  const shape = await historyShape(client, `${prefix}0`);
  await system.stopRole('ceiling');
  return {
    workflows: options.workflows,
    concurrency: options.concurrency,
    shape: { ...shape, script: undefined },
    finished,
    loadAverage: { before: loadBefore, after: loadAverage() },
    completed: throughput(closedAt, startedAt),
    cpuMsPerWorkflow: cpuMsPer(options.workflows, cpuBefore, cpuAfter),
    workerMemory: memory(stats),
    series: { completedPerSecond: perSecond(closedAt, startedAt) },
  };
}
