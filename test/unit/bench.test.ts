import { throughputChart } from '../../scripts/bench/chart';
import { shapeOf } from '../../scripts/bench/history';
import { latencySummary, median, percentile, perSecond, throughput } from '../../scripts/bench/measure';
import {
  benchChart,
  benchReport,
  cpuGap,
  headlineLines,
  headlineOf,
  type BatchResult,
  type BenchResults,
  type RoundResult,
} from '../../scripts/bench/report';
import { loadRecordedHistories } from '../replay/histories';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1); // 1..100
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(latencySummary([30, 10, 20])).toEqual({ count: 3, p50: 20, p95: 30, p99: 30, max: 30 });
  });

  it('measures throughput over the whole batch, from the first request to the last arrival', () => {
    const start = 1_000_000;
    // 5 s of nothing (ramp-up), then 10 arrivals per second for 10 s, then one straggler 20 s later.
    const arrivals = [...Array.from({ length: 100 }, (_, index) => start + 5_000 + index * 100), start + 35_000];
    expect(throughput(arrivals, start)).toEqual({ count: 101, perSecond: 2.89, firstSeconds: 5, lastSeconds: 35 });
    expect(throughput([], start)).toEqual({ count: 0, perSecond: null, firstSeconds: null, lastSeconds: null });
  });

  it('counts arrivals per second since the start', () => {
    expect(perSecond([1_000, 1_500, 2_999, 4_000], 1_000)).toEqual([2, 1, 0, 1]);
  });

  it('draws each series as a line in a standalone SVG', () => {
    const svg = throughputChart('title <&>', 'subtitle', [
      { name: 'shipped', color: '#111', values: [1, 5, 3] },
      { name: 'ceiling', color: '#222', values: [2, 8], dashed: true },
    ]);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('title &lt;&amp;&gt;');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray');
  });

  it('splits the CPU an order costs over a ceiling workflow by part, against the budget of the target ratio', () => {
    const ours = { bench: 2.1, postgres: 12.8, temporal: 62.4, worker: 67.8, api: 4, system: 147 };
    const ceiling = { ceiling: 41.2, bench: 3, postgres: 0, temporal: 61.2, system: 102.4 };
    expect(cpuGap(ours, ceiling)).toEqual({
      extraMs: 44.6,
      parts: { postgres: 12.8, temporal: 1.2, worker: 26.6, api: 4 },
      targetMs: 128,
    });
  });

  it('takes the median of the values given, the mean of the middle two for an even count, ignoring nulls', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 7, null])).toBe(7);
    expect(median([])).toBeNull();
    expect(median([null])).toBeNull();
  });
});

