import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { ConfigError } from '../config';
import { createDb } from '../db/connection';
import { checkInvariants, formatInvariantReport, ORDER_STATE_RULES } from '../db/invariants';
import { orderWorkflowLookup } from '../temporal/workflow-states';
import { resolveRunningSystem, UsageError } from './system/running-system';

const HELP = `npm run check-invariants [-- options]

Checks the business records for what must always hold (stock, reservations, ledger, payments against the
payment provider's books, invoices and credit notes, shipments, order states), prints each check with the
number of things it checked and its violations, then the figures. Exits 0 when every invariant holds,
1 on any violation, 2 when it cannot connect.

Which database:
  1. --database-url URL, else DATABASE_URL;
  2. else the embedded PostgreSQL of \`npm start\` while it is running: the data directory OMS_DATA_DIR
     (default ./.oms-data), its postgres/postmaster.pid giving the port, database "oms".
Which Temporal (optional: non-terminal orders must have a running workflow, no OMS workflow may have failed):
  --temporal ADDRESS, else TEMPORAL_ADDRESS, else the dev server of \`npm start\` while it is running
  (OMS_DATA_DIR/temporal.pid, port TEMPORAL_PORT, default 7233); --no-temporal skips it.
  Namespace: TEMPORAL_NAMESPACE (default "default").

Options:
  --settled        every order must also be in a terminal status (COMPLETED, REJECTED, CANCELLED)
  --examples N     examples listed per check (default 5)
  --json           print the report as JSON
  --help           this text

Run it on a quiet system for exact results: an order in flight can be between two steps of a stage
(e.g. captured, not yet invoiced) for a moment.

Order states (what each status requires):
${Object.entries(ORDER_STATE_RULES)
  .map(([status, rule]) => `  ${status.padEnd(17)} ${rule}`)
  .join('\n')}`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      temporal: { type: 'string' },
      'no-temporal': { type: 'boolean' },
      settled: { type: 'boolean' },
      examples: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const exampleLimit = values.examples === undefined ? 5 : Number(values.examples);
  if (!Number.isInteger(exampleLimit) || exampleLimit < 0) throw new UsageError('--examples must be a whole number');
  const target = resolveRunningSystem({
    databaseUrl: values['database-url'],
    temporal: values.temporal,
    noTemporal: values['no-temporal'],
  });
  const db = createDb(target.databaseUrl, { poolMax: 2 });
  const connection = target.temporalAddress
    ? await Connection.connect({ address: target.temporalAddress, connectTimeout: 5_000 })
    : undefined;
  try {
    const report = await checkInvariants(db, {
      requireSettled: values.settled,
      exampleLimit,
      workflows: connection ? orderWorkflowLookup(new Client({ connection, namespace: target.namespace })) : undefined,
    });
    if (values.json)
      console.log(
        JSON.stringify({ database: target.label, temporal: target.temporalAddress ?? null, ...report }, null, 2),
      );
    else
      console.log(
        `database: ${target.label}\ntemporal: ${target.temporalAddress ?? 'not checked'}\n\n${formatInvariantReport(report)}`,
      );
    return report.ok ? 0 : 1;
  } finally {
    await connection?.close();
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const usage =
      error instanceof UsageError || error instanceof ConfigError || String(error?.code).startsWith('ERR_PARSE_ARGS');
    console.error(usage ? `check-invariants: ${error.message} (see --help)` : error);
    process.exit(2);
  },
);
