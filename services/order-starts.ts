import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { CompanionRow } from '../db/orders';
import { errorSummary, type Logger } from '../observability/logger';
import { LOWEST_PRIORITY } from '../domain/priority';
import { ORDER_WORKFLOW_TYPE, orderWorkflowId, type OrderWorkflowInput } from '../workflows/order/messages';
import { CustomerIdKey, OrderPriorityKey, OrderStatusKey } from '../workflows/order/search-attributes';

/** What starting an order's workflow needs, kept with the order until the workflow has started. */
export interface OrderStart {
  input: OrderWorkflowInput;
  /** What the Temporal UI shows for the order (see services/place-order.ts). */
  staticSummary: string;
  staticDetails: string;
}

/** The start request, written with the order (`insertOrder`): no order without its start, ever. */
export function orderStartRow(start: OrderStart): CompanionRow {
  return { table: 'order_workflow_starts', row: { order_id: start.input.orderId, start: JSON.stringify(start) } };
}

export interface OrderStarts {
  /**
   * Starts the order's workflow soon, without waiting: at once unless `maxInFlight` starts are under way, then in
   * priority order (1 first). A failure leaves it to the sweeper.
   */
  startSoon(start: OrderStart): void;
  /** Starts the order's workflow if it has not started yet; false when there was nothing to start. */
  ensureStarted(orderId: string): Promise<boolean>;
  /** Starts every order accepted more than `olderThanMs` ago whose workflow has not started; answers how many. */
  sweep(olderThanMs?: number): Promise<number>;
  /** Sweeps every `intervalMs` until stopped; stopping waits for the starts under way. */
  runSweeper(intervalMs?: number): { stop(): Promise<void> };
  /** Waits for the starts under way, and those waiting their turn, to succeed or fail. */
  settled(): Promise<void>;
}

/** Workflow starts one process has in flight at most (startSoon): a 1000-order batch does not send 1000 at once. */
const MAX_STARTS_IN_FLIGHT = 32;
/** How long one start may take before it is given up (and left to the sweeper), so no start holds its place. */
const START_DEADLINE_MS = 30_000;

/**
 * Starting order workflows, apart from accepting orders (a transactional outbox): `POST /v1/orders` answers once the
 * order and its start request are committed, so its latency does not include Temporal's, and an order accepted while
 * Temporal is unreachable is kept and started when it is back. The workflow ID is the order ID and a second start is
 * refused, so starting the same order twice (the API and the sweeper, or two API replicas) is harmless.
 */
