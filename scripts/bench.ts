import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WORKER_TUNING } from '../worker/worker';
import { median, round } from './bench/measure';
import { BENCH_SKU, runBatchPhase, runCeilingPhase, runHotSkuPhase, runMainPhase, runRatePhase } from './bench/phases';
import { loadAverage } from './bench/progress';
import { summarizeProfile } from './bench/profile-summary';
import {
  benchChart,
  benchReport,
  describeBatch,
  describeMain,
  headlineOf,
  roundOf,
  type BenchResults,
} from './bench/report';
import { addBenchProduct, startBenchSystem, type BenchSystem } from './bench/system';

const PHASES = ['main', 'batch', 'rate', 'api', 'hot', 'ceiling'] as const;
type Phase = (typeof PHASES)[number];

const USAGE = `npm run bench -- [options]

  --orders N            orders in the main phase and ceiling workflows (1000)
  --concurrency C       requests in flight in the main phase and the ceiling (50)
  --rate R              orders per second in the fixed-rate phases (50)
  --rate-seconds S      length of each fixed-rate phase (20)
  --rounds R            the main phase R times (each followed by the ceiling when that runs); the headline
                        figures (and the ratio) are the medians over the rounds (1)
  --batch-rows N        orders in the batch phase's one POST /v1/orders/batch (1000)
  --warm-up-seconds S   posted at the rate just before each fixed-rate phase, latency reported apart (2)
  --hot-orders N        orders posted at once for the hot SKU (1000)
  --hot-units N         units of the hot SKU in stock (100)
  --return-window D     OMS_RETURN_WINDOW of the bench orders (1s)
  --phases LIST         which of main,batch,rate,api,hot,ceiling to run (all; ceiling needs main)
                        batch: one batch of --batch-rows orders; rate: fixed rate with everything running;
                        api: the same with the worker stopped while posting
  --timeout S           how long a phase may take to settle (900)
  --server-config K=V   extra Temporal dev server dynamic config (repeatable)
  --profile             node --cpu-prof the worker and the API; prints where their time goes (per thread)
  --outbound on|off     a webhook subscription to every event and an SMTP server for the emails, as in
                        production (on); off measures the order process without them
  --label TEXT          a note stored with the results (e.g. "before tuning")
  --out DIR             where results go (bench-results)`;

