import { throughputChart } from '../../scripts/bench/chart';
import { latencySummary, percentile, perSecond, throughput } from '../../scripts/bench/measure';
import { cpuGap } from '../../scripts/bench/report';

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
});
