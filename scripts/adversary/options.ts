import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseApiKeys, ROLES, type Role } from '../../config';
import { parseDuration } from '../../domain/duration';
import { UsageError } from '../system/running-system';

export const HELP = `npm run adversary [-- options]

A seeded, stateful random tester. For N orders it interleaves valid and hostile requests as each role would make
them (approvals full, reduced and impossible; cancellations, holds, backorder resumes; refunds and returns with
duplicate, foreign, zero, negative and excess lines; receipts of returns; pick confirmations short, excessive and
twice; carrier events for unknown shipments, in the wrong status, twice; stock receipts and adjustments; requests
in the wrong status, with the wrong role, malformed; Idempotency-Keys replayed, reused with another body and sent
twice at once), then drives every order to rest and checks that the system held: no 5xx, no request past its
time limit, every 4xx a problem+json with a detail, every order terminal and every return settled, line
quantities consistent, refunds within the charge with one credit note each, nothing reserved, the ledger summing
to the stock, and the invariant checks (npm run check-invariants --settled, with the Temporal check).
Exits 0 when all holds, 1 on any violation (each printed with its order, request and answer; JSON report in the
data directory), 2 on a driver error. Replay a run with its seed: npm run adversary -- --seed N.

By default it starts an isolated system of its own (embedded PostgreSQL, Temporal dev server, the worker and the
API as child processes) in manual fulfillment mode with short timeouts, and kill -9s the worker meanwhile.
With --url it runs against a system already running (npm start) without kills: start it in manual mode with
short timeouts and known keys, e.g.
  OMS_FULFILLMENT_MODE=manual OMS_RETURN_WINDOW=10s OMS_HOLD_TIMEOUT=12s OMS_RETURN_RECEIPT_TIMEOUT=12s \\
  OMS_DELIVERY_TIMEOUT=12s OMS_API_KEYS=adv-admin:admin npm start
  npm run adversary -- --url http://localhost:3000 --keys adv-admin:admin

Options:
  --orders N            orders to walk (default 20)
  --seed N              the run's random seed (default: a new one, printed)
  --steps N             at most N walk actions per order before it is driven to rest (default 10)
  --concurrency N       orders walked at once (default 4)
  --kills N             worker kill -9s during the run, own system only (default 2)
  --kill-every DUR      how long a worker runs before the next kill, +-50 % (default 4s)
  --timeout DUR         how long an order may take to come to rest after its walk (default 4m)
  --request-timeout DUR no request may take longer (default 30s)
  --return-window DUR, --approval-timeout DUR, --backorder-timeout DUR, --hold-timeout DUR,
  --delivery-timeout DUR, --receipt-timeout DUR
                        the system's OMS_RETURN_WINDOW (default 10s), OMS_APPROVAL_TIMEOUT (45s),
                        OMS_BACKORDER_TIMEOUT (45s), OMS_HOLD_TIMEOUT (12s), OMS_DELIVERY_TIMEOUT (12s) and
                        OMS_RETURN_RECEIPT_TIMEOUT (12s): set on the own system, told about a --url one
  --grace DUR           how long past a timeout the run waits for the system to act on it (default 15s)
  --url URL             run against this API instead of starting a system (no kills)
  --keys KEYS|FILE      with --url: API keys as key:role,... (OMS_API_KEYS form) or JSON {"role":"key"}, inline
                        or in a file; roles without a key use the admin key (and are not probed for 403)
  --carrier-secret S    with --url: OMS_CARRIER_WEBHOOK_SECRET, to sign some carrier events (default: that variable)
  --database-url URL    with --url: the database for the invariant checks (default: DATABASE_URL, else npm start's)
  --temporal ADDRESS    own system: use this Temporal server (in a namespace of the run's own) instead of a dev
                        server; with --url: the server for the Temporal check
  --workflow-bundle F   own system: a prebuilt workflow bundle instead of building one
  --data-dir DIR        where to keep data, logs and adversary-report.json (default: a new temporary directory;
                        with --url: OMS_DATA_DIR, default ./.oms-data)
  --keep                keep the data directory after a passing run (a failing run always keeps it)
  --help                this text`;

export interface SystemTimeoutOptions {
  returnWindow: string;
  approvalTimeout: string;
  backorderTimeout: string;
  holdTimeout: string;
  deliveryTimeout: string;
  receiptTimeout: string;
}

