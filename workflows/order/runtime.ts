import {
  ActivityCancellationType,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { STEP_RETRY, type CarriesTimeline, type OrderActivities } from '../../contract';
import { isTerminal, type OrderStatus } from '../../domain/order';
import { changesOrderLines, type OrderProgress } from '../../domain/timeline';
import type { OrderState, Requested } from './messages';
import type { OrderBook } from './order-book';
import {
  DATABASE_STEPS_AS_LOCAL_ACTIVITIES,
  EDITS_BEFORE_PICKING,
  NEVER_STUCK,
  ONE_LOCAL_ACTIVITY_AT_A_TIME,
  ORDER_PROCESS_2026_12,
  ORDER_PROCESS_2026_12_06,
  ORDER_PROCESS_2026_12_07,
  ORDER_PROCESS_2026_12_08,
  REQUEST_ACTORS_AND_RISK_HOLDS,
  TIMELINE_WRITTEN_IN_BATCHES,
  WRITES_AFTER_UPDATES_WAIT_FOR_HISTORY,
} from './patches';
import { HoldReasonKey, OrderStatusKey } from './search-attributes';

/** Steps that call outside systems, and the steps of orders started before they ran in the worker (`quickStep`). */
export const activities = proxyActivities<OrderActivities>({ startToCloseTimeout: '30s', retry: STEP_RETRY });
/** Steps a cancellation may interrupt: the workflow learns the outcome of an attempt under way before it goes on. */
export const interruptibleActivities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: STEP_RETRY,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
/**
 * Asking the provider again after a cancellation interrupted a step: a few attempts, so that an outage cannot hold
 * the cancellation up for long.
 */
export const reaskActivities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { ...STEP_RETRY, maximumAttempts: 4 },
});
// Read-model writes are quick database statements: local activities spare them a round trip to the server.
const readModel = proxyLocalActivities<OrderActivities>({ startToCloseTimeout: '10s' });
/**
 * Steps that only touch the database (idempotent, milliseconds: allocation, invoicing, carrier events, and on current
 * orders pricing and auto mode's pick list steps): as local activities each spares the server an activity task and
 * mostly the order a workflow task. A running local activity holds the workflow task, so an Update sent meanwhile
 * waits for the step to end, and the order acts on it at its next step. Outside systems (payment provider, carrier)
 * stay activities, and so do staff's pick list steps (manual mode).
 */
const databaseSteps = proxyLocalActivities<OrderActivities>({ startToCloseTimeout: '30s', retry: STEP_RETRY });
/**
 * A capture run in the worker (`captureStep`): after the first quick retries, each later attempt waits on a timer
 * between workflow tasks, so a request sent while the payment provider is down is answered between attempts instead
 * of waiting for the provider to come back.
 */
const capturesInWorker = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: STEP_RETRY,
  localRetryThreshold: '2s',
});

type Activities = typeof activities;

/** A one-line summary the Temporal UI shows on a step's activity: what this call does, with its figures. */
export function summary(text: string): { summary: string } {
  return { summary: text };
}

/**
 * The Temporal mechanics under one order: its status as the Temporal UI and the read model see it, the timeline
 * written once per workflow task, database steps as local activities one at a time, and which accepted Updates are
 * known to be in the history. The steps call `setStatus`, `recordEvent` and `databaseStep`; nothing here is a
 * business rule.
 */