export function createOrderStarts(deps: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  maxInFlight?: number;
}): OrderStarts {
  const underWay = new Map<string, Promise<void>>();

  // Started orders' rows are removed together, one statement every few milliseconds rather than one per order: a
  // row left behind by a crash only makes the sweeper try a start that Temporal refuses as a duplicate.
  let startedOrders: string[] = [];
  let removal: Promise<void> | undefined;
  function forgetStart(orderId: string): Promise<void> {
    startedOrders.push(orderId);
    removal ??= new Promise<void>((resolve) => setTimeout(resolve, 10)).then(async () => {
      const orderIds = startedOrders;
      startedOrders = [];
      removal = undefined;
      await deps
        .db('order_workflow_starts')
        .whereIn('order_id', orderIds)
        .delete()
        .catch((error: unknown) =>
          deps.logger.warn(
            { err: errorSummary(error), orders: orderIds.length },
            'started orders keep their start requests for now; the sweeper finds them started',
          ),
        );
    });
    return removal;
  }

  async function start(orderStart: OrderStart): Promise<void> {
    const { input } = orderStart;
    try {
      await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        deps.temporal.workflow.start(ORDER_WORKFLOW_TYPE, {
          taskQueue: deps.taskQueue,
          workflowId: orderWorkflowId(input.orderId),
          args: [input],
          // An order ID names one order forever: never start a second run for it.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          // Order priority 1..5 is Temporal's priority key 1..5: workers take urgent orders' tasks first.
          priority: { priorityKey: input.priority },
          typedSearchAttributes: [
            { key: OrderStatusKey, value: 'PENDING' },
            { key: CustomerIdKey, value: input.customerId },
            { key: OrderPriorityKey, value: input.priority },
          ],
          staticSummary: orderStart.staticSummary,
          staticDetails: orderStart.staticDetails,
        }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    await forgetStart(input.orderId);
  }

  /** One start per order at a time in this process; a failed one is counted on its row for the sweeper. */
  function startOnce(orderStart: OrderStart): Promise<void> {
    const orderId = orderStart.input.orderId;
    const running = underWay.get(orderId);
    if (running) return running;
    const attempt = start(orderStart)
      .catch(async (error: unknown) => {
        deps.logger.warn({ orderId, err: errorSummary(error) }, 'order workflow not started yet; the sweeper retries');
        await deps
          .db('order_workflow_starts')
          .where({ order_id: orderId })
          .update({
            attempts: deps.db.raw('attempts + 1'),
            last_error: String((error as Error).message ?? error).slice(0, 500),
          })
          .catch(() => undefined);
        throw error;
      })
      .finally(() => underWay.delete(orderId));
    underWay.set(orderId, attempt);
    return attempt;
  }

  // startSoon's starts beyond `maxInFlight` wait here, a queue per order priority: an urgent order placed while a
  // batch import's workflows are starting goes before them. Their rows are in order_workflow_starts already, so a
  // crash loses none: the sweeper starts them.
  const maxInFlight = deps.maxInFlight ?? MAX_STARTS_IN_FLIGHT;
  const waiting = Array.from({ length: LOWEST_PRIORITY + 1 }, (): OrderStart[] => []);
  const waitingOrders = new Set<string>();
  let inFlight = 0;
  /** settled() calls waiting for the queues to drain. */
  const drainWaiters: (() => void)[] = [];
  function startWaiting(): void {
    while (inFlight < maxInFlight) {
      const next = waiting.find((queue) => queue.length > 0)?.shift();
      if (!next) break;
      waitingOrders.delete(next.input.orderId);
      inFlight += 1;
      startOnce(next)
        .catch(() => undefined)
        .finally(() => {
          inFlight -= 1;
          startWaiting();
        });
    }
    if (inFlight === 0) for (const resolve of drainWaiters.splice(0)) resolve();
  }

  const pendingStart = async (orderId: string): Promise<OrderStart | undefined> =>
    (await deps.db('order_workflow_starts').where({ order_id: orderId }).first('start'))?.start as
      OrderStart | undefined;

  const starts: OrderStarts = {
    startSoon(orderStart) {
      const { orderId, priority } = orderStart.input;
      if (waitingOrders.has(orderId)) return;
      waitingOrders.add(orderId);
      waiting[Math.min(Math.max(priority, 0), LOWEST_PRIORITY)].push(orderStart);
      startWaiting();
    },
    async ensureStarted(orderId) {
      const orderStart = await pendingStart(orderId);
      if (!orderStart) return false;
      await startOnce(orderStart);
      return true;
    },
    async sweep(olderThanMs = 10_000) {
      const due: { start: OrderStart }[] = await deps
        .db('order_workflow_starts')
        .where('created_at', '<', deps.db.raw(`now() - make_interval(secs => ?)`, [olderThanMs / 1000]))
        .orderBy('created_at')
        .limit(200)
        .select('start');
      // Those waiting for their turn here are started in it.
      const results = await Promise.allSettled(
        due.filter((row) => !waitingOrders.has(row.start.input.orderId)).map((row) => startOnce(row.start)),
      );
      return results.filter((result) => result.status === 'fulfilled').length;
    },
    runSweeper(intervalMs = 5_000) {
      let sweeping: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        sweeping = sweeping
          .then(() => starts.sweep())
          .catch((error: unknown) =>
            deps.logger.warn({ err: errorSummary(error) }, 'sweeping unstarted orders failed'),
          );
      }, intervalMs);
      timer.unref();
      return {
        async stop() {
          clearInterval(timer);
          await sweeping;
          await starts.settled();
        },
      };
    },
    async settled() {
      if (inFlight > 0) await new Promise<void>((resolve) => drainWaiters.push(resolve));
      await Promise.allSettled([...underWay.values()]);
    },
  };
  return starts;
}
