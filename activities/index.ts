import type { CarriesTimeline, OrderActivities } from '../contract';
import { createBackorderActivities } from './backorders';
import type { ActivityDeps } from './deps';
import { createInventoryActivities } from './inventory';
import { createInvoicingActivities } from './invoicing';
import { createOrderEditActivities } from './order-edits';
import { createOrderRecordActivities } from './order-record';
import { createPaymentActivities } from './payment';
import { createPickingActivities } from './picking';
import { createPricingActivities } from './pricing';
import { createRefundActivities } from './refunds';
import { createReturnActivities } from './returns';
import { createShippingActivities } from './shipping';

export type { ActivityDeps } from './deps';

/** Every activity of the order pipeline, bound to its dependencies; one file per step. */
export function createActivities(deps: ActivityDeps): OrderActivities {
  const activities: OrderActivities = {
    ...createOrderRecordActivities(deps),
    ...createOrderEditActivities(deps),
    ...createPricingActivities(deps),
    ...createPaymentActivities(deps),
    ...createInventoryActivities(deps),
    ...createPickingActivities(deps),
    ...createShippingActivities(deps),
    ...createInvoicingActivities(deps),
    ...createBackorderActivities(deps),
    ...createReturnActivities(deps),
    ...createRefundActivities(deps),
  };
  return writingCarriedTimelineFirst(activities);
}

/**
 * The order's steps with outside systems write the timeline entries the workflow handed them before their own work
 * (`CarriesTimeline`, `OrderRuntime.withTimeline`): part of their contract, so fakes are wrapped the same way.
 */
export function writingCarriedTimelineFirst(activities: OrderActivities): OrderActivities {
  const first =
    <Input extends CarriesTimeline, Result>(step: (input: Input) => Promise<Result>) =>
    async (input: Input): Promise<Result> => {
      if (input.timeline?.length) await activities.recordOrderTimeline(input.timeline);
      return step(input);
    };
  return {
    ...activities,
    authorizePayment: first(activities.authorizePayment),
    capturePayment: first(activities.capturePayment),
    shipShipment: first(activities.shipShipment),
  };
}