export interface AdversaryOptions {
  orders: number;
  seed: number;
  steps: number;
  concurrency: number;
  kills: number;
  killEveryMs: number;
  timeoutMs: number;
  requestTimeoutMs: number;
  graceMs: number;
  timeouts: SystemTimeoutOptions;
  /** Against a running system: its API, keys and (optionally) webhook secret and database. */
  target?: { url: string; keys: Partial<Record<Role, string>>; carrierSecret?: string; databaseUrl?: string };
  temporal?: string;
  workflowBundle?: string;
  dataDir?: string;
  keep: boolean;
}

/** The options, or undefined after printing --help. Throws UsageError on a bad option. */
export function parseAdversaryOptions(args: string[]): AdversaryOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      orders: { type: 'string', default: '20' },
      seed: { type: 'string' },
      steps: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '4' },
      kills: { type: 'string', default: '2' },
      'kill-every': { type: 'string', default: '4s' },
      timeout: { type: 'string', default: '4m' },
      'request-timeout': { type: 'string', default: '30s' },
      'return-window': { type: 'string', default: '10s' },
      'approval-timeout': { type: 'string', default: '45s' },
      'backorder-timeout': { type: 'string', default: '45s' },
      'hold-timeout': { type: 'string', default: '12s' },
      'delivery-timeout': { type: 'string', default: '12s' },
      'receipt-timeout': { type: 'string', default: '12s' },
      grace: { type: 'string', default: '15s' },
      url: { type: 'string' },
      keys: { type: 'string' },
      'carrier-secret': { type: 'string' },
      'database-url': { type: 'string' },
      temporal: { type: 'string' },
      'workflow-bundle': { type: 'string' },
      'data-dir': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const whole = (name: string, raw: string | undefined, min: number) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min)
      throw new UsageError(`--${name} must be a whole number of at least ${min}`);
    return value;
  };
  const duration = (name: string, raw: string) => {
    try {
      return parseDuration(raw);
    } catch {
      throw new UsageError(`--${name}: "${raw}" is not a duration (e.g. 30s, 5m)`);
    }
  };
  const timeouts: SystemTimeoutOptions = {
    returnWindow: values['return-window'],
    approvalTimeout: values['approval-timeout'],
    backorderTimeout: values['backorder-timeout'],
    holdTimeout: values['hold-timeout'],
    deliveryTimeout: values['delivery-timeout'],
    receiptTimeout: values['receipt-timeout'],
  };
  for (const [name, raw] of Object.entries(timeouts)) duration(name, raw);
  if (values.url === undefined && (values.keys !== undefined || values['carrier-secret'] !== undefined))
    throw new UsageError('--keys and --carrier-secret go with --url');
  if (values.url !== undefined && values.keys === undefined)
    throw new UsageError('--url needs --keys (at least an admin key)');
  return {
    orders: whole('orders', values.orders, 1),
    seed: values.seed === undefined ? randomInt(1, 1_000_000) : whole('seed', values.seed, 0),
    steps: whole('steps', values.steps, 0),
    concurrency: whole('concurrency', values.concurrency, 1),
    kills: values.url === undefined ? whole('kills', values.kills, 0) : 0,
    killEveryMs: duration('kill-every', values['kill-every']),
    timeoutMs: duration('timeout', values.timeout),
    requestTimeoutMs: duration('request-timeout', values['request-timeout']),
    graceMs: duration('grace', values.grace),
    timeouts,
    target:
      values.url === undefined
        ? undefined
        : {
            url: values.url.replace(/\/+$/, ''),
            keys: parseKeys(values.keys ?? ''),
            carrierSecret: values['carrier-secret'] ?? process.env.OMS_CARRIER_WEBHOOK_SECRET,
            databaseUrl: values['database-url'],
          },
    temporal: values.temporal,
    workflowBundle: values['workflow-bundle'] && path.resolve(values['workflow-bundle']),
    dataDir: values['data-dir'],
    keep: values.keep,
  };
}

/** `key:role,...` or JSON `{"role":"key"}`, given inline or in a file; roles without a key use the admin key. */
function parseKeys(given: string): Partial<Record<Role, string>> {
  const text = existsSync(given) ? readFileSync(given, 'utf8').trim() : given.trim();
  const keys: Partial<Record<Role, string>> = {};
  if (text.startsWith('{')) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    for (const [role, key] of Object.entries(parsed))
      if (ROLES.includes(role as Role) && typeof key === 'string') keys[role as Role] = key;
  } else {
    for (const { key, role } of parseApiKeys(text.replace(/\s+/g, ','))) keys[role] = key;
  }
  if (!keys.admin) throw new UsageError('--keys needs an admin key (it sets up the run catalog)');
  return keys;
}
