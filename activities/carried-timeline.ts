import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { CarriesTimeline, OrderActivities } from '../contract';

/**
 * An order's payment, carrier and pick list steps carry the timeline entries made before them (`CarriesTimeline`,
 * `OrderRuntime.withTimeline`). They are written as the activity starts, before anything else runs (register this
 * outermost), so the read model shows the status the order reached while the step waits on the outside system.
 */
export function writingCarriedTimelineFirst(
  recordOrderTimeline: OrderActivities['recordOrderTimeline'],
): ActivityInterceptorsFactory {
  return () => ({
    inbound: {
      execute: async (input, next) => {
        const timeline = (input.args[0] as CarriesTimeline | undefined)?.timeline;
        if (timeline?.length) await recordOrderTimeline(timeline);
        return next(input);
      },
    },
  });
}
