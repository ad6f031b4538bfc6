import path from 'node:path';
import { throughputChart, type ChartSeries } from './chart';
import { median, round, type LatencySummary } from './measure';
import type { runBatchPhase, runCeilingPhase, runHotSkuPhase, runMainPhase, runRatePhase } from './phases';
import type { ProfileSummary } from './profile-summary';

export type MainResult = Awaited<ReturnType<typeof runMainPhase>>;
export type CeilingResult = Awaited<ReturnType<typeof runCeilingPhase>>;
export type BatchResult = Awaited<ReturnType<typeof runBatchPhase>>;

/** One main phase (`--rounds` runs several) and, with the ceiling phase, the ceiling run right after it. */
export interface RoundResult {
  shippedPerSecond: number | null;
  /** To COMPLETED. */
  ordersPerSecond: number | null;
  /** The OMS's own processes together (`system`: worker, API, PostgreSQL, Temporal server). */
  cpuMsPerOrder: number;
  /** Each part, the bench process's own (`bench`) included. */
  cpuMsPerOrderByPart: Record<string, number>;
  historyEventsPerOrder: number | null;
  loadAverage: MainResult['loadAverage'];
  /** At the round's end: rounds in a row show whether the worker's memory grows (a leak) or settles. */
  workerMemory: MainResult['workerMemory'];
  ceilingPerSecond: number | null;
  ratio: number | null;
  byCpu: number | null;
  cpuMsPerCeilingWorkflow: number | null;
}

/** The OMS's own processes, as the CPU figures name them (`cpuSeconds` in cpu.ts) and as the report writes them. */
export const OMS_PROCESSES = {
  worker: 'worker',
  api: 'API',
  postgres: 'PostgreSQL',
  temporal: 'Temporal server',
} as const;
type OmsProcess = keyof typeof OMS_PROCESSES;

/**
 * The figures to compare runs by: medians over the main phase's rounds. CPU counts the OMS's own processes; the bench
 * process (load generator, and the webhook receiver and SMTP server that stand in for the outside world) is apart.
 */
export interface Headline {
  rounds: number;
  ordersPerSecondToShipped: number | null;
  ordersPerSecondToCompleted: number | null;
  cpuMsPerOrder: number | null;
  /** Each process's own median (so they need not add up to the median of the sum). */
  cpuMsPerOrderByProcess: Record<OmsProcess, number | null>;
  benchCpuMsPerOrder: number | null;
  historyEventsPerOrder: number | null;
  /** The 1-minute load average as each round started. */
  loadAverages: number[];
}
/** Everything one bench run measured, as written to bench-results/<timestamp>.json. */
export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  label: string;
  command: string;
  commit: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  main?: MainResult;
  rate?: Awaited<ReturnType<typeof runRatePhase>>;
  apiAlone?: Awaited<ReturnType<typeof runRatePhase>>;
  hot?: Awaited<ReturnType<typeof runHotSkuPhase>>;
  ceiling?: CeilingResult;
  batch?: BatchResult;
  ratio?: { basis: string; value: number | null; byCpu: number | null };
  /** Each main phase and the ceiling run right after it (`--rounds`); `main` and `ceiling` are the first round's. */
  rounds?: RoundResult[];
  /** Medians over `rounds`. */
  headline?: Headline;
  profiles?: ProfileSummary[];
}

export function roundOf(main: MainResult, ceiling?: CeilingResult): RoundResult {
  const ours = main.completed.perSecond;
  const theirs = ceiling?.completed.perSecond ?? null;
  return {
    shippedPerSecond: main.shipped.perSecond,
    ordersPerSecond: ours,
    cpuMsPerOrder: main.cpuMsPerOrder.system,
    cpuMsPerOrderByPart: main.cpuMsPerOrder,
    historyEventsPerOrder: main.historyEventsPerOrder.mean,
    loadAverage: main.loadAverage,
    workerMemory: main.workerMemory,
    ceilingPerSecond: theirs,
    ratio: ours && theirs ? round(ours / theirs) : null,
    // The same comparison by CPU cost, which the other work on a shared machine disturbs far less.
    byCpu: ceiling ? round(ceiling.cpuMsPerWorkflow.system / main.cpuMsPerOrder.system) : null,
    cpuMsPerCeilingWorkflow: ceiling?.cpuMsPerWorkflow.system ?? null,
  };
}

