import type { OrderActivities } from '../contract';
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
  return {
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
}
