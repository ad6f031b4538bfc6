/**
 * The order workflow's patches, oldest first. Each names a change to the commands a running order issues: orders
 * started before it replay the old branch (`patched(ID)` is false for them), new ones take the new branch. How to
 * retire one: README, "Changing workflow code".
 */

/** Allocation, invoicing and carrier events run as local activities (they were activities). */
export const DATABASE_STEPS_AS_LOCAL_ACTIVITIES = 'database-steps-as-local-activities';
/** The first database write after an accepted Update is an activity, so it cannot outlive an unrecorded Update. */
export const WRITES_AFTER_UPDATES_WAIT_FOR_HISTORY = 'writes-after-updates-wait-for-history';
/** Local activities run one at a time, so a replay resolves them in the order the first run did. */
export const ONE_LOCAL_ACTIVITY_AT_A_TIME = 'one-local-activity-at-a-time';
/** A refund sent with an Idempotency-Key is named by it, as after completion. */
export const REFUND_ID_FROM_UPDATE = 'refund-id-from-update';
/** Stock reserved by an allocation whose workflow task was lost is released after compensation and backorders. */
export const RELEASE_UNKNOWN_SHIPMENTS = 'release-unknown-shipments';
/** Timeline entries are written together, once per workflow task (they were one local activity each). */
export const TIMELINE_WRITTEN_IN_BATCHES = 'timeline-written-in-batches';
/**
 * Nothing stops an order for good (SPEC section 3, "Never stuck", "Holds"): support's holds, a step that fails for
 * good holds the order instead of failing it, every wait has an end (delivery, hold), a cancellation interrupts a
 * payment authorization that is retrying through an outage, returns after a partial shipment was cancelled, the
 * partial refund of a return, BackorderedSkus cleared when a waiting order stops. Asked once, when an order starts:
 * orders started before it keep the old behaviour to their end.
 */
export const NEVER_STUCK = 'never-stuck';
/**
 * A cancellation that interrupts a payment authorization asks the provider again (a few attempts) under the order's
 * idempotency key, also when it interrupts between retries: an earlier attempt whose answer was lost may have
 * authorized, and the compensation then voids it (it was left held at the provider until it expired).
 */
export const REAUTHORIZE_AFTER_INTERRUPT = 'reauthorize-after-interrupt';
/**
 * Each request an order accepts (approve, cancel, hold, refund, a carrier's event, ...) is a timeline entry with who
 * sent it (SPEC section 6, Audit), and the risk rules hold new orders (SPEC section 3, Holds). Asked once, when an
 * order starts.
 */
export const REQUEST_ACTORS_AND_RISK_HOLDS = 'request-actors-and-risk-holds';
/**
 * Edits before picking (SPEC section 3, Edits): the `editOrder` Update, and the pipeline priced, approved, authorized
 * and allocated again after one. Asked once, when an order starts: orders started before it refuse edits (409).
 */
export const EDITS_BEFORE_PICKING = 'edits-before-picking';
/**
 * The order process as of the first December release: every patch above, asked as one. An order records this one
 * marker (and the one `TemporalChangeVersion` upsert the SDK adds to each marker) instead of one of each per patch,
 * and writes its search attributes once per workflow task (`OrderRuntime.upsert`). Orders started before it ask the
 * patches above one by one, as they always did.
 */
export const ORDER_PROCESS_2026_12 = 'order-process-2026-12';
/**
 * The order process as of this release: `ORDER_PROCESS_2026_12` and every patch before it, and the pick list steps
 * take the timeline entries made before them along (`OrderRuntime.pickListStep`), and the timeline and search
 * attributes are written once the coroutines a workflow task woke have run (`OrderRuntime.settled`): fewer local
 * activities per order. Orders started on the release before keep its shape (`since2026_12`).
 */
export const ORDER_PROCESS_2026_12_06 = 'order-process-2026-12-06';
/**
 * The order process as of this release: `ORDER_PROCESS_2026_12_06` and everything before it, and the steps that only
 * touch the database and were activities run as local activities (`OrderRuntime.quickStep`): pricing, and in auto
 * mode the pick list and the simulated pick. Auto mode's simulated carrier delivers without a timer when its delay
 * is zero. Each saves the order a workflow task and the server an activity task; a request sent meanwhile waits the
 * few milliseconds the step takes. Orders started on the releases before keep their shape.
 */
export const ORDER_PROCESS_2026_12_07 = 'order-process-2026-12-07';
/**
 * The order process as of this release: `ORDER_PROCESS_2026_12_07` and everything before it, and the payment capture
 * of a shipped shipment runs as a local activity that takes the timeline along (`OrderRuntime.captureStep`): once the
 * parcel is with the carrier nothing can cancel the order, so the capture, the invoice and the delivery go in the
 * workflow task that learns of the shipment. Orders started on the releases before keep their shape.
 */
export const ORDER_PROCESS_2026_12_08 = 'order-process-2026-12-08';