export function headlineOf(rounds: readonly RoundResult[]): Headline {
  const of = (value: (entry: RoundResult) => number | null | undefined, digits: number) =>
    round(median(rounds.map((entry) => value(entry) ?? null)), digits);
  return {
    rounds: rounds.length,
    ordersPerSecondToShipped: of((entry) => entry.shippedPerSecond, 2),
    ordersPerSecondToCompleted: of((entry) => entry.ordersPerSecond, 2),
    cpuMsPerOrder: of((entry) => entry.cpuMsPerOrder, 1),
    cpuMsPerOrderByProcess: Object.fromEntries(
      Object.keys(OMS_PROCESSES).map((part) => [part, of((entry) => entry.cpuMsPerOrderByPart[part], 1)]),
    ) as Record<OmsProcess, number | null>,
    benchCpuMsPerOrder: of((entry) => entry.cpuMsPerOrderByPart.bench, 1),
    historyEventsPerOrder: of((entry) => entry.historyEventsPerOrder, 1),
    loadAverages: rounds.map((entry) => entry.loadAverage.before[0]),
  };
}

const figure = (value: number | null) => (value === null ? 'n/a' : String(value));

/** The two lines scripts read, exactly so: the last lines of the summary. */
export function headlineFigureLines(headline: Headline): string[] {
  return [
    `orders/s to SHIPPED: ${figure(headline.ordersPerSecondToShipped)}`,
    `CPU ms per order: ${figure(headline.cpuMsPerOrder)}`,
  ];
}

/** The headline CPU by process, e.g. "worker 70.1, API 4.2, PostgreSQL 12.3, Temporal server 68.1". */
export const cpuByProcess = (headline: Headline) =>
  Object.entries(OMS_PROCESSES)
    .map(([part, name]) => `${name} ${figure(headline.cpuMsPerOrderByProcess[part as OmsProcess])}`)
    .join(', ');

/** The headline section that ends the summary: the medians over the main phase's rounds. */
export function headlineLines(headline: Headline): string[] {
  const over = headline.rounds > 1 ? `median of ${headline.rounds} main-phase rounds` : 'one main-phase round';
  return [
    `headline (${over}; load average at each round's start: ${headline.loadAverages.join(', ')})`,
    `  orders/s                 to SHIPPED ${figure(headline.ordersPerSecondToShipped)}, to COMPLETED ${figure(headline.ordersPerSecondToCompleted)}`,
    `  CPU ms per order         ${figure(headline.cpuMsPerOrder)}, the OMS's own processes: ${cpuByProcess(headline)}`,
    `  bench process            ${figure(headline.benchCpuMsPerOrder)} CPU ms per order, not in the figure above: the load generator, and the webhook receiver and SMTP server standing in for the outside world`,
    `  history events per order ${figure(headline.historyEventsPerOrder)}`,
    ...headlineFigureLines(headline),
  ];
}

/** "all 1000 after 4.2s (first after 0.3s)", or how many of how many got there. */
function arrivals(reached: { count: number; firstSeconds: number | null; lastSeconds: number | null }, of: number) {
  if (reached.count === 0) return `none of ${of}`;
  const all = reached.count >= of ? `all ${of}` : `only ${reached.count} of ${of}, the last`;
  return `${all} after ${reached.lastSeconds}s (first after ${reached.firstSeconds}s)`;
}

/** The batch phase in one line (the chart's note). */
export function describeBatch(batch: BatchResult): string {
  const accepted = batch.answer.accepted;
  const allOf = (reached: { count: number; lastSeconds: number | null }) =>
    reached.count >= accepted && accepted > 0
      ? `all after ${reached.lastSeconds}s`
      : `${reached.count} of ${accepted} only`;
  return `batch of ${batch.rows}: answered in ${round(batch.answer.ms / 1000)}s, workflows started: ${allOf(batch.started)}, SHIPPED: ${allOf(batch.shipped)}`;
}

export function describeMain(main: MainResult): string {
  return `${main.shipped.perSecond} orders/s to SHIPPED, ${main.completed.perSecond} to COMPLETED`;
}

