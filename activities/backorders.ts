import { Context, log } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { availableUnitsOf, ordersMissingUnitsOf } from '../db/backorders';
import { resumeBackorderUpdate, orderWorkflowId } from '../workflows/order/messages';
import type { OrderActivities } from '../contract';
import type { ActivityDeps } from './deps';
import type { AuditActor } from '../domain/audit';

/** How long one order may take to answer a resume before the run moves on to the next. */
export const DEFAULT_RESUME_TIMEOUT_MS = 10_000;

/** What earlier attempts of a run did (its heartbeat details), so a retried run goes on where it stopped. */
interface RestockProgress {
  offered: string[];
  resumed: string[];
  unanswered?: string[];
}

/** `no answer`: its workflow did not answer in time (a task failing, its worker away), so it may later; `gone`: never will. */
type Offer = 'resumed' | 'not waiting' | 'no answer' | 'gone';

class ResumeTimedOut extends Error {}

/** gRPC's status code for a server that cannot be reached. */
const GRPC_UNAVAILABLE = 14;
/** Who asks a waiting order to allocate again when stock comes in (on its timeline). */
const RESTOCK_ACTOR: AuditActor = { type: 'system', id: 'restock' };

/** Resuming waiting orders when stock arrives or is freed. */
export function createBackorderActivities({
  db,
  temporal,
  backorderResumeTimeoutMs = DEFAULT_RESUME_TIMEOUT_MS,
}: ActivityDeps): Pick<OrderActivities, 'resumeBackorders'> {
  /**
   * Asks one order to allocate again, waiting at most `backorderResumeTimeoutMs` for its answer. An order that says
   * it is not waiting (409: it moved on, or allocates anyway) is passed over; one that cannot answer (its workflow
   * closed, terminated or gone, its task failing, its worker away, any other error) is logged and skipped, so one
   * order never holds up the SKU's others. Only Temporal being unreachable fails the run, to be retried.
   */
  async function offer(orderId: string, sku: string, cancelled: AbortSignal): Promise<Offer> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new ResumeTimedOut()), backorderResumeTimeoutMs);
    const signal = AbortSignal.any([timeout.signal, cancelled]);
    // The bound holds even if the call ignored the signal: whichever settles first.
    const ended = new Promise<never>((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    );
    ended.catch(() => undefined); // a cancellation after the answer is nobody's failure
    try {
      const update = temporal.withAbortSignal(signal, () =>
        temporal.workflow
          .getHandle(orderWorkflowId(orderId))
          .executeUpdate(resumeBackorderUpdate, { args: [{ actor: RESTOCK_ACTOR }] }),
      );
      update.catch(() => undefined);
      await Promise.race([update, ended]);
      return 'resumed';
    } catch (error) {
      if (cancelled.aborted) throw error;
      if (error instanceof WorkflowUpdateFailedError) return 'not waiting';
      if (isTemporalUnreachable(error)) throw error;
      const unanswered = timeout.signal.aborted || error instanceof ResumeTimedOut;
      const reason = unanswered
        ? `no answer within ${backorderResumeTimeoutMs} ms (its workflow task may be failing or its worker away)`
        : String((error as Error)?.message ?? error);
      log.warn('restock: order skipped, it could not be resumed', { orderId, sku, reason });
      return unanswered ? 'no answer' : 'gone';
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /**
     * Offers a SKU's available stock to every running order that still misses units of it (by the order lines of
     * the read model, whatever its status says), highest priority first, then oldest first, each taking what it can
     * before the next is asked; stops when none is left. Returns the orders that did not answer in time, for the
     * restock workflow to ask again.
     */
    async resumeBackorders({ sku }) {
      const context = Context.current();
      const earlier = context.info.heartbeatDetails as RestockProgress | undefined;
      const progress: RestockProgress = {
        offered: [...(earlier?.offered ?? [])],
        resumed: [...(earlier?.resumed ?? [])],
        unanswered: [...(earlier?.unanswered ?? [])],
      };
      for (const orderId of await ordersMissingUnitsOf(db, sku)) {
        if (progress.offered.includes(orderId)) continue;
        if ((await availableUnitsOf(db, sku)) <= 0) break;
        context.heartbeat(progress);
        const outcome = await offer(orderId, sku, context.cancellationSignal);
        progress.offered.push(orderId);
        if (outcome === 'resumed') progress.resumed.push(orderId);
        if (outcome === 'no answer') progress.unanswered!.push(orderId);
        context.heartbeat(progress);
      }
      return { resumed: progress.resumed, unanswered: progress.unanswered! };
    },
  };
}

/** Temporal itself cannot be reached (not one order's problem): the whole run is retried. */
function isTemporalUnreachable(error: unknown): boolean {
  for (let cause = error as { code?: unknown; cause?: unknown } | undefined; cause; cause = cause.cause as typeof cause)
    if (cause.code === GRPC_UNAVAILABLE) return true;
  return false;
}