export class OrderRuntime {
  // Patches are asked in the order orders have always asked them (see patches.ts). A new order asks one for all.
  /** Orders started on this release: the payment capture runs in the worker (see `captureStep`). */
  private readonly current = patched(ORDER_PROCESS_2026_12_08);
  /** ... or on the one before: quick database steps run in the worker (see `quickStep`). */
  readonly since2026_12_07 = this.current || patched(ORDER_PROCESS_2026_12_07);
  /** ... or on the one before that (see `pickListStep`, `settled`). */
  private readonly since2026_12_06 = this.since2026_12_07 || patched(ORDER_PROCESS_2026_12_06);
  /** ... or on the first December release: every patch below holds without asking it (see `hasPatch`). */
  private readonly since2026_12 = this.since2026_12_06 || patched(ORDER_PROCESS_2026_12);
  /** An order started before these steps became local activities replays, and finishes, with activities. */
  private readonly inWorker = this.hasPatch(DATABASE_STEPS_AS_LOCAL_ACTIVITIES) ? databaseSteps : activities;
  /** Orders started before writes waited for Updates to be recorded replay without it (see `databaseWrite`). */
  private readonly writesWaitForUpdates = this.hasPatch(WRITES_AFTER_UPDATES_WAIT_FOR_HISTORY);
  /** ... and before local activities ran one at a time (see `oneLocalActivityAtATime`). */
  private readonly localActivitiesInTurn = this.hasPatch(ONE_LOCAL_ACTIVITY_AT_A_TIME);
  private localActivityTurn: Promise<unknown> = Promise.resolve();
  private localActivitiesInFlight = 0;
  /** ... and before timeline entries were written together (see `writeTimelineWhenIdle`). */
  readonly timelineInBatches = this.hasPatch(TIMELINE_WRITTEN_IN_BATCHES);
  /** ... and before holds and waits with an end (see patches.ts). */
  readonly neverStuck = this.hasPatch(NEVER_STUCK);
  /** ... and before requests were timeline entries with their actor, and risk rules held new orders. */
  readonly actorsAndRiskHolds = this.hasPatch(REQUEST_ACTORS_AND_RISK_HOLDS);
  /** ... and before edits (see steps/edits.ts): those refuse them. */
  readonly edits = this.hasPatch(EDITS_BEFORE_PICKING);
  /** Timeline entries made and not yet written, and the write under way. */
  private readonly unwrittenTimeline: OrderProgress[] = [];
  private timelineWrite: { changesLines: boolean; done: Promise<void> } | undefined;
  /** Updates accepted by this order, and how many of them are known to be in its history. */
  private acceptedUpdates = 0;
  private recordedUpdates = 0;
  private eventSeq = 0;
  /** Every timeline entry up to this seq is written (writes go in seq order). */
  private writtenSeq = 0;
  /** Search attribute values set and not yet upserted (current orders), and how many times any were set. */
  private readonly unwrittenAttributes = new Map<string, SearchAttributeUpdatePair>();
  private attributeChanges = 0;
  private wait: { what: NonNullable<OrderState['waitingFor']>; details: string } | undefined;

  constructor(private readonly book: OrderBook) {}

  private get state(): OrderState {
    return this.book.state;
  }

  /**
   * Whether this order takes the branch a patch guards. A current order takes every patch's branch without a marker
   * of its own; an older one asks the patch, as it did when it first ran.
   */
  hasPatch(patchId: string): boolean {
    return this.since2026_12 || patched(patchId);
  }

  /**
   * Sets search attributes (the Temporal UI's columns and filters). A current order upserts the values set while a
   * workflow task runs together (see `upsertAttributesWhenIdle`); an older one at once, as it always did.
   */
  upsert(pairs: SearchAttributeUpdatePair[]): void {
    if (!this.since2026_12) return upsertSearchAttributes(pairs);
    for (const pair of pairs) this.unwrittenAttributes.set(pair.key.name, pair);
    this.attributeChanges += 1;
  }

  /** Starts the timeline writer (orders that write it in batches), and a current order's search attribute writer. */
  startTimelineWriter(): void {
    if (this.timelineInBatches) void this.writeTimelineWhenIdle();
    if (this.since2026_12) void this.upsertAttributesWhenIdle();
  }

  /** Whether every timeline entry and search attribute set so far is written: the order ends only then. */
  timelineWritten(): boolean {
    return (
      this.unwrittenTimeline.length === 0 && this.timelineWrite === undefined && this.unwrittenAttributes.size === 0
    );
  }

