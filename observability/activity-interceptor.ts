import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { findOrderId, type Logger } from './logger';
import { orderStatusChanges, ordersPlaced, stepDuration } from './process-metrics';

/** The order an activity works for: its input's `orderId`, else the one in its workflow ID (`ORD-…/return-1`). */
function orderIdOf(args: unknown[], workflowId: string | undefined): string | undefined {
  const input = args[0];
  if (input && typeof input === 'object' && 'orderId' in input && typeof input.orderId === 'string')
    return input.orderId;
  return findOrderId(workflowId);
}

/**
 * The read-model writes carry the order's status changes, and so do the steps that take the timeline along
 * (`CarriesTimeline`); its first event means the order entered the pipeline.
 */
function countOrderProgress(activityType: string, args: unknown[]): void {
  type Entry = { seq?: unknown; status?: unknown } | undefined;
  const carried = (args[0] as { timeline?: Entry[] } | undefined)?.timeline;
  const entries =
    activityType === 'recordOrderTimeline'
      ? ((args[0] as Entry[] | undefined) ?? [])
      : activityType === 'recordOrderProgress'
        ? [args[0] as Entry]
        : Array.isArray(carried)
          ? carried
          : [];
  for (const progress of entries) {
    if (progress?.seq === 1) ordersPlaced.inc();
    if (typeof progress?.status === 'string') orderStatusChanges.inc({ status: progress.status });
  }
}

/**
 * Logs every activity attempt (step, workflow, order, attempt, duration; never the input, which may hold
 * personal data) and records its duration per step. Registered innermost, so time a test holds an activity
 * before it starts is not counted.
 */
export function activityObservability(logger: Logger): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      execute: async (input, next) => {
        const { activityType, attempt, isLocal, workflowExecution, workflowType } = context.info;
        const workflowId = workflowExecution?.workflowId;
        // The line's fields, given at the call (a child logger per attempt costs more than the line itself).
        const fields = {
          activityType,
          workflowId,
          workflowType,
          orderId: orderIdOf(input.args, workflowId),
          attempt,
          ...(isLocal ? { local: true } : {}),
        };
        const started = performance.now();
        const elapsed = () => (performance.now() - started) / 1000;
        try {
          const result = await next(input);
          const seconds = elapsed();
          stepDuration.observe({ step: activityType, outcome: 'completed' }, seconds);
          countOrderProgress(activityType, input.args);
          logger.info({ ...fields, durationMs: Math.round(seconds * 1000) }, `activity ${activityType} completed`);
          return result;
        } catch (error) {
          const seconds = elapsed();
          stepDuration.observe({ step: activityType, outcome: 'failed' }, seconds);
          logger.warn(
            { ...fields, durationMs: Math.round(seconds * 1000), err: error },
            `activity ${activityType} failed`,
          );
          throw error;
        }
      },
    },
  });
}