export function benchChart(results: BenchResults): string {
  const series: ChartSeries[] = [];
  if (results.main) {
    series.push({ name: 'orders reaching SHIPPED', color: '#1f77b4', values: results.main.series.shippedPerSecond });
    series.push({
      name: 'orders reaching COMPLETED',
      color: '#2ca02c',
      values: results.main.series.completedPerSecond,
    });
  }
  if (results.ceiling)
    series.push({
      name: 'ceiling workflows completed',
      color: '#d62728',
      values: results.ceiling.series.completedPerSecond,
      dashed: true,
    });
  if (results.batch) {
    series.push({ name: 'batch: workflows started', color: '#9467bd', values: results.batch.series.startedPerSecond });
    series.push({
      name: 'batch: orders reaching SHIPPED',
      color: '#ff7f0e',
      values: results.batch.series.shippedPerSecond,
    });
  }
  const rounds = results.rounds?.length ?? 0;
  const subtitle = results.main
    ? `${results.main.orders} orders at concurrency ${results.main.concurrency}${rounds > 1 ? ` (lines: round 1 of ${rounds})` : ''} · ${describeMain(results.main)}${results.ratio?.value ? ` · ratio ${results.ratio.value}` : ''} · load ${results.main.loadAverage.before[0]}→${results.main.loadAverage.after[0]} · ${results.startedAt}`
    : results.startedAt;
  const notes: string[] = [];
  const { headline, batch } = results;
  if (headline) {
    notes.push(
      `${headline.rounds > 1 ? `median of ${headline.rounds} rounds` : 'headline'}: ${figure(headline.ordersPerSecondToShipped)} orders/s to SHIPPED · ${figure(headline.cpuMsPerOrder)} CPU ms per order · ${figure(headline.historyEventsPerOrder)} history events per order`,
      `CPU ms per order: ${cpuByProcess(headline)} (the OMS's processes); the bench process ${figure(headline.benchCpuMsPerOrder)}, not counted`,
    );
  }
  if (batch) notes.push(`${describeBatch(batch)} · load ${batch.loadAverage.before[0]}→${batch.loadAverage.after[0]}`);
  return throughputChart(`OMS bench${results.label ? `: ${results.label}` : ''}`, subtitle, series, notes);
}

/** The ratio ours/ceiling the issue asks of the bench (issue 6). */
export const TARGET_RATIO = 0.8;

/**
 * Where an order costs more CPU than a ceiling workflow, part by part (the ceiling's worker is its `ceiling` part;
 * it has no PostgreSQL or API), and the CPU per order at which ours would reach {@link TARGET_RATIO}. The bench's
 * own load generator counts in neither.
 */
export function cpuGap(
  ours: Record<string, number>,
  ceiling: Record<string, number>,
): { extraMs: number; parts: Record<string, number>; targetMs: number } {
  const theirs = (part: string) => ceiling[part === 'worker' ? 'ceiling' : part] ?? 0;
  const parts = Object.fromEntries(
    Object.keys(ours)
      .filter((part) => part !== 'system' && part !== 'bench')
      .map((part) => [part, round(ours[part] - theirs(part), 1) ?? 0]),
  );
  return {
    extraMs: round(ours.system - ceiling.system, 1) ?? 0,
    parts,
    targetMs: round(ceiling.system / TARGET_RATIO, 1) ?? 0,
  };
}