  async setStatus(
    status: OrderStatus,
    message: string,
    extra: Partial<OrderProgress> & { release?: boolean } = {},
  ): Promise<void> {
    const { release, ...progress } = extra;
    const wasHeld = this.state.status === 'ON_HOLD';
    if (wasHeld && status !== 'ON_HOLD' && !release && !isTerminal(status)) {
      // Another shipment moved on while the order is held (its step was under way): it returns there when released.
      this.state.heldFrom = status;
      await this.recordEvent({ type: 'while_held', message });
      return;
    }
    this.book.enterStatus(status, progress);
    // The Temporal UI's current details always say where the order is; a wait replaces them with what it waits for.
    setCurrentDetails(`**${status}** · ${message}`);
    const attributes: SearchAttributeUpdatePair[] = [{ key: OrderStatusKey, value: status }];
    // Keywords are short: the timeline keeps the whole reason.
    if (status === 'ON_HOLD') attributes.push({ key: HoldReasonKey, value: progress.holdReason!.slice(0, 200) });
    else if (wasHeld) attributes.push({ key: HoldReasonKey, value: null });
    this.upsert(attributes);
    await this.recordEvent({ type: 'status', message, status, ...progress });
  }

  /** What the order waits for, shown on the query and as the workflow's current details in the Temporal UI. */
  waitFor(what: NonNullable<OrderState['waitingFor']>, details: string): void {
    this.state.waitingFor = what;
    this.wait = { what, details };
    setCurrentDetails(details);
  }

  /** What the order waits for now, to wait for it again after a hold. */
  currentWait(): { what: NonNullable<OrderState['waitingFor']>; details: string } | undefined {
    return this.state.waitingFor ? this.wait : undefined;
  }

  async recordEvent(event: Omit<OrderProgress, 'orderId' | 'seq'>): Promise<void> {
    this.eventSeq += 1;
    const progress = { orderId: this.state.orderId, seq: this.eventSeq, ...event };
    if (this.timelineInBatches) {
      this.unwrittenTimeline.push(progress);
      return;
    }
    await this.databaseWrite(readModel, (proxy) =>
      proxy.recordOrderProgress.executeWithOptions(summary(event.message), [progress]),
    );
  }

  /** A step that only touches the database: a local activity where the order's history allows (see `databaseWrite`). */
  databaseStep<Result>(write: (proxy: Activities) => Promise<Result>): Promise<Result> {
    return this.databaseWrite(this.inWorker, write);
  }

  /**
   * Runs a step's activity with an outside system (payment, carrier) taking the timeline entries made so far along,
   * to write before its own work (`CarriesTimeline`): the workflow task that schedules it needs no local activity to
   * write them. Later entries, and database steps that count on these, wait until it ends, so the timeline is still
   * written in order; entries of a call that failed are written again. Only a current order with at most one
   * shipment takes entries along: the step is then the only thing the order does, and a split order's other
   * shipments need not wait for one shipment's carrier.
   */
  withTimeline<Result>(call: (carried: CarriesTimeline) => Promise<Result>): Promise<Result> {
    const unwritten = this.unwrittenTimeline;
    const takesAlong =
      this.since2026_12 && this.timelineWrite === undefined && this.state.shipments.length <= 1 && unwritten.length > 0;
    // Not async itself: an older order's step keeps the awaits it replays with.
    return takesAlong ? this.writingAlong(unwritten.splice(0), call) : call({});
  }

  /**
   * A step that only reads and writes the database but was an activity before `ORDER_PROCESS_2026_12_07`: pricing,
   * and auto mode's pick list and pick. On an order started since then it is a database step, so it runs inside the
   * workflow task that reaches it; on an older one the activity it was, as it replays (`asActivity`).
   */
  quickStep<Result>(
    write: (proxy: Activities) => Promise<Result>,
    asActivity: () => Promise<Result> = () => write(activities),
  ): Promise<Result> {
    return this.since2026_12_07 ? this.databaseStep(write) : asActivity();
  }

  /**
   * Capturing a shipped shipment's payment (an outside system), taking the timeline entries made so far along (see
   * `withTimeline`). On a current order it is a local activity: once the parcel is with the carrier nothing can cancel
   * the order, and nothing the workflow task decided before it can change if the task is lost and run again (the
   * shipment's decision is in the history, with its activity), so the capture, the invoice and the delivery go in the
   * task that learns of the shipment. The provider's idempotency key makes a run again harmless. Shipping itself stays
   * an activity: in a lost task run again, a cancellation or another allocation could undo the decision to ship a
   * parcel that had left. While the provider is down, retries wait between workflow tasks after the first seconds
   * (`capturesInWorker`). On an older order the capture is the activity it was.
   */
  captureStep<Result>(call: (proxy: Activities, carried: CarriesTimeline) => Promise<Result>): Promise<Result> {
    if (!this.current) return this.withTimeline((carried) => call(activities, carried));
    return this.databaseWrite(capturesInWorker, (proxy) => this.withTimeline((carried) => call(proxy, carried)));
  }

