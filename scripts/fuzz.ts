import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROLES } from '../config';
import { fuzzSettings } from '../config/fuzz';
import { freePort } from '../tools/free-port';

/**
 * `npm run fuzz`: API fuzzing with schemathesis against a real, isolated system. Starts everything the way
 * `npm start` does (embedded PostgreSQL, Temporal dev server, worker, API) with its own data directory and
 * free ports, runs schemathesis against /openapi.json with an admin key, then stops it all.
 *
 *   npm run fuzz                       20 examples per operation (OMS_FUZZ_EXAMPLES or --max-examples=N)
 *   npm run fuzz -- --max-examples=300 --seed=1 --workers=2
 *
 * Checks: no 5xx, status codes, content types, headers and bodies as documented. Reports (JUnit) go to
 * test-artifacts/schemathesis/. Exits with schemathesis's code.
 */

/** Pinned: installed once into a venv outside the clone (~/.cache/oms), reused by every run and CI. */
export const SCHEMATHESIS_VERSION = '4.32.5';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];

const root = path.resolve(__dirname, '..');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg) => /^--([\w-]+)=(.*)$/.exec(arg))
    .filter((match) => match !== null)
    .map((match) => [match[1], match[2]]),
);
// The command line wins over the environment.
const envSettings = fuzzSettings();
const maxExamples = Number(args['max-examples'] ?? envSettings.maxExamples);
const seed = args.seed ?? envSettings.seed;
const workers = args.workers ?? envSettings.workers;
const log = (message: string) => console.log(`[fuzz] ${message}`);

function ensureSchemathesis(): string {
  const venv = path.join(envSettings.cacheDir, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const bin = path.join(venv, 'bin', 'schemathesis');
  const marker = path.join(venv, '.installed');
  if (existsSync(marker)) return bin;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(path.dirname(venv), { recursive: true });
  const run = (command: string, commandArgs: string[]) => {
    const result = spawnSync(command, commandArgs, { stdio: 'inherit' });
    if (result.status !== 0)
      throw new Error(`${command} ${commandArgs.join(' ')} failed (${result.status ?? result.signal})`);
  };
  run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
  writeFileSync(marker, `${SCHEMATHESIS_VERSION}\n`);
  return bin;
}

/** Runs a command with its output shown as it comes and kept for reading afterwards. */
function runTee(
  command: string,
  commandArgs: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status: status ?? 1, output }));
  });
}

/** Starts `scripts/start.ts` and resolves once it printed that it is ready. */
function startSystem(env: NodeJS.ProcessEnv, logFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/start.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logStream = createWriteStream(logFile);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`the system was not ready within 5 minutes; see ${logFile}`)),
      300_000,
    );
    const collect = (chunk: Buffer) => {
      logStream.write(chunk);
      output += chunk.toString();
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        output = '';
        resolve(child);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the system exited with ${code} before it was ready; see ${logFile}`));
    });
  });
}

async function stopSystem(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    log('the system did not stop within 60s; killing it');
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A few orders in different states (shipping, awaiting approval, net30 with receivables, backordered), so the
 * operations on an existing order, shipment, invoice or pick list meet real ones (GET /v1/orders links to them).
 */
async function seedOrders(baseUrl: string, key: string): Promise<void> {
  const line = (sku: string, quantity: number) => [{ sku, quantity }];
  const bodies = [
    { customerId: 'CUST-ACME', lines: line('MUG-BLK', 2), payment: { method: 'card', token: 'tok_ok' } },
    {
      customerId: 'CUST-INITECH',
      lines: [...line('TEE-M', 1), ...line('MUG-BLK', 1)],
      payment: { method: 'card', token: 'tok_ok' },
    },
    { customerId: 'CUST-ACME', lines: line('LAPTOP-14', 6), payment: { method: 'card', token: 'tok_ok' } },
    { customerId: 'CUST-GLOBEX', lines: line('TEE-M', 3), payment: { method: 'invoice' } },
    {
      customerId: 'CUST-ACME',
      lines: line('BEANS-1KG', 500),
      backorderPolicy: 'wait_all',
      payment: { method: 'card', token: 'tok_ok' },
    },
  ];
  for (const body of bodies) {
    const response = await fetch(`${baseUrl}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 202)
      throw new Error(`seeding an order answered ${response.status}: ${await response.text()}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 5_000)); // let them ship and some deliver (OMS_CARRIER_DELIVERY_DELAY 2s)
}

async function main(): Promise<number> {
  const schemathesis = ensureSchemathesis();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oms-fuzz-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user when this runs as root
  const reportDir = path.join(root, 'test-artifacts', 'schemathesis');
  mkdirSync(reportDir, { recursive: true });
  const [api, temporal, ui, pg] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const adminKey = `fuzz_admin_${randomBytes(12).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMS_DATA_DIR: dataDir,
    PORT: String(api),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    OMS_PG_PORT: String(pg),
    OMS_API_KEYS: [
      `${adminKey}:admin`,
      ...ROLES.filter((role) => role !== 'admin').map(
        (role) => `fuzz_${role}_${randomBytes(12).toString('hex')}:${role}`,
      ),
    ].join(','),
    OMS_CARRIER_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
    OMS_CARRIER_DELIVERY_DELAY: '2s',
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;

  const started = Date.now();
  log(`starting an isolated system (data ${dataDir}, API port ${api}); its log: ${path.join(reportDir, 'system.log')}`);
  const system = await startSystem(env, path.join(reportDir, 'system.log'));
  // Stopped from outside: stop the system too, so nothing is left running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopSystem(system).finally(() => process.exit(130)));
  }
  let code: number;
  let summary = '';
  try {
    await seedOrders(`http://127.0.0.1:${api}`, adminKey);
    log(
      `ready in ${((Date.now() - started) / 1000).toFixed(1)}s; schemathesis ${SCHEMATHESIS_VERSION}, ${maxExamples} examples per operation`,
    );
    const runArgs = [
      'run',
      `http://127.0.0.1:${api}/openapi.json`,
      '--header',
      `Authorization: Bearer ${adminKey}`,
      '--checks',
      CHECKS.join(','),
      '--max-examples',
      String(maxExamples),
      '--workers',
      workers,
      '--request-timeout',
      '30',
      '--suppress-health-check',
      'too_slow,filter_too_much',
      '--report',
      'junit',
      '--report-dir',
      reportDir,
      '--output-sanitize',
      'true',
      ...(seed ? ['--seed', seed] : []),
    ];
    // cwd: its cache (.schemathesis/) stays with the reports, out of the clone.
    const { status, output } = await runTee(schemathesis, runArgs, {
      cwd: reportDir,
      env: { ...process.env, ...(envSettings.ci ? { NO_COLOR: '1' } : {}) },
    });
    code = status;
    // A plain closing line CI can read: schemathesis's own summary says "N generated, M passed" (or "K found …").
    const cases = /Test cases:\s*(\d+) generated(?:, (\d+) passed)?/.exec(output);
    if (cases) {
      const generated = Number(cases[1]);
      const passed = code === 0 ? generated : Number(cases[2] ?? 0);
      summary = `fuzz: ${passed} passed, ${generated - passed} failed`;
    }
  } finally {
    log('stopping the system');
    await stopSystem(system);
    rmSync(dataDir, { recursive: true, force: true });
  }
  log(
    `${code === 0 ? 'passed' : `failed (schemathesis exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(0)}s`,
  );
  if (summary) console.log(summary);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
