import type { Client } from '@temporalio/client';
import type { CarrierAdapter } from '../adapters/carrier/carrier';
import type { PaymentProvider } from '../adapters/payments/provider';
import type { Db } from '../db/connection';

/** What activities may touch. Injected, so tests and other deployments can hand in other adapters. */
export interface ActivityDeps {
  db: Db;
  payments: PaymentProvider;
  carrier: CarrierAdapter;
  /** For activities that message other workflows (resuming backorders). */
  temporal: Client;
}
