import type { Client } from '@temporalio/client';
import type { CarrierAdapter } from '../adapters/carrier/carrier';
import type { PaymentProvider } from '../adapters/payments/provider';
import type { Db } from '../db/connection';
import type { RestockStarts } from '../services/restock-starts';

/** What activities may touch. Injected, so tests and other deployments can hand in other adapters. */
export interface ActivityDeps {
  db: Db;
  payments: PaymentProvider;
  carrier: CarrierAdapter;
  /** For activities that message other workflows (resuming backorders). */
  temporal: Client;
  /** Starts the restock runs that stock given back (released reservations, restocked returns) calls for. */
  restockStarts: RestockStarts;
  /** How long a restock run waits for one order to answer a resume before it moves on (default 10 s). */
  backorderResumeTimeoutMs?: number;
}
