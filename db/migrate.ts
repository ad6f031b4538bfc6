import type { Knex } from 'knex';
import type { Db } from './connection';
import * as initial from './migrations/001_initial';
import * as apiKeys from './migrations/002_api_keys';
import * as orderWorkflowStarts from './migrations/003_order_workflow_starts';
import * as restockStarts from './migrations/004_restock_starts';
import * as refundHolds from './migrations/005_refund_holds';
import * as orderHolds from './migrations/006_order_holds';
import * as cancelledUnitsOnEvents from './migrations/007_cancelled_units_on_events';
import * as outboundEvents from './migrations/008_outbound_events';
import * as orderChannels from './migrations/009_order_channels';
import * as auditLog from './migrations/010_audit_log';
import * as orderEdits from './migrations/011_order_edits';
import * as deliveriesByEvent from './migrations/012_deliveries_by_event';

/** Migrations listed in code, so they run the same under tsx, jest and compiled JavaScript. */
const MIGRATIONS: Record<string, Knex.Migration> = {
  '001_initial': initial,
  '002_api_keys': apiKeys,
  '003_order_workflow_starts': orderWorkflowStarts,
  '004_restock_starts': restockStarts,
  '005_refund_holds': refundHolds,
  '006_order_holds': orderHolds,
  '007_cancelled_units_on_events': cancelledUnitsOnEvents,
  '008_outbound_events': outboundEvents,
  '009_order_channels': orderChannels,
  '010_audit_log': auditLog,
  '011_order_edits': orderEdits,
  '012_deliveries_by_event': deliveriesByEvent,
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};

export async function migrateToLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}