const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${ms}`;

const cpuParts = (parts: Record<string, number>) =>
  `${parts.system} (${Object.entries(parts)
    .filter(([part]) => part !== 'system')
    .map(([part, ms]) => `${part} ${ms}`)
    .join(', ')})`;

/** The figures a person reads first; everything else is in the JSON. */
export function benchReport(results: BenchResults): string {
  const lines: string[] = [
    `OMS bench ${results.startedAt}${results.label ? ` (${results.label})` : ''}, commit ${results.commit}`,
  ];
  const ms = (summary: LatencySummary) =>
    `p50 ${summary.p50} / p95 ${summary.p95} / p99 ${summary.p99} ms (max ${summary.max})`;
  const { main, rate, apiAlone, hot, ceiling, batch } = results;
  if (main) {
    lines.push(
      `main${(results.rounds?.length ?? 0) > 1 ? ` (round 1 of ${results.rounds?.length}; every round below, the medians last)` : ''}: ${main.orders} orders at concurrency ${main.concurrency}${main.finished ? '' : ' (DID NOT FINISH)'}, load ${main.loadAverage.before.join(' ')} -> ${main.loadAverage.after.join(' ')}`,
      `  throughput to SHIPPED    ${main.shipped.perSecond} orders/s (first after ${main.shipped.firstSeconds}s, last after ${main.shipped.lastSeconds}s)`,
      `  throughput to COMPLETED  ${main.completed.perSecond} orders/s (first after ${main.completed.firstSeconds}s, last after ${main.completed.lastSeconds}s)`,
      `  POST /v1/orders          ${ms(main.postLatencyMs)}; ${main.failedPosts.count} failed`,
      `  order to SHIPPED         p50 ${main.orderToShippedMs.p50} / p95 ${main.orderToShippedMs.p95} ms`,
      `  history events / order   ${main.historyEventsPerOrder.mean} (min ${main.historyEventsPerOrder.min}, max ${main.historyEventsPerOrder.max}; one order: ${main.historyShape?.activities} activities, ${main.historyShape?.localActivities} local activities, ${main.historyShape?.searchAttributeUpserts} upserts, ${main.historyShape?.timerMs.length} timers, ${main.historyShape?.workflowTasks} workflow tasks)`,
      `  SQL round trips / order  worker ${main.sqlPerOrder.worker.total} (${main.sqlPerOrder.worker.transactionControl} BEGIN/COMMIT), API ${main.sqlPerOrder.api.total} (${main.sqlPerOrder.api.transactionControl} BEGIN/COMMIT)`,
      `  CPU ms / order           ${cpuParts(main.cpuMsPerOrder)}; bench = the bench process, not in the sum`,
      `  worker memory            RSS ${main.workerMemory.rssMb} MB (peak ${main.workerMemory.peakRssMb} MB), heap ${main.workerMemory.heapUsedMb} MB`,
    );
  }
  if (ceiling) {
    lines.push(
      `ceiling: ${ceiling.workflows} no-op workflows (${ceiling.shape.activities} activities, ${ceiling.shape.localActivities} local activities, ${ceiling.shape.searchAttributeUpserts} upserts, ${ceiling.shape.timerMs.length} timers, ${ceiling.shape.workflowTasks} workflow tasks; ${ceiling.shape.events} history events)${ceiling.finished ? '' : ' (DID NOT FINISH)'}, load ${ceiling.loadAverage.before.join(' ')} -> ${ceiling.loadAverage.after.join(' ')}`,
      `  throughput               ${ceiling.completed.perSecond} workflows/s (last after ${ceiling.completed.lastSeconds}s); worker RSS peak ${ceiling.workerMemory.peakRssMb} MB`,
      `  CPU ms / workflow        ${cpuParts(ceiling.cpuMsPerWorkflow)}`,
      `ratio ours/ceiling: ${results.ratio?.value} (${results.ratio?.basis}); by CPU cost ${results.ratio?.byCpu ?? '-'} (ceiling CPU per workflow ÷ ours per order)`,
    );
    if (main) {
      const gap = cpuGap(main.cpuMsPerOrder, ceiling.cpuMsPerWorkflow);
      lines.push(
        `  ours over the ceiling    ${signed(gap.extraMs)} CPU ms/order${(results.rounds?.length ?? 0) > 1 ? ' in round 1' : ''} (${Object.entries(
          gap.parts,
        )
          .map(([part, ms]) => `${part} ${signed(ms)}`)
          .join(', ')}); ` +
          `a ratio of ${TARGET_RATIO} needs at most ${gap.targetMs} ms/order, ours ${main.cpuMsPerOrder.system}`,
      );
    }
  }
  if ((results.rounds?.length ?? 0) > 1) {
    lines.push(`rounds (main phase${ceiling ? ', and the ceiling right after it' : ''}):`);
    for (const [index, entry] of (results.rounds ?? []).entries()) {
      lines.push(
        `  round ${index + 1}: ours ${entry.shippedPerSecond} orders/s to SHIPPED, ${entry.ordersPerSecond} to COMPLETED (${entry.cpuMsPerOrder} CPU ms, load ${entry.loadAverage.before[0]}; worker heap ${entry.workerMemory.heapUsedMb} MB, RSS ${entry.workerMemory.rssMb} MB)` +
          (entry.ceilingPerSecond === null
            ? ''
            : `, ceiling ${entry.ceilingPerSecond} workflows/s (${entry.cpuMsPerCeilingWorkflow} CPU ms): ratio ${entry.ratio}, by CPU ${entry.byCpu}`),
      );
    }
  }
  if (batch) {
    lines.push(
      `batch: ${batch.rows} rows in one POST /v1/orders/batch${batch.finished ? '' : ' (DID NOT FINISH)'}, load ${batch.loadAverage.before.join(' ')} -> ${batch.loadAverage.after.join(' ')}`,
      `  answered                 in ${batch.answer.ms} ms (HTTP ${batch.answer.status}): ${batch.answer.accepted} accepted, ${batch.answer.rejected} rejected${batch.answer.errors.length ? ` (${batch.answer.errors.join('; ')})` : ''}; API SQL round trips ${batch.apiSqlRoundTrips.toAnswer} to answer, ${batch.apiSqlRoundTrips.total} in all`,
      `  workflows started        ${arrivals(batch.started, batch.answer.accepted)}`,
      `  reached SHIPPED          ${arrivals(batch.shipped, batch.answer.accepted)}`,
      `  reached COMPLETED        ${arrivals(batch.completed, batch.answer.accepted)}`,
      `  CPU ms / order           ${cpuParts(batch.cpuMsPerOrder)}`,
    );
  }
  if (rate) {
    lines.push(
      `rate: ${rate.orders} orders at ${rate.rate}/s (achieved ${rate.achievedRate}/s)${rate.finished ? '' : ' (DID NOT FINISH)'}, load ${rate.loadAverage.before.join(' ')} -> ${rate.loadAverage.after.join(' ')}`,
      `  POST /v1/orders          ${ms(rate.postLatencyMs)}; ${rate.failedPosts.count} failed (warm-up, first ${rate.warmUp.orders}: ${ms(rate.warmUp.postLatencyMs)})`,
      `  order to SHIPPED         p50 ${rate.orderToShippedMs.p50} / p95 ${rate.orderToShippedMs.p95} ms`,
    );
  }
  if (apiAlone) {
    lines.push(
      `API alone: ${apiAlone.orders} orders at ${apiAlone.rate}/s with the worker stopped while posting (achieved ${apiAlone.achievedRate}/s)${apiAlone.finished ? '' : ' (DID NOT FINISH)'}, load ${apiAlone.loadAverage.before.join(' ')} -> ${apiAlone.loadAverage.after.join(' ')}`,
      `  POST /v1/orders          ${ms(apiAlone.postLatencyMs)}; ${apiAlone.failedPosts.count} failed (warm-up, first ${apiAlone.warmUp.orders}: ${ms(apiAlone.warmUp.postLatencyMs)}); then all worked off by the restarted worker`,
    );
  }
  if (hot) {
    lines.push(
      `hot SKU: ${hot.orders} orders at once for ${hot.units} units${hot.finished ? '' : ' (DID NOT SETTLE)'}, load ${hot.loadAverage.before.join(' ')} -> ${hot.loadAverage.after.join(' ')}`,
      `  settled after ${hot.settleSeconds}s: ${Object.entries(hot.statuses)
        .map(([status, n]) => `${status} ${n}`)
        .join(', ')}; ${hot.failedPosts.count} posts failed`,
      `  ledger: received ${hot.ledger.received}, shipped ${hot.ledger.shipped}, still reserved ${hot.ledger.reserved} -> oversold ${hot.oversoldUnits} units`,
    );
  }
  // Threads that did next to nothing (an idle thread pool) are left out of the summary.
  for (const profile of (results.profiles ?? []).filter((entry) => entry.busyMs >= 1_000)) {
    lines.push(
      `profile ${path.basename(profile.file)}: busy ${(profile.busyMs / 1000).toFixed(1)} s; under each area: ${profile.inclusiveByArea
        .slice(0, 8)
        .map((entry) => `${entry.area} ${entry.share}%`)
        .join(', ')}`,
    );
    for (const entry of profile.topFunctions.slice(0, 8))
      lines.push(`    ${String(entry.share).padStart(5)}%  ${entry.name}`);
  }
  // Last, so scripts find the headline figures at the end.
  if (results.headline) lines.push(...headlineLines(results.headline));
  return lines.join('\n');
}