  /**
   * A pick list step (sending it, recording the pick). With auto mode's simulated warehouse (`simulated`) it only
   * touches the database: a quick step. Otherwise it is an activity that takes the timeline along (see
   * `withTimeline`) on orders started since `ORDER_PROCESS_2026_12_06`: its database work is quick, so entries made
   * meanwhile (a cancellation's request) wait only milliseconds.
   */
  pickListStep<Result>(
    simulated: boolean,
    call: (proxy: Activities, carried: CarriesTimeline) => Promise<Result>,
  ): Promise<Result> {
    const asActivity = () =>
      this.since2026_12_06 ? this.withTimeline((carried) => call(activities, carried)) : call(activities, {});
    return simulated ? this.quickStep((proxy) => call(proxy, {}), asActivity) : asActivity();
  }

  private async writingAlong<Result>(
    timeline: OrderProgress[],
    call: (carried: CarriesTimeline) => Promise<Result>,
  ): Promise<Result> {
    let ended = () => {};
    const done = new Promise<void>((resolve) => (ended = resolve));
    this.timelineWrite = { changesLines: timeline.some(changesOrderLines), done };
    try {
      const result = await call({ timeline });
      this.writtenSeq = Math.max(this.writtenSeq, ...timeline.map((entry) => entry.seq));
      return result;
    } catch (error) {
      this.unwrittenTimeline.unshift(...timeline);
      throw error;
    } finally {
      this.timelineWrite = undefined;
      ended();
    }
  }

  /**
   * Wraps an Update handler: counts the Update as accepted but not yet known to be in the history, and puts the
   * request on the timeline, as `describe` tells it, with who sent it.
   */
  accepted<Request extends Requested | undefined, Reply>(
    describe: (request: Request) => string,
    handler: (request: Request) => Promise<Reply>,
  ): (request: Request) => Promise<Reply> {
    return (request) => {
      this.acceptedUpdates += 1;
      if (this.actorsAndRiskHolds && this.timelineInBatches) {
        void this.recordEvent({ type: 'request', message: describe(request), actor: request?.actor });
      }
      return this.since2026_12 ? this.answerOnceWritten(handler(request)) : handler(request);
    };
  }

  /**
   * A current order answers a request once the timeline entries made until then are written: whoever asked then
   * finds what the order did in the read model (`GET /v1/orders/:id`) at once.
   */
  private async answerOnceWritten<Reply>(reply: Promise<Reply>): Promise<Reply> {
    const answer = await reply;
    const seq = this.eventSeq;
    await condition(() => this.writtenSeq >= seq);
    return answer;
  }

  /**
   * Timeline entries are written together: the ones made since the last write, as one local activity, once the order
   * waits for anything but a local activity (a step, a timer, a person, the end). A workflow task does not complete
   * while a local activity runs, so the read model still follows each task that changed the order, with about one
   * write per task instead of one per entry.
   */
  private async writeTimelineWhenIdle(): Promise<void> {
    const due = () =>
      this.unwrittenTimeline.length > 0 && this.localActivitiesInFlight === 0 && this.timelineWrite === undefined;
    for (;;) {
      await condition(due);
      if (this.since2026_12_06 && !(await this.settled(due))) continue;
      await this.writeTimeline();
    }
  }

  /**
   * A current order's search attributes, upserted together once no local activity runs: the workflow task cannot
   * complete before that, so the Temporal UI still sees each task's changes when the task is recorded.
   */
  private async upsertAttributesWhenIdle(): Promise<void> {
    const due = () => this.unwrittenAttributes.size > 0 && this.localActivitiesInFlight === 0;
    for (;;) {
      await condition(due);
      if (this.since2026_12_06 && !(await this.settled(due))) continue;
      upsertSearchAttributes([...this.unwrittenAttributes.values()]);
      this.unwrittenAttributes.clear();
    }
  }

