import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { OrderSettings } from '../domain/order';
import type { OrderStarts } from './order-starts';
import type { RestockStarts } from './restock-starts';

/** What the application services may touch. Injected, so tests and other callers can hand in their own. */
export interface ServiceDeps {
  db: Db;
  temporal: Client;
  /** The order task queue (workflows a service starts: refunds; orders and restocks go through their starters). */
  taskQueue: string;
  /** The settings new orders start with (durations, fulfillment mode). */
  orderSettings: OrderSettings;
  /** Starts accepted orders' workflows (services/order-starts.ts). */
  orderStarts: OrderStarts;
  /** Starts restock runs requested with stock movements (services/restock-starts.ts). */
  restockStarts: RestockStarts;
  /** Where an unexpected error that is answered rather than thrown goes (a batch row that failed). */
  logError: (error: unknown) => void;
}