describe('bench headline', () => {
  const round = (shipped: number | null, cpu: number, parts: Record<string, number>, events: number, load: number) =>
    ({
      shippedPerSecond: shipped,
      ordersPerSecond: shipped === null ? null : shipped - 1,
      cpuMsPerOrder: cpu,
      cpuMsPerOrderByPart: { ...parts, system: cpu },
      historyEventsPerOrder: events,
      loadAverage: { before: [load, 0, 0], after: [load, 0, 0] },
      workerMemory: { rssMb: 500, peakRssMb: 510, heapUsedMb: 120 },
      ceilingPerSecond: null,
      ratio: null,
      byCpu: null,
      cpuMsPerCeilingWorkflow: null,
    }) as RoundResult;
  const rounds = [
    round(12.5, 150.3, { worker: 70, api: 4, postgres: 12, temporal: 64.3, bench: 3 }, 60, 9.5),
    round(10.25, 160.7, { worker: 75, api: 5, postgres: 13, temporal: 67.7, bench: 2.5 }, 60, 12.1),
    round(11, 155, { worker: 72.2, api: 3.8, postgres: 12.5, temporal: 66.5, bench: 2 }, 62, 11),
  ];

  it('takes each figure as the median over the rounds, the CPU of the OMS processes apart from the bench', () => {
    expect(headlineOf(rounds)).toEqual({
      rounds: 3,
      ordersPerSecondToShipped: 11,
      ordersPerSecondToCompleted: 10,
      cpuMsPerOrder: 155,
      cpuMsPerOrderByProcess: { worker: 72.2, api: 4, postgres: 12.5, temporal: 66.5 },
      benchCpuMsPerOrder: 2.5,
      historyEventsPerOrder: 60,
      loadAverages: [9.5, 12.1, 11],
    });
    // Two rounds: the mean of the two, rounded as the figures are.
    expect(headlineOf(rounds.slice(0, 2))).toMatchObject({ ordersPerSecondToShipped: 11.38, cpuMsPerOrder: 155.5 });
  });

  it('ends with the two lines scripts read, exactly so', () => {
    const lines = headlineLines(headlineOf(rounds));
    expect(lines.slice(-2)).toEqual(['orders/s to SHIPPED: 11', 'CPU ms per order: 155']);
    expect(lines[0]).toBe(
      "headline (median of 3 main-phase rounds; load average at each round's start: 9.5, 12.1, 11)",
    );
    expect(lines.join('\n')).toContain(
      "CPU ms per order         155, the OMS's own processes: worker 72.2, API 4, PostgreSQL 12.5, Temporal server 66.5",
    );
    expect(lines.join('\n')).toMatch(/bench process +2\.5 CPU ms per order, not in the figure above/);
    // No order shipped in any round: said so, not a number that looks measured.
    expect(headlineLines(headlineOf([round(null, 0, {}, 0, 1)])).slice(-2)).toEqual([
      'orders/s to SHIPPED: n/a',
      'CPU ms per order: 0',
    ]);
  });

  const headlineResults = (): BenchResults => ({
    startedAt: '2026-01-01T00:00:00.000Z',
    label: '',
    command: 'npm run bench',
    commit: 'abc',
    machine: {},
    settings: {},
    rounds,
    headline: headlineOf(rounds),
  });

  it('puts the headline last in the summary and in the chart', () => {
    const results = headlineResults();
    const summary = benchReport(results).split('\n');
    expect(summary.slice(-2)).toEqual(['orders/s to SHIPPED: 11', 'CPU ms per order: 155']);
    expect(summary).toContain('rounds (main phase):');
    const svg = benchChart(results);
    expect(svg).toContain('median of 3 rounds: 11 orders/s to SHIPPED · 155 CPU ms per order · 60 history events');
    expect(svg).toContain(
      "CPU ms per order: worker 72.2, API 4, PostgreSQL 12.5, Temporal server 66.5 (the OMS's processes); the bench process 2.5, not counted",
    );
  });

  it('reports the batch phase: the answer, and when every order had started and shipped, or how many had', () => {
    const reached = (count: number, last: number) => ({ count, perSecond: null, firstSeconds: 0.5, lastSeconds: last });
    const batch = {
      rows: 1000,
      finished: true,
      loadAverage: { before: [2, 1, 1], atAnswer: [2, 1, 1], after: [3, 2, 1] },
      answer: { status: 200, ms: 812, accepted: 1000, rejected: 0, errors: [] },
      apiSqlRoundTrips: { toAnswer: 7, total: 350 },
      started: reached(1000, 9.5),
      shipped: reached(998, 61.2),
      completed: reached(0, 0),
      statuses: {},
      cpuMsPerOrder: { worker: 90, system: 180 },
      series: { startedPerSecond: [10, 20], shippedPerSecond: [0, 5] },
    } as unknown as BatchResult;
    const summary = benchReport({ ...headlineResults(), batch });
    expect(summary).toContain(
      'answered                 in 812 ms (HTTP 200): 1000 accepted, 0 rejected; API SQL round trips 7 to answer, 350 in all',
    );
    expect(summary).toContain('workflows started        all 1000 after 9.5s (first after 0.5s)');
    expect(summary).toContain('reached SHIPPED          only 998 of 1000, the last after 61.2s (first after 0.5s)');
    expect(summary.split('\n').at(-1)).toBe('CPU ms per order: 155');
    const svg = benchChart({ ...headlineResults(), batch });
    expect(svg).toContain(
      'batch of 1000: answered in 0.81s, workflows started: all after 9.5s, SHIPPED: 998 of 1000 only',
    );
    expect(svg).toContain('batch: workflows started');
  });
});

describe('the ceiling copies an order history', () => {
  it('starts and cancels a timer the order cancelled, rather than wait it out', () => {
    const happyPath = loadRecordedHistories().find(
      (recorded) => recorded.file === 'happy-path.2026-12-06-settled.json',
    )!;
    const shape = shapeOf(happyPath.history.events);

    const commands = shape.script.flat();
    // The simulated delivery's 200 ms and the return window's 3 s fire; the 30-day delivery timeout is cancelled.
    expect(commands.filter((command) => typeof command === 'number')).toEqual([200, 3000]);
    const started = shape.script.findIndex((task) =>
      task.some((command) => typeof command === 'object' && 'startTimer' in command),
    );
    const cancelledIn = shape.script.findIndex((task) =>
      task.some((command) => typeof command === 'object' && 'cancelTimer' in command),
    );
    expect(shape.script[started]).toContainEqual({ startTimer: '2', ms: 30 * 24 * 3600 * 1000 });
    expect(shape.script[cancelledIn]).toContainEqual({ cancelTimer: '2' });
    expect(cancelledIn).toBeGreaterThan(started);
    expect(shape).toMatchObject({
      activities: 6,
      localActivities: 6,
      workflowTasks: 9,
      timerMs: [200, 2592000000, 3000],
    });
  });
});