/**
 * `npm run bench`: an isolated OMS (own PostgreSQL, Temporal dev server, worker and API processes) in auto mode
 * with zero simulated delays, measured in phases: N orders at concurrency C (the headline figures), a batch import,
 * a fixed-rate phase for POST latency, a hot SKU, and the no-op ceiling. Writes bench-results/<timestamp>.json and
 * .svg; the summary ends with the headline figures, the last two lines for scripts to read.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '50' },
      rate: { type: 'string', default: '50' },
      'rate-seconds': { type: 'string', default: '20' },
      'warm-up-seconds': { type: 'string', default: '2' },
      rounds: { type: 'string', default: '1' },
      'batch-rows': { type: 'string', default: '1000' },
      'hot-orders': { type: 'string', default: '1000' },
      'hot-units': { type: 'string', default: '100' },
      'return-window': { type: 'string', default: '1s' },
      phases: { type: 'string', default: PHASES.join(',') },
      timeout: { type: 'string', default: '900' },
      'server-config': { type: 'string', multiple: true, default: [] },
      profile: { type: 'boolean', default: false },
      outbound: { type: 'string', default: 'on' },
      label: { type: 'string', default: '' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const count = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`--${name} must be a positive whole number, got "${values[name]}"\n\n${USAGE}`);
    return value;
  };
  const orders = count('orders');
  const concurrency = count('concurrency');
  const rate = count('rate');
  const rateOrders = rate * count('rate-seconds');
  const warmUpOrders = rate * count('warm-up-seconds');
  const rounds = count('rounds');
  const batchRows = count('batch-rows');
  const hotOrders = count('hot-orders');
  const hotUnits = count('hot-units');
  const timeoutMs = count('timeout') * 1000;
  if (values.outbound !== 'on' && values.outbound !== 'off')
    throw new Error(`--outbound must be on or off\n\n${USAGE}`);
  const phases = new Set(values.phases.split(',').map((phase) => phase.trim()) as Phase[]);
  for (const phase of phases)
    if (!PHASES.includes(phase)) throw new Error(`--phases: unknown phase "${phase}" (use ${PHASES.join(',')})`);
  if (phases.has('ceiling') && !phases.has('main'))
    throw new Error('--phases: the ceiling copies the shape of an order from the main phase; include main');

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.resolve(values.out);
  const profileDir = path.join(outDir, `${stamp}-profiles`);
  mkdirSync(outDir, { recursive: true });
  const log = (message: string) => console.log(`[bench] ${message}`);
  log(
    `${os.cpus().length} CPUs, load average ${loadAverage().join(' ')}${values.label ? `, label "${values.label}"` : ''}`,
  );

  let system: BenchSystem | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await system?.stop();
  };
  // Stop the children and servers first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`${signal}: stopping`);
      void stop().finally(() => process.exit(130));
    });
  }

  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    label: values.label,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    commit: gitCommit(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMb: Math.round(os.totalmem() / 1024 / 1024),
      node: process.version,
    },
    settings: {
      orders,
      concurrency,
      rounds,
      batchRows,
      rate,
      rateOrders,
      warmUpOrders,
      hotOrders,
      hotUnits,
      returnWindow: values['return-window'],
      carrierDeliveryDelay: '0s',
      serverDynamicConfig: values['server-config'],
      workerTuning: WORKER_TUNING,
      outbound: values.outbound === 'on',
    },
  };
  try {
    system = await startBenchSystem({
      returnWindow: values['return-window'],
      serverDynamicConfig: values['server-config'],
      nodeFlags: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      outbound: values.outbound === 'on',
      log,
    });
    await addBenchProduct(system.db, BENCH_SKU, {
      EWR: rounds * orders + batchRows + 2 * (warmUpOrders + rateOrders) + 1_000,
    });
    log('starting the worker (bundles the workflows) and the API');
    await Promise.all([system.start('worker'), system.start('api')]);

    // Main phase and ceiling in turn, so each pair runs under much the same load from whatever else shares the
    // machine (the order worker and API stay up, idle, during the ceiling). Throughput and CPU move between runs, the
    // ceiling's more than ours: the headline figures and the ratio are the medians over the rounds.
    for (let roundNumber = 1; roundNumber <= rounds && phases.has('main'); roundNumber++) {
      const label = rounds > 1 ? ` (round ${roundNumber} of ${rounds})` : '';
      const main = await runMainPhase(system, { orders, concurrency, timeoutMs });
      results.main ??= main;
      log(`main${label}: ${describeMain(main)}`);
      const received = system.received?.();
      if (received)
        log(`outbound so far: ${received.webhooks} webhook deliveries and ${received.emails} emails received`);
      const ceiling =
        phases.has('ceiling') && results.main.historyShape
          ? await runCeilingPhase(system, {
              workflows: orders,
              concurrency,
              orderShape: results.main.historyShape,
              runId: `${stamp}-${roundNumber}`,
              timeoutMs,
            })
          : undefined;
      results.ceiling ??= ceiling;
      (results.rounds ??= []).push(roundOf(main, ceiling));
      if (ceiling)
        log(`ceiling${label}: ${ceiling.completed.perSecond} workflows/s; ratio ${results.rounds.at(-1)?.ratio}`);
    }
    if (results.rounds?.length) {
      results.headline = headlineOf(results.rounds);
      if (results.ceiling)
        results.ratio = {
          basis: `orders/s to COMPLETED ÷ ceiling workflows/s completed${results.rounds.length > 1 ? `, median of ${results.rounds.length} rounds` : ''}`,
          value: round(median(results.rounds.map((entry) => entry.ratio))),
          byCpu: round(median(results.rounds.map((entry) => entry.byCpu))),
        };
    }
    if (phases.has('batch')) {
      results.batch = await runBatchPhase(system, { rows: batchRows, timeoutMs });
      log(describeBatch(results.batch));
    }
    if (phases.has('rate')) {
      results.rate = await runRatePhase(system, { rate, orders: rateOrders, warmUpOrders, timeoutMs });
    }
    if (phases.has('api')) {
      results.apiAlone = await runRatePhase(system, {
        rate,
        orders: rateOrders,
        warmUpOrders,
        timeoutMs,
        workerStoppedWhilePosting: true,
      });
    }
    if (phases.has('hot')) {
      results.hot = await runHotSkuPhase(system, { orders: hotOrders, units: hotUnits, timeoutMs });
    }
    await Promise.all([system.stopRole('worker'), system.stopRole('api')]);
    if (values.profile) {
      results.profiles = readdirSync(profileDir)
        .filter((file) => file.endsWith('.cpuprofile'))
        .map((file) => summarizeProfile(path.join(profileDir, file)));
    }
  } finally {
    await stop();
  }

  results.finishedAt = new Date().toISOString();
  const jsonFile = path.join(outDir, `${stamp}.json`);
  const svgFile = path.join(outDir, `${stamp}.svg`);
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(svgFile, benchChart(results));
  // The summary last: scripts read the headline figures from its final lines.
  console.log(
    `[bench] results: ${path.relative(process.cwd(), jsonFile)}, chart: ${path.relative(process.cwd(), svgFile)}\n\n${benchReport(results)}`,
  );
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return `${commit}${dirty ? '+changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
