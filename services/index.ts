import { createBatchOrders } from './batch-orders';
import { createCatalog } from './catalog';
import type { ServiceDeps } from './deps';
import { createInventory } from './inventory';
import { createInvoicePayments } from './invoice-payments';
import { createOrderPlacement } from './place-order';
import { createOrderActions } from './order-actions';
import { createRefunds } from './refunds';
import { createReturns } from './returns';
import { createWebhooks } from './webhooks';
import { createNotifications } from './notifications';

export type { ServiceDeps } from './deps';

/**
 * The application services: what the API does once a request is parsed and authorized, bound to their
 * dependencies; one file per concern. They throw the domain errors of services/errors.ts, never HTTP ones.
 */
export function createServices(deps: ServiceDeps) {
  return {
    ...createOrderPlacement(deps),
    ...createBatchOrders(deps),
    ...createOrderActions(deps),
    ...createRefunds(deps),
    ...createReturns(deps),
    ...createInventory(deps),
    ...createInvoicePayments(deps),
    ...createCatalog(deps),
    ...createWebhooks(deps),
    ...createNotifications(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
