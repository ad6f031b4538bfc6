import { throughputChart } from '../../scripts/bench/chart';
import { latencySummary, percentile, perSecond, throughput } from '../../scripts/bench/measure';

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
});