  /**
   * Waits until the coroutines woken with the caller have run: a round of the SDK's condition checks passes with no
   * timeline entry or search attribute made. One write then takes everything the workflow task made (a carrier's
   * delivery and the DELIVERED status it leads to were two local activities). Whether `due` still holds after.
   */
  private async settled(due: () => boolean): Promise<boolean> {
    for (let seen = ''; ;) {
      const now = `${this.eventSeq}:${this.attributeChanges}`;
      if (now === seen) return due();
      seen = now;
      await nextConditionRound();
    }
  }

  private async writeTimeline(): Promise<void> {
    const entries = this.unwrittenTimeline.splice(0);
    const recording = summary(entries.map((entry) => entry.message).join(' · '));
    const done = this.databaseWrite(
      readModel,
      (proxy) => proxy.recordOrderTimeline.executeWithOptions(recording, [entries]),
      { timeline: true },
    );
    this.timelineWrite = { changesLines: entries.some(changesOrderLines), done };
    try {
      await done;
      this.writtenSeq = Math.max(this.writtenSeq, ...entries.map((entry) => entry.seq));
    } finally {
      this.timelineWrite = undefined;
    }
  }

  /** Before a database step: the entries that change order lines (an approval, cancelled units) are written first. */
  private async writeEntriesStepsCountOn(): Promise<void> {
    while (this.timelineWrite?.changesLines || this.unwrittenTimeline.some(changesOrderLines)) {
      await (this.timelineWrite ? this.timelineWrite.done.catch(() => undefined) : this.writeTimeline());
    }
  }

  /**
   * Local activities of this order, one at a time. A worker replaying a workflow task (its cache lost, e.g. after a
   * kill -9) resolves that task's local activities in the order they were started, while the first run resolved them
   * as they finished; with two coroutines each waiting on one (billing, a carrier event), the next steps were then
   * started in another order and took each other's recorded results (chaos run: an invoice step handed a timeline
   * write's empty result, and the order stuck on a failing workflow task). With one in flight at a time, both runs
   * resolve them in the same order.
   */
  private oneLocalActivityAtATime<Result>(run: () => Promise<Result>): Promise<Result> {
    if (!this.localActivitiesInTurn) return run();
    this.localActivitiesInFlight += 1;
    const result = this.localActivityTurn.then(run);
    this.localActivityTurn = result.then(
      () => void (this.localActivitiesInFlight -= 1),
      () => void (this.localActivitiesInFlight -= 1),
    );
    return result;
  }

  /**
   * Runs a database write as the local activity `local`, except while an Update this order accepted is not yet
   * known to be in its history: then as an activity. An Update is recorded only when the workflow task that accepted
   * it completes, and a local activity runs inside that task, so a worker dying in between would leave a write
   * standing for an Update the workflow never got (the read model showing an approval while the order still
   * awaits it). An activity is only scheduled once that task, and the Update with it, are recorded. A step (not the
   * timeline's own write) first waits for the timeline entries it counts on.
   */
  private async databaseWrite<Result>(
    local: Activities,
    write: (proxy: Activities) => Promise<Result>,
    options: { timeline?: boolean } = {},
  ): Promise<Result> {
    if (this.timelineInBatches && !options.timeline) await this.writeEntriesStepsCountOn();
    if (!this.writesWaitForUpdates || this.acceptedUpdates === this.recordedUpdates) {
      return this.oneLocalActivityAtATime(() => write(local));
    }
    const pending = this.acceptedUpdates;
    const result = await write(activities);
    this.recordedUpdates = pending;
    return result;
  }
}

/**
 * Resolves at the SDK's next round of condition checks, after the microtasks of this one have run: a condition is
 * evaluated once when asked (false here), then once per round.
 */
function nextConditionRound(): Promise<void> {
  let firstCheck = true;
  return condition(() => {
    if (!firstCheck) return true;
    firstCheck = false;
    return false;
  });
}
